//! A real SBF program from a published package (SPL Memo 4.0.0, the ELF shipped in the `litesvm`
//! crate) deployed with the upgradeable BPF loader over RPC, then invoked; and the Solana CLI
//! itself (`solana` 4.2.2) against a node: airdrop, balance, transfer, validators, leader
//! schedule, epoch info, an address lookup table, a stake delegation, and `program deploy` of
//! the same program.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{free_port_pair, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::{write_keypair_file, Keypair};
use solana_loader_v3_interface::instruction as loader;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_native_token::LAMPORTS_PER_SOL;
use solana_pubkey::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::UiTransactionEncoding;

/// The SPL Memo ELF inside the `litesvm` crate's published source (a dev-dependency, so cargo
/// has unpacked it under `$CARGO_HOME/registry/src`).
fn memo_elf() -> Vec<u8> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let src = home.join("registry").join("src");
    for index in std::fs::read_dir(&src).expect("cargo registry sources") {
        let p = index
            .unwrap()
            .path()
            .join("litesvm-0.16.0/src/programs/elf/spl_memo-4.0.0.so");
        if p.is_file() {
            return std::fs::read(p).unwrap();
        }
    }
    panic!("spl_memo-4.0.0.so not found under {}", src.display());
}

#[test]
fn deploys_spl_memo_with_the_upgradeable_loader_and_invokes_it() {
    let elf = memo_elf();
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &[]);
    let client = v.client(CommitmentConfig::confirmed());
    let payer = Keypair::new();
    let sig = client
        .request_airdrop(&payer.pubkey(), 50 * LAMPORTS_PER_SOL)
        .unwrap();
    let start = Instant::now();
    while !client.confirm_transaction(&sig).unwrap() {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(100));
    }

    // Buffer: create, then write the ELF in chunks (sent together, confirmed together).
    let buffer = Keypair::new();
    let rent = client
        .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_buffer(elf.len()))
        .unwrap();
    let create = loader::create_buffer(
        &payer.pubkey(),
        &buffer.pubkey(),
        &payer.pubkey(),
        rent,
        elf.len(),
    )
    .unwrap();
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx = Transaction::new_signed_with_payer(
        &create,
        Some(&payer.pubkey()),
        &[&payer, &buffer],
        blockhash,
    );
    client.send_and_confirm_transaction(&tx).unwrap();
    let mut writes = Vec::new();
    for (i, chunk) in elf.chunks(900).enumerate() {
        let ix = loader::write(
            &buffer.pubkey(),
            &payer.pubkey(),
            (i * 900) as u32,
            chunk.to_vec(),
        );
        let tx =
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], blockhash);
        writes.push(client.send_transaction(&tx).unwrap());
    }
    let start = Instant::now();
    for sig in &writes {
        while !client.confirm_transaction(sig).unwrap() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "write {sig} not confirmed"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    // Deploy.
    let program = Keypair::new();
    let program_rent = client
        .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_program())
        .unwrap();
    let deploy = loader::deploy_with_max_program_len(
        &payer.pubkey(),
        &program.pubkey(),
        &buffer.pubkey(),
        &payer.pubkey(),
        program_rent,
        elf.len(),
    )
    .unwrap();
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx = Transaction::new_signed_with_payer(
        &deploy,
        Some(&payer.pubkey()),
        &[&payer, &program],
        blockhash,
    );
    let deployed = client.send_and_confirm_transaction(&tx).unwrap();
    let account = client.get_account(&program.pubkey()).unwrap();
    assert!(account.executable);
    assert_eq!(account.owner, solana_sdk_ids::bpf_loader_upgradeable::id());

    // Invoke it (the program is usable from the slot after its deployment).
    let deploy_slot = client.get_signature_statuses(&[deployed]).unwrap().value[0]
        .as_ref()
        .unwrap()
        .slot;
    v.wait_for_slot(deploy_slot + 1, CommitmentConfig::confirmed());
    assert_memo_logs(&client, &payer, &program.pubkey());

    // A memo whose signer did not sign fails inside the program, with its error on chain.
    let stranger = Keypair::new();
    let bad = Instruction {
        program_id: program.pubkey(),
        accounts: vec![AccountMeta::new_readonly(stranger.pubkey(), false)],
        data: b"unsigned".to_vec(),
    };
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx =
        Transaction::new_signed_with_payer(&[bad], Some(&payer.pubkey()), &[&payer], blockhash);
    let err = client.send_and_confirm_transaction(&tx).unwrap_err();
    assert!(
        err.to_string().contains("missing required signature"),
        "{err}"
    );
}

/// Invokes the memo program at `program` with a memo `payer` signs and checks its log lines.
fn assert_memo_logs(client: &RpcClient, payer: &Keypair, program: &Pubkey) {
    let memo = Instruction {
        program_id: *program,
        accounts: vec![AccountMeta::new_readonly(payer.pubkey(), true)],
        data: b"hello from ambient".to_vec(),
    };
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx =
        Transaction::new_signed_with_payer(&[memo], Some(&payer.pubkey()), &[payer], blockhash);
    let sig = client.send_and_confirm_transaction(&tx).unwrap();
    let got = client
        .get_transaction_with_config(
            &sig,
            RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Json),
                commitment: Some(CommitmentConfig::confirmed()),
                max_supported_transaction_version: Some(0),
            },
        )
        .unwrap();
    let logs: Vec<String> = Option::from(got.transaction.meta.unwrap().log_messages).unwrap();
    assert!(
        logs.windows(2)
            .any(|w| w[0].ends_with("Memo (len 18)") && w[1] == "Program log: hello from ambient"),
        "{logs:#?}"
    );
}

/// The `solana` binary of the Solana CLI (crates.io `solana-cli` 4.2.2, the same Agave as the
/// node), built next to this test's by `bash ci/test.sh`.
fn solana_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("solana");
    assert!(
        bin.exists(),
        "{} not built: `bash ci/test.sh` builds it (or `cargo build -p solana-cli --bin solana`)",
        bin.display()
    );
    bin
}

/// Runs `solana ARGS` against the node with `keypair` as its default signer; returns its
/// standard output, failing the test with both outputs when it fails.
fn solana(
    v: &Validator,
    dir: &std::path::Path,
    keypair: &std::path::Path,
    args: &[&str],
) -> String {
    solana_try(v, dir, keypair, args)
        .unwrap_or_else(|failure| panic!("solana {args:?} failed ({failure})"))
}

/// `solana ARGS` as [`solana`] runs it: its standard output, or how it failed.
fn solana_try(
    v: &Validator,
    dir: &std::path::Path,
    keypair: &std::path::Path,
    args: &[&str],
) -> Result<String, String> {
    let out = std::process::Command::new(solana_bin())
        .args([
            "--config",
            &dir.join("cli-config.yml").display().to_string(),
        ])
        .args([
            "--url",
            &v.url(),
            "--keypair",
            &keypair.display().to_string(),
        ])
        .args(["--commitment", "confirmed"])
        .args(args)
        .output()
        .expect("run solana");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!("{}:\n{stdout}\n{stderr}", out.status))
    }
}

/// `solana ARGS --output json`, parsed.
fn solana_json(
    v: &Validator,
    dir: &std::path::Path,
    keypair: &std::path::Path,
    args: &[&str],
) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    let out = solana(v, dir, keypair, &all);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("solana {args:?}: {e}: {out}"))
}

#[test]
fn the_solana_cli_airdrops_transfers_reads_the_cluster_and_deploys_a_program() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(&dir.path().join("ledger"), free_port_pair(), &[]);
    let client = v.client(CommitmentConfig::confirmed());
    let payer = Keypair::new();
    let key = dir.path().join("payer.json");
    write_keypair_file(&payer, &key).unwrap();

    // Wallet: airdrop from the node's faucet, balance, transfer to a new account.
    let out = solana(&v, dir.path(), &key, &["airdrop", "20"]);
    assert!(out.contains("20 SOL"), "{out}");
    assert_eq!(solana(&v, dir.path(), &key, &["balance"]).trim(), "20 SOL");
    let to = Pubkey::new_unique().to_string();
    solana(
        &v,
        dir.path(),
        &key,
        &["transfer", "--allow-unfunded-recipient", &to, "1.5"],
    );
    assert_eq!(
        solana(&v, dir.path(), &key, &["balance", &to]).trim(),
        "1.5 SOL"
    );
    assert_eq!(
        client.get_balance(&to.parse().unwrap()).unwrap(),
        3 * LAMPORTS_PER_SOL / 2
    );

    // The cluster as the CLI reads it: the node is the one validator, with the LStake of the
    // genesis as its stake, and it leads every slot; the epoch is the node's.
    let identity = client.get_identity().unwrap().to_string();
    let validators = solana_json(&v, dir.path(), &key, &["validators"]);
    let list = validators["validators"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{validators}");
    assert_eq!(list[0]["identityPubkey"], identity.as_str(), "{validators}");
    assert!(
        list[0]["activatedStake"].as_u64().unwrap() > 0,
        "{validators}"
    );
    let schedule = solana_json(&v, dir.path(), &key, &["leader-schedule"]);
    let slots = schedule["leaderScheduleEntries"].as_array().unwrap();
    assert!(!slots.is_empty(), "{schedule}");
    assert!(
        slots.iter().all(|e| e["leader"] == identity.as_str()),
        "{schedule}"
    );
    let epoch = solana_json(&v, dir.path(), &key, &["epoch-info"]);
    let info = client.get_epoch_info().unwrap();
    assert_eq!(epoch["epoch"].as_u64(), Some(info.epoch), "{epoch}");
    assert!(epoch["absoluteSlot"].as_u64().unwrap() > 0, "{epoch}");

    // The programs every Solana cluster has: an address lookup table, a stake account
    // delegated to the node's vote account (it earns no weight: that is LStake's), SPL Token.
    let table = solana_json(&v, dir.path(), &key, &["address-lookup-table", "create"]);
    let table: Pubkey = table["lookupTableAddress"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        client.get_account(&table).unwrap().owner,
        solana_sdk_ids::address_lookup_table::id()
    );
    let stake = dir.path().join("stake.json");
    write_keypair_file(&Keypair::new(), &stake).unwrap();
    let stake_path = stake.display().to_string();
    solana(
        &v,
        dir.path(),
        &key,
        &["create-stake-account", &stake_path, "2"],
    );
    let vote = validators["validators"][0]["voteAccountPubkey"]
        .as_str()
        .unwrap()
        .to_string();
    // The stake program refuses delegations while an epoch's rewards are being distributed (its
    // first blocks: custom error 0x10, EpochRewardsActive); a user tries again.
    let mut tries = 0;
    while let Err(failure) = solana_try(
        &v,
        dir.path(),
        &key,
        &["delegate-stake", &stake_path, &vote],
    ) {
        assert!(
            tries < 20 && failure.contains("0x10"),
            "solana delegate-stake failed ({failure})"
        );
        tries += 1;
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
    let account = solana_json(&v, dir.path(), &key, &["stake-account", &stake_path]);
    assert_eq!(
        account["delegatedVoteAccountAddress"],
        vote.as_str(),
        "{account}"
    );
    let token = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
        .parse()
        .unwrap();
    assert!(client.get_account(&token).unwrap().executable);

    // Deploy SPL Memo with `solana program deploy`, then use it.
    let so = dir.path().join("spl_memo.so");
    std::fs::write(&so, memo_elf()).unwrap();
    let program = Keypair::new();
    let program_key = dir.path().join("program.json");
    write_keypair_file(&program, &program_key).unwrap();
    let deployed = solana_json(
        &v,
        dir.path(),
        &key,
        &[
            "program",
            "deploy",
            "--program-id",
            &program_key.display().to_string(),
            &so.display().to_string(),
        ],
    );
    assert_eq!(deployed["programId"], program.pubkey().to_string().as_str());
    let shown = solana_json(
        &v,
        dir.path(),
        &key,
        &["program", "show", &program.pubkey().to_string()],
    );
    assert_eq!(
        shown["authority"],
        payer.pubkey().to_string().as_str(),
        "{shown}"
    );
    assert_eq!(
        shown["dataLen"].as_u64(),
        Some(memo_elf().len() as u64),
        "{shown}"
    );
    let slot = client.get_slot().unwrap();
    v.wait_for_slot(slot + 1, CommitmentConfig::confirmed());
    assert_memo_logs(&client, &payer, &program.pubkey());
}
