//! `ambient chat --api-url URL`: the conversation goes to the network instead of the local engine.
//! Each question is an auction on chain served by a miner with Proof of Logits; the answer
//! streams in as the miner generates it, followed by its receipt.

use std::io::Write;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

/// One chat turn over a node's REST API (server-sent events), paid by the node for `key`;
/// returns the answer's text.
pub fn ask(api_url: &str, key: Option<&str>, messages: &[Value], params: Value) -> Result<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let http = reqwest::Client::new();
        let models: Value = http
            .get(format!("{api_url}/v1/models"))
            .send()
            .await
            .with_context(|| format!("reaching {api_url}"))?
            .json()
            .await?;
        let model = models["data"][0]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("{api_url} serves no model"))?
            .to_string();
        let mut body = params;
        body["model"] = json!(model);
        body["messages"] = json!(messages);
        body["stream"] = json!(true);
        let mut post = http.post(format!("{api_url}/v1/chat/completions"));
        if let Some(key) = key {
            post = post.bearer_auth(key);
        }
        let mut r = post.json(&body).send().await?;
        if !r.status().is_success() {
            let e: Value = r.json().await.unwrap_or_default();
            bail!(
                "{}",
                e["error"]["message"].as_str().unwrap_or("request refused")
            );
        }
        let mut out = std::io::stdout();
        let mut text = String::new();
        let mut pending = String::new();
        let mut receipt = Value::Null;
        while let Some(chunk) = r.chunk().await? {
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find("\n\n") {
                let event: String = pending.drain(..end + 2).collect();
                let Some(data) = event.trim().strip_prefix("data:") else {
                    continue;
                };
                let data = data.trim();
                if data == "[DONE]" {
                    continue;
                }
                let v: Value = serde_json::from_str(data).context("a malformed event")?;
                if let Some(e) = v.get("error") {
                    bail!("{}", e["message"].as_str().unwrap_or("the network failed"));
                }
                if let Some(piece) = v["choices"][0]["delta"]["content"].as_str() {
                    text.push_str(piece);
                    write!(out, "{piece}")?;
                    out.flush()?;
                }
                if !v["ambient"]["receipt"].is_null() {
                    receipt = v["ambient"]["receipt"].clone();
                }
            }
        }
        writeln!(out)?;
        if !receipt.is_null() {
            eprintln!(
                "[auction {} · miner {} · {} lamports · PoL root {} · `ambient receipt verify {}`]",
                receipt["auction"].as_str().unwrap_or("?"),
                receipt["miner"].as_str().unwrap_or("?"),
                receipt["price"],
                receipt["pol_root"].as_str().unwrap_or("?"),
                receipt["auction"].as_str().unwrap_or("?"),
            );
        }
        Ok(text)
    })
}
