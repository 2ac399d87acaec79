//! `ambient node status|exit`: control of a running `ambient-validator` over its control socket
//! (`<ledger>/admin.sock`, owner-only; never over the network).

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
}

/// Sends the action to the node and prints its answer.
pub fn run(args: NodeArgs) -> Result<()> {
    let path = args.ledger.join("admin.sock");
    let method = match args.action {
        Action::Status => "status",
        Action::Exit => "exit",
    };
    let mut s = UnixStream::connect(&path).with_context(|| {
        format!(
            "no node answers on {} (is ambient-validator running on this ledger?)",
            path.display()
        )
    })?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    writeln!(s, "{}", serde_json::json!({ "method": method }))?;
    let mut line = String::new();
    BufReader::new(s)
        .read_line(&mut line)
        .context("reading the node's answer")?;
    let answer: Value = serde_json::from_str(&line).context("the node's answer is not JSON")?;
    if let Some(e) = answer.get("error") {
        bail!("the node refused: {e}");
    }
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
