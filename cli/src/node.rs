//! `ambient node status|exit|keys`: control of a running `ambient-validator` over its control
//! socket (`<ledger>/admin.sock`, owner-only; never over the network): its status, a clean stop,
//! and the API keys whose chat completions it pays for.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::Value;

/// `ambient node` flags.
#[derive(Args, Debug)]
pub struct NodeArgs {
    /// The node's ledger directory (where its control socket is).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "ambient-ledger",
        global = true
    )]
    ledger: PathBuf,
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// The node's identity, version, roles and addresses.
    Status,
    /// Stop the node cleanly (as on SIGTERM).
    Exit,
    /// The API keys whose chat completions the node pays for.
    #[command(subcommand)]
    Keys(KeysAction),
}

#[derive(Subcommand, Debug)]
enum KeysAction {
    /// Make a key (printed once: the node keeps only its hash).
    Add {
        /// A name for it (who or what uses it).
        name: String,
        /// Most it may spend in all, in SOL (default: no limit).
        #[arg(long, value_name = "SOL", value_parser = sol)]
        budget: Option<u64>,
        /// Most escrowed for one request, in SOL (default: the node's own escrow).
        #[arg(long, value_name = "SOL", value_parser = sol)]
        max_price: Option<u64>,
    },
    /// Every key: id, name, budget, spent, cap, revoked.
    List,
    /// Refuse a key's requests from now on.
    Revoke {
        /// Its id (`key-…`, from `list`).
        id: String,
    },
}

/// SOL as lamports, exactly.
fn sol(s: &str) -> std::result::Result<u64, String> {
    solana_native_token::sol_str_to_lamports(s)
        .ok_or_else(|| format!("{s:?} is not an amount of SOL (up to 9 decimals)"))
}

/// Lamports as SOL, for people.
fn as_sol(lamports: Option<u64>) -> String {
    match lamports {
        Some(l) => format!("{}.{:09}", l / 1_000_000_000, l % 1_000_000_000)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
        None => "-".to_string(),
    }
}

/// Sends the action to the node and prints its answer.
pub fn run(args: NodeArgs) -> Result<()> {
    let request = match &args.action {
        Action::Status => serde_json::json!({"method": "status"}),
        Action::Exit => serde_json::json!({"method": "exit"}),
        Action::Keys(KeysAction::Add {
            name,
            budget,
            max_price,
        }) => serde_json::json!({
            "method": "keys_add", "name": name, "budget": budget, "max_price": max_price,
        }),
        Action::Keys(KeysAction::List) => serde_json::json!({"method": "keys_list"}),
        Action::Keys(KeysAction::Revoke { id }) => {
            serde_json::json!({"method": "keys_revoke", "id": id})
        }
    };
    let answer = call(&args.ledger, &request)?;
    match &args.action {
        Action::Keys(KeysAction::Add { .. }) => {
            println!("{}", answer["api_key"].as_str().unwrap_or_default());
            eprintln!(
                "API key {} made: keep it now, the node shows it only once \
                 (requests send it as Authorization: Bearer …)",
                answer["key"]["id"].as_str().unwrap_or_default()
            );
        }
        Action::Keys(KeysAction::List) => print_keys(&answer["keys"]),
        _ => println!("{}", serde_json::to_string_pretty(&answer)?),
    }
    Ok(())
}

/// One request to the node's control socket, its answer (an error answer is an error).
fn call(ledger: &std::path::Path, request: &Value) -> Result<Value> {
    let path = ledger.join("admin.sock");
    let mut s = UnixStream::connect(&path).with_context(|| {
        format!(
            "no node answers on {} (is ambient-validator running on this ledger?)",
            path.display()
        )
    })?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    writeln!(s, "{request}")?;
    let mut line = String::new();
    BufReader::new(s)
        .read_line(&mut line)
        .context("reading the node's answer")?;
    let answer: Value = serde_json::from_str(&line).context("the node's answer is not JSON")?;
    if let Some(e) = answer.get("error") {
        bail!("the node refused: {}", e.as_str().unwrap_or(&e.to_string()));
    }
    Ok(answer)
}

/// The key list as a table (SOL amounts).
fn print_keys(keys: &Value) {
    println!(
        "{:<13} {:<20} {:>14} {:>14} {:>14} state",
        "id", "name", "budget", "spent", "max price"
    );
    for k in keys.as_array().into_iter().flatten() {
        println!(
            "{:<13} {:<20} {:>14} {:>14} {:>14} {}",
            k["id"].as_str().unwrap_or_default(),
            k["name"].as_str().unwrap_or_default(),
            as_sol(k["budget"].as_u64()),
            as_sol(k["spent"].as_u64()),
            as_sol(k["max_price"].as_u64()),
            if k["revoked"].as_bool() == Some(true) {
                "revoked"
            } else {
                "live"
            },
        );
    }
}
