//! Starting a release `ambient-validator --dev` for the benches and reading its ready banner;
//! funding their accounts.

// Each bench uses a part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// A validator process (killed on drop) and the value of each banner line asked for.
pub struct Dev {
    /// The process.
    pub child: Child,
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ambient-validator --dev` on `ledger` with `extra` flags and waits for its ready
/// banner; returns the process and the values of the banner lines named in `wanted` (e.g.
/// `"TPU/QUIC:"`), in order.
pub fn start(ledger: &Path, rpc_port: u16, extra: &[&str], wanted: &[&str]) -> (Dev, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ambient-validator"))
        .args(["--dev", "--ledger"])
        .arg(ledger)
        .args(["--rpc-port", &rpc_port.to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ambient-validator");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut found: Vec<Option<String>> = vec![None; wanted.len()];
    while found.iter().any(Option::is_none) {
        let line = rx
            .recv_timeout(Duration::from_secs(180))
            .expect("validator ready");
        for (w, f) in wanted.iter().zip(found.iter_mut()) {
            if let Some(v) = line.trim_start().strip_prefix(w) {
                *f = Some(v.trim().to_string());
            }
        }
    }
    (
        Dev { child },
        found.into_iter().map(Option::unwrap).collect(),
    )
}

/// System transfers of `lamports` from `faucet` to each of `keys`, 20 to a transaction.
pub fn funding(
    faucet: &Keypair,
    keys: &[Pubkey],
    lamports: u64,
    blockhash: Hash,
) -> Vec<Transaction> {
    keys.chunks(20)
        .map(|chunk| {
            let ixs: Vec<_> = chunk
                .iter()
                .map(|k| {
                    solana_system_interface::instruction::transfer(&faucet.pubkey(), k, lamports)
                })
                .collect();
            Transaction::new_signed_with_payer(&ixs, Some(&faucet.pubkey()), &[faucet], blockhash)
        })
        .collect()
}
