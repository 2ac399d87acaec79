//! The Rust SDK (`ambient-client`) against a real `ambient-validator --dev`: a client with its
//! own funded key opens an auction, streams the answer, follows the auction to its verdict and
//! verifies the job (blobs against the chain, logits recomputed with the local engine); another
//! key cannot follow it.

mod common;

use std::time::Duration;

use ambient_client::{until_final, Client, ClientError, Event, Message, Options};
use ambient_pol::Verdict;
use ambient_sdk::auction::state::RequestState;
use common::{free_port_pair, Validator, AUDIT_EVERY_JOB};
use futures_util::StreamExt;
use solana_keypair::Keypair;

async fn funded(v: &Validator, key: Keypair) -> Client {
    let client = Client::new(&v.url(), &v.api_url(), key);
    let sig = client
        .rpc()
        .request_airdrop(&client.payer(), 2_000_000_000)
        .await
        .unwrap();
    while !client.rpc().confirm_transaction(&sig).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
}

#[test]
fn the_rust_sdk_asks_streams_follows_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &AUDIT_EVERY_JOB);
    let path = ambient_llm::default_model_path();
    let engine = ambient_llm::Engine::load(&path, &Default::default(), |_| {}).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = funded(&v, Keypair::new()).await;
        let before = client.rpc().get_balance(&client.payer()).await.unwrap();
        let opts = Options {
            max_tokens: 24,
            ..Options::default()
        };
        let job = client
            .request(
                vec![Message::user("Count from one to five, in words.")],
                opts,
            )
            .await
            .unwrap();
        let opened = client.status(&job.auction).await.unwrap().unwrap();
        assert_eq!(opened.requester, client.payer());
        assert_eq!(opened.max_tokens, 24);
        assert!(job.prompt_tokens > 0);

        // Someone else cannot follow the auction.
        let stranger = funded(&v, Keypair::new()).await;
        match stranger.stream(&job).await {
            Err(ClientError::Api { status: 403, .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a stranger was streamed the answer"),
        }

        let mut text = String::new();
        let mut receipt = None;
        let mut answer = client.stream(&job).await.unwrap();
        while let Some(event) = answer.next().await {
            match event.unwrap() {
                Event::Text(t) => text.push_str(&t),
                Event::Done { receipt: r, .. } => receipt = Some(r),
            }
        }
        let receipt = receipt.expect("the stream ends with the receipt");
        assert!(!text.trim().is_empty());
        assert_eq!(receipt.auction, job.auction.to_string());
        assert!(receipt.token_count > 0 && receipt.token_count <= 24);

        let r = client
            .wait(&job.auction, until_final, Duration::from_secs(240))
            .await
            .unwrap();
        assert_eq!(
            r.state,
            RequestState::Paid,
            "log:\n{}",
            common::tail(&v.log(), 40)
        );
        assert_eq!(r.verification(), "valid");
        let verified = client.verify(&job.auction, Some(&engine)).await.unwrap();
        assert!(verified.is_valid(), "{verified:?}");
        assert!(matches!(verified.pol, Some(Verdict::Valid { .. })));
        assert_eq!(verified.output.len() as u32, receipt.token_count);
        assert_eq!(
            engine
                .tokenizer()
                .decode(&verified.output, true)
                .unwrap()
                .trim(),
            text.trim(),
            "the streamed text is the verified output"
        );
        // Closing the finished auction brings the rent back: the requester is out exactly the
        // price and the fees of opening (two signatures) and closing (one).
        let stranger_close = stranger.close(&job.auction).await.unwrap_err();
        assert!(stranger_close.to_string().contains("another key opened it"));
        client.close(&job.auction).await.unwrap();
        assert!(client.status(&job.auction).await.unwrap().is_none());
        let again = client.close(&job.auction).await.unwrap_err();
        assert!(again.to_string().contains("already closed"), "{again}");
        let after = client.rpc().get_balance(&client.payer()).await.unwrap();
        assert_eq!(before - after, r.price + 3 * 5_000);
    });
}
