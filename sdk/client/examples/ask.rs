//! Ask the network a question and check the answer, against a running node:
//!
//! ```sh
//! ambient-validator --dev &            # or: bash ci/start.sh
//! cargo run -p ambient-client --example ask -- "Why is the sky blue?"
//! ```
//!
//! A new key is funded from the dev node's faucet; `AMBIENT_RPC_URL` and `AMBIENT_API_URL` point
//! elsewhere (defaults: http://127.0.0.1:8899 and http://127.0.0.1:8901), `AMBIENT_MODEL` at the
//! model file for the local recomputation (default: the model cache; skipped if absent).

use std::io::Write;
use std::time::Duration;

use ambient_client::{until_final, Client, Event, Message, Options};
use futures_util::StreamExt;
use solana_keypair::Keypair;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let question = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Count from one to five, in words.".into());
    let rpc = std::env::var("AMBIENT_RPC_URL").unwrap_or_else(|_| "http://127.0.0.1:8899".into());
    let api = std::env::var("AMBIENT_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8901".into());
    let client = Client::new(&rpc, &api, Keypair::new());
    // A dev node's faucet pays for this example.
    let sig = client
        .rpc()
        .request_airdrop(&client.payer(), 1_000_000_000)
        .await?;
    while !client.rpc().confirm_transaction(&sig).await? {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let job = client
        .request(vec![Message::user(question)], Options::default())
        .await?;
    println!(
        "auction {} opened ({} lamports escrowed)",
        job.auction, job.max_price
    );
    let mut answer = client.stream(&job).await?;
    while let Some(event) = answer.next().await {
        match event? {
            Event::Text(t) => {
                print!("{t}");
                std::io::stdout().flush()?;
            }
            Event::Done { receipt, .. } => println!(
                "\n\nminer {} · {} tokens · PoL root {}",
                receipt.miner, receipt.token_count, receipt.pol_root
            ),
        }
    }
    let settled = client
        .wait(&job.auction, until_final, Duration::from_secs(180))
        .await?;
    println!(
        "settled: {:?}, committee: {}",
        settled.state,
        settled.verification()
    );
    let model = ambient_llm::default_model_path();
    let engine = if model.exists() {
        Some(ambient_llm::Engine::load(
            &model,
            &Default::default(),
            |_| {},
        )?)
    } else {
        None
    };
    let v = client.verify(&job.auction, engine.as_ref()).await?;
    println!(
        "verified: blobs match the chain{}; valid: {}",
        match &v.pol {
            Some(p) => format!(", local recomputation {p:?}"),
            None => String::new(),
        },
        v.is_valid()
    );
    Ok(())
}
