//! The fuzz targets: every parser of outside input, each behind a `fn(&[u8]) -> bool` that calls
//! the real parser, ignores `Ok`/`Err` and checks what must hold for accepted input (round trips,
//! bounds). A panic in a target is a bug.

mod blob;
mod chain;
mod chat;
mod gguf;
mod pol;

/// A fuzz target.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Name on the command line and of its regressions folder.
    pub name: &'static str,
    /// What it fuzzes.
    pub about: &'static str,
    /// Runs one input; `true` when the parser accepted it. Panics are bugs.
    pub run: fn(&[u8]) -> bool,
    /// Valid encodings made with the real encoders: mutation starts from them.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Tokens the dictionary mutation inserts (keywords, magic numbers).
    pub dict: &'static [&'static [u8]],
    /// Longest input generated.
    pub max_len: usize,
    /// Sets up shared state before a run; `Err(why)` skips the target (never counted as passed).
    pub prepare: fn() -> Result<(), String>,
    /// Releases shared state after a run.
    pub cleanup: fn(),
}

fn ready() -> Result<(), String> {
    Ok(())
}

fn nothing() {}

/// Every target, in the order of the report.
pub fn all() -> Vec<Target> {
    vec![
        Target {
            name: "auction-ix",
            about: "auction instruction data; request and bid accounts",
            run: chain::auction,
            seeds: chain::auction_seeds,
            dict: &[],
            max_len: 2 * ambient_sdk::auction::state::REQUEST_LEN,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "registry-ix",
            about: "registry instruction data; record, LStake table, work book, reward pool, models",
            run: chain::registry,
            seeds: chain::registry_seeds,
            dict: &[],
            max_len: 8192,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "receipt",
            about: "PoL receipts, openings and Merkle proofs",
            run: pol::receipt,
            seeds: pol::seeds,
            dict: &[],
            max_len: 2048,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "gguf",
            about: "GGUF header, metadata and tensor directory; tensor data bounds",
            run: gguf::run,
            seeds: gguf::seeds,
            dict: gguf::DICT,
            max_len: 16 << 10,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "chat-body",
            about: "POST /v1/chat/completions and /v1/completions bodies (ChatService::validate_body, validate_completion_body; real tokenizer)",
            run: chat::run,
            seeds: chat::seeds,
            dict: chat::DICT,
            max_len: 8 << 10,
            prepare: chat::prepare,
            cleanup: nothing,
        },
        Target {
            name: "blob",
            about: "blob uploads into a real BlobStore (put, put_expected, get, stat, sweep, reopen); blob ids",
            run: blob::run,
            seeds: blob::seeds,
            dict: &[],
            max_len: 96 << 10,
            prepare: blob::prepare,
            cleanup: blob::cleanup,
        },
    ]
}

/// Targets that exist to prove the harness catches failures; never run by default.
pub fn selftest() -> Vec<Target> {
    vec![
        Target {
            name: "selftest-panic",
            about: "panics on inputs starting with de ad ff (reachable from its seed)",
            run: planted_panic,
            seeds: planted_seeds,
            dict: &[],
            max_len: 64,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "selftest-abort",
            about: "aborts the process on inputs starting with de ad ff",
            run: planted_abort,
            seeds: planted_seeds,
            dict: &[],
            max_len: 64,
            prepare: ready,
            cleanup: nothing,
        },
        Target {
            name: "selftest-hang",
            about: "never returns on inputs starting with de ad ff",
            run: planted_hang,
            seeds: planted_seeds,
            dict: &[],
            max_len: 64,
            prepare: ready,
            cleanup: nothing,
        },
    ]
}

/// The target called `name` (self-test targets included).
pub fn find(name: &str) -> Option<Target> {
    all().into_iter().chain(selftest()).find(|t| t.name == name)
}

/// The prefix that trips the self-test targets.
pub const PLANTED_MAGIC: [u8; 3] = [0xde, 0xad, 0xff];

fn planted_seeds() -> Vec<Vec<u8>> {
    vec![vec![0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]]
}

fn planted_panic(input: &[u8]) -> bool {
    if input.starts_with(&PLANTED_MAGIC) {
        panic!("planted bug reached");
    }
    input.starts_with(&PLANTED_MAGIC[..2])
}

fn planted_abort(input: &[u8]) -> bool {
    if input.starts_with(&PLANTED_MAGIC) {
        std::process::abort();
    }
    input.starts_with(&PLANTED_MAGIC[..2])
}

fn planted_hang(input: &[u8]) -> bool {
    while input.starts_with(&PLANTED_MAGIC) {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    input.starts_with(&PLANTED_MAGIC[..2])
}
