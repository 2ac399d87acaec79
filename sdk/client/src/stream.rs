//! Streaming the winning miner's answer: the node relays the miner's signed token pushes as
//! server-sent events to the requester (who proves it is one by signing the follow message).

use std::collections::VecDeque;
use std::pin::Pin;

use ambient_sdk::auction::follow_message;
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::client::{Client, Job};
use crate::error::ClientError;

/// A job's PoL receipt as the node reports it (the node's own definition).
pub use ambient_sdk::auction::receipt::Receipt;

/// A piece of a streamed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// More text.
    Text(String),
    /// The end: the receipt, and how many tokens came live before the delivery landed.
    Done {
        /// The receipt at delivery (verification usually still pending).
        receipt: Box<Receipt>,
        /// Tokens streamed live.
        live_tokens: u64,
    },
}

type Events = Pin<Box<dyn Stream<Item = Result<Event, ClientError>> + Send>>;

impl Client {
    /// Streams the answer to `job` as the winning miner generates it, then its receipt.
    pub async fn stream(&self, job: &Job) -> Result<Events, ClientError> {
        let model = self.model().await?;
        let signature = self.payer.sign_message(&follow_message(&job.auction));
        let body = json!({
            "model": model,
            "messages": job.messages,
            "stream": true,
            "ambient": {"request": job.auction.to_string(), "signature": signature.to_string()},
        });
        let r = self.post("/v1/chat/completions", &body).await?;
        let state = (
            r.bytes_stream().boxed(),
            String::new(),
            VecDeque::new(),
            false,
        );
        let events = futures_util::stream::unfold(
            state,
            |(mut body, mut buf, mut ready, mut ended)| async move {
                loop {
                    if let Some(e) = ready.pop_front() {
                        return Some((e, (body, buf, ready, ended)));
                    }
                    if ended {
                        return None;
                    }
                    match body.next().await {
                        Some(Ok(bytes)) => {
                            buf.push_str(&String::from_utf8_lossy(&bytes));
                            while let Some(cut) = buf.find("\n\n") {
                                let block: String = buf.drain(..cut + 2).collect();
                                match parse_block(&block) {
                                    Parsed::Events(es) => ready.extend(es.into_iter().map(Ok)),
                                    Parsed::End => ended = true,
                                    Parsed::Error(e) => {
                                        ready.push_back(Err(e));
                                        ended = true;
                                    }
                                }
                            }
                        }
                        Some(Err(e)) => {
                            ready.push_back(Err(e.into()));
                            ended = true;
                        }
                        None => ended = true,
                    }
                }
            },
        );
        Ok(Box::pin(events))
    }
}

enum Parsed {
    Events(Vec<Event>),
    End,
    Error(ClientError),
}

/// One server-sent event of the chat stream.
fn parse_block(block: &str) -> Parsed {
    let data: String = block
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    if data.is_empty() {
        return Parsed::Events(vec![]);
    }
    if data == "[DONE]" {
        return Parsed::End;
    }
    let v: Value = match serde_json::from_str(&data) {
        Ok(v) => v,
        Err(e) => return Parsed::Error(ClientError::Protocol(format!("bad event {data:?}: {e}"))),
    };
    if let Some(err) = v.get("error") {
        return Parsed::Error(ClientError::Api {
            status: 200,
            code: err["code"].as_str().unwrap_or("").to_string(),
            message: err["message"].as_str().unwrap_or("").to_string(),
        });
    }
    let mut out = Vec::new();
    if let Some(t) = v["choices"][0]["delta"]["content"].as_str() {
        if !t.is_empty() {
            out.push(Event::Text(t.to_string()));
        }
    }
    if let Some(r) = v["ambient"].get("receipt") {
        match serde_json::from_value::<Receipt>(r.clone()) {
            Ok(receipt) => out.push(Event::Done {
                receipt: Box::new(receipt),
                live_tokens: v["ambient"]["live_tokens"].as_u64().unwrap_or(0),
            }),
            Err(e) => return Parsed::Error(ClientError::Protocol(format!("bad receipt: {e}"))),
        }
    }
    Parsed::Events(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_events_parse_into_text_receipt_and_end() {
        let text = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n";
        assert!(
            matches!(parse_block(text), Parsed::Events(e) if e == vec![Event::Text("Hi".into())])
        );
        assert!(matches!(parse_block("data: [DONE]\n\n"), Parsed::End));
        assert!(matches!(parse_block(": keep-alive\n\n"), Parsed::Events(e) if e.is_empty()));
        let err = "data: {\"error\":{\"message\":\"no\",\"code\":\"timeout\"}}\n\n";
        assert!(
            matches!(parse_block(err), Parsed::Error(ClientError::Api { code, .. }) if code == "timeout")
        );
        assert!(matches!(
            parse_block("data: {oops\n\n"),
            Parsed::Error(ClientError::Protocol(_))
        ));
        let done = json!({"choices": [{"delta": {}}], "ambient": {"live_tokens": 3, "receipt": {
            "auction": "A", "state": "delivered", "verification": "pending", "model_id": "00",
            "prompt_hash": "11", "output_hash": "22", "pol_root": "33", "pol_chain": "44",
            "token_count": 3, "max_tokens": 8, "miner": "M", "price": 5, "delivered_slot": 9,
            "sampling": {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "seed": 7},
            "votes": [{"verifier": "V", "vote": "valid"}], "transactions": ["t"]}}});
        match parse_block(&format!("data: {done}\n\n")) {
            Parsed::Events(e) => match &e[..] {
                [Event::Done {
                    receipt,
                    live_tokens: 3,
                }] => {
                    assert_eq!(receipt.pol_root, "33");
                    assert_eq!((receipt.sampling.seed, receipt.votes.len()), (7, 1));
                }
                other => panic!("{other:?}"),
            },
            _ => panic!("not parsed"),
        }
    }
}
