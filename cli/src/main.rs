//! `ambient`: the command-line tool of the Ambient network.

mod chat;
mod miner;
mod network;
mod receipt;

use clap::{Parser, Subcommand};

/// Ambient: a layer 1 whose consensus weight is verified LLM inference.
#[derive(Parser, Debug)]
#[command(name = "ambient", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Chat with the network model, locally or (with --api-url) through the network.
    Chat(chat::ChatArgs),
    /// Mine: bid on a node's inference auctions and serve the jobs won, with Proof of Logits.
    Miner(miner::MinerArgs),
    /// A job's receipt: fetch it, or verify it locally with the engine (online or offline).
    Receipt(receipt::ReceiptArgs),
}

fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("warn,ambient_market=info"),
    )
    .init();
    match Cli::parse().command {
        Command::Chat(args) => chat::run(args),
        Command::Miner(args) => miner::run(args),
        Command::Receipt(args) => {
            if !receipt::run(args)? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
