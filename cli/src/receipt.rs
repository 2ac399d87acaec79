//! `ambient receipt`: fetch a job's receipt and blobs, and verify it locally with the engine —
//! online from a node, or offline from a fetched directory.

use std::path::{Path, PathBuf};

use ambient_llm::{Engine, EngineOptions, SamplingParams};
use ambient_pol::hash::tokens_from_blob;
use ambient_pol::validate::{validate_delivery, Delivery};
use ambient_pol::{Commitment, Verdict};
use ambient_sdk::auction::receipt::Receipt;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::Value;

/// `ambient receipt …`
#[derive(Args, Debug)]
pub struct ReceiptArgs {
    #[command(subcommand)]
    command: ReceiptCommand,
}

#[derive(Subcommand, Debug)]
enum ReceiptCommand {
    /// Save a receipt and its prompt and output blobs into a directory (for offline checks).
    Fetch {
        /// Completion id (chatcmpl-…) or auction address.
        id: String,
        /// Directory to write receipt.json, prompt.blob and output.blob into.
        #[arg(long)]
        out: PathBuf,
        /// The node's HTTP API.
        #[arg(long, default_value = "http://127.0.0.1:8901")]
        api_url: String,
    },
    /// Re-run the job's every position with the local engine (one prefill) and compare with the
    /// PoL commitment: exit status 0 when valid, 1 on fraud.
    Verify {
        /// Completion id or auction address (fetched from --api-url), unless --dir is given.
        id: Option<String>,
        /// A directory written by `ambient receipt fetch` (no network needed).
        #[arg(long, conflicts_with = "id")]
        dir: Option<PathBuf>,
        /// The node's HTTP API.
        #[arg(long, default_value = "http://127.0.0.1:8901")]
        api_url: String,
        /// GGUF model file (default: the development model in the model cache).
        #[arg(long, env = "AMBIENT_MODEL")]
        model: Option<PathBuf>,
    },
}

/// A receipt with its blobs.
struct Evidence {
    receipt: Receipt,
    prompt: Vec<u8>,
    output: Vec<u8>,
}

/// The 32 bytes of a receipt's hex field `name` (`value`).
fn hex32(value: &str, name: &str) -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    hex::decode_to_slice(value, &mut b).with_context(|| format!("receipt's {name} is not hex"))?;
    Ok(b)
}

fn fetch(api_url: &str, id: &str) -> Result<Evidence> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let base = api_url.trim_end_matches('/');
    let receipt: Receipt = rt.block_on(async {
        let r = reqwest::get(format!("{base}/v1/receipts/{id}")).await?;
        let status = r.status();
        let body: Value = r.json().await?;
        if !status.is_success() {
            bail!("{status}: {}", body["error"]["message"]);
        }
        serde_json::from_value(body).context("a malformed receipt")
    })?;
    let client = ambient_blobs::BlobClient::new(base);
    let get = |hash: &str, name: &str| -> Result<Vec<u8>> {
        let id = ambient_blobs::BlobId(hex32(hash, name)?);
        rt.block_on(client.get(&id))?
            .ok_or_else(|| anyhow!("the node no longer holds blob {id} ({name})"))
    };
    let prompt = get(&receipt.prompt_hash, "prompt_hash")?;
    let output = get(&receipt.output_hash, "output_hash")?;
    Ok(Evidence {
        receipt,
        prompt,
        output,
    })
}

fn read_dir(dir: &Path) -> Result<Evidence> {
    let read = |f: &str| {
        std::fs::read(dir.join(f)).with_context(|| format!("reading {f} in {}", dir.display()))
    };
    let receipt: Receipt =
        serde_json::from_slice(&read("receipt.json")?).context("receipt.json")?;
    Ok(Evidence {
        receipt,
        prompt: read("prompt.blob")?,
        output: read("output.blob")?,
    })
}

fn verify(e: &Evidence, model: Option<PathBuf>) -> Result<bool> {
    let r = &e.receipt;
    let blobs = [
        (&e.prompt, &r.prompt_hash, "prompt_hash"),
        (&e.output, &r.output_hash, "output_hash"),
    ];
    for (blob, hash, name) in blobs {
        if *blake3::hash(blob).as_bytes() != hex32(hash, name)? {
            bail!("the {name} blob does not match the receipt");
        }
    }
    let prompt = tokens_from_blob(&e.prompt)?;
    let output = tokens_from_blob(&e.output)?;
    let s = &r.sampling;
    let sampling = SamplingParams {
        temperature: s.temperature,
        top_k: s.top_k,
        top_p: s.top_p,
        seed: s.seed,
    };
    let commitment = Commitment {
        root: hex32(&r.pol_root, "pol_root")?,
        chain: hex32(&r.pol_chain, "pol_chain")?,
        len: u64::from(r.token_count),
    };
    let path = crate::model_path(model)?;
    let engine = Engine::load(&path, &EngineOptions::default(), |_| {})
        .with_context(|| format!("loading {}", path.display()))?;
    if engine.model_id().0 != hex32(&r.model_id, "model_id")? {
        bail!(
            "the receipt names model {}, but {} is {}",
            r.model_id,
            path.display(),
            engine.model_id()
        );
    }
    let max_tokens = r.max_tokens;
    let delivery = Delivery {
        prompt: &prompt,
        output: &output,
        sampling: &sampling,
        commitment: &commitment,
        max_tokens,
    };
    match validate_delivery(&engine, &delivery)? {
        Verdict::Valid { checked } => {
            println!(
                "valid: {} positions recomputed, PoL root {} matches",
                checked.len(),
                r.pol_root
            );
            Ok(true)
        }
        Verdict::Fraud(p) => {
            println!("FRAUD at position {}: {:?}", p.position, p.fraud);
            Ok(false)
        }
    }
}

/// Runs the command; `Ok(false)` when a verification found fraud.
pub fn run(args: ReceiptArgs) -> Result<bool> {
    match args.command {
        ReceiptCommand::Fetch { id, out, api_url } => {
            let e = fetch(&api_url, &id)?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            std::fs::write(
                out.join("receipt.json"),
                serde_json::to_vec_pretty(&e.receipt)?,
            )?;
            std::fs::write(out.join("prompt.blob"), &e.prompt)?;
            std::fs::write(out.join("output.blob"), &e.output)?;
            println!("saved the receipt of {id} in {}", out.display());
            Ok(true)
        }
        ReceiptCommand::Verify {
            id,
            dir,
            api_url,
            model,
        } => {
            let e = match (id, dir) {
                (_, Some(dir)) => read_dir(&dir)?,
                (Some(id), None) => fetch(&api_url, &id)?,
                (None, None) => bail!("name a receipt id or --dir"),
            };
            verify(&e, model)
        }
    }
}
