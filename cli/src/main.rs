//! `ambient`: the command-line tool of the Ambient network.

mod chat;
mod miner;
mod network;
mod node;
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
    /// Control a running node on this machine (status, exit) over its control socket.
    Node(node::NodeArgs),
}

/// The model file to load: the one given, else the development model in the cache.
pub fn model_path(given: Option<std::path::PathBuf>) -> anyhow::Result<std::path::PathBuf> {
    let path = given.unwrap_or_else(ambient_llm::default_model_path);
    if !path.exists() {
        anyhow::bail!(
            "model file {} not found; fetch it with `bash ci/fetch-model.sh` or pass --model",
            path.display()
        );
    }
    Ok(path)
}

fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("warn,ambient_market=info"),
    )
    .init();
    match Cli::parse().command {
        Command::Chat(args) => chat::run(args),
        Command::Miner(args) => miner::run(args),
        Command::Node(args) => node::run(args),
        Command::Receipt(args) => {
            if !receipt::run(args)? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
