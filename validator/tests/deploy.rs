//! A real SBF program from a published package (SPL Memo 4.0.0, the ELF shipped in the `litesvm`
//! crate) deployed with the upgradeable BPF loader over RPC, then invoked.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{free_port_pair, Validator};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_loader_v3_interface::instruction as loader;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_native_token::LAMPORTS_PER_SOL;
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
    let memo = Instruction {
        program_id: program.pubkey(),
        accounts: vec![AccountMeta::new_readonly(payer.pubkey(), true)],
        data: b"hello from ambient".to_vec(),
    };
    let blockhash = client.get_latest_blockhash().unwrap();
    let tx =
        Transaction::new_signed_with_payer(&[memo], Some(&payer.pubkey()), &[&payer], blockhash);
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
