//! The web console on a real `ambient-validator --dev`: its page and JSON/event endpoints over
//! HTTP, then the page in Debian's chromium driven by Playwright (`clients/browser`): it loads and
//! updates live, a chat question gets a streamed answer whose receipt turns "verified", and the
//! auction book shows it. Screenshots are kept in `$AMBIENT_ARTIFACTS` (default `artifacts/`).
//! `ci/test.sh` installs chromium and Playwright; without them the browser test fails and says
//! how to install them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{free_port_pair, Validator};
use futures_util::StreamExt;
use solana_commitment_config::CommitmentConfig;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

async fn get(url: &str) -> (u16, String, String) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, r.text().await.unwrap())
}

/// The first server-sent events of `url`, until `done` says they are enough.
async fn first_events(
    url: &str,
    done: impl Fn(&[(String, serde_json::Value)]) -> bool,
) -> Vec<(String, serde_json::Value)> {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut body = r.bytes_stream();
    let mut text = String::new();
    let mut events = Vec::new();
    while !done(&events) {
        let chunk = tokio::time::timeout(Duration::from_secs(30), body.next())
            .await
            .expect("an event within 30 s")
            .expect("the stream goes on")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(cut) = text.find("\n\n") {
            let block: String = text.drain(..cut + 2).collect();
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !name.is_empty() {
                events.push((name, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

#[test]
fn console_serves_the_page_state_and_live_events() {
    let dir = tempfile::tempdir().unwrap();
    let v = Validator::start(dir.path(), free_port_pair(), &[]);
    let identity = v
        .client(CommitmentConfig::processed())
        .get_identity()
        .unwrap()
        .to_string();
    let api = v.api_url();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (status, kind, page) = get(&format!("{api}/")).await;
        assert_eq!(status, 200);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(page.contains("/console/app.js") && page.contains("/console/style.css"));
        for (path, want) in [
            ("/console/app.js", "text/javascript"),
            ("/console/style.css", "text/css"),
        ] {
            let (status, kind, body) = get(&format!("{api}{path}")).await;
            assert_eq!(status, 200, "{path}");
            assert!(kind.starts_with(want) && !body.is_empty(), "{path}: {kind}");
        }

        let (status, _, body) = get(&format!("{api}/v1/console/state")).await;
        assert_eq!(status, 200, "{body}");
        let state: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(state["node"]["identity"], identity.as_str());
        let roles: Vec<&str> = state["node"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_str())
            .collect();
        assert_eq!(roles, ["validator", "miner", "verifier", "chat API"]);
        assert!(state["node"]["model"]
            .as_str()
            .is_some_and(|m| m.contains("SmolLM2")));
        let entries = state["lstake"]["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["identity"], identity.as_str());
        assert_eq!(entries[0]["lstake"], 1.0);
        let leaders = state["node"]["upcoming_leaders"].as_array().unwrap();
        assert_eq!(leaders.len(), 16);
        assert!(leaders.iter().all(|l| l["leader"] == identity.as_str()));

        // Events: the node's status, the book and the LStake first; then the status again
        // as slots pass, the book and the LStake only when they change.
        let slot_of = |e: &(String, serde_json::Value)| e.1["slot"].as_u64();
        let events = first_events(&format!("{api}/v1/console/events"), |ev| {
            let slots: Vec<u64> = ev.iter().filter_map(slot_of).collect();
            ev.len() >= 5 && slots.last() > slots.first()
        })
        .await;
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[..3], ["node", "auctions", "lstake"]);
        // No auction came: the book is not sent again (the LStake is, at an epoch's start).
        assert!(!names[3..].contains(&"auctions"), "{names:?}");
        let slots: Vec<u64> = events.iter().filter_map(slot_of).collect();
        let node_events = names.iter().filter(|n| **n == "node").count();
        assert_eq!(slots.len(), node_events, "every node event has its slot");
        assert!(slots.windows(2).all(|w| w[0] <= w[1]), "{slots:?}");
    });

    // The page in a real browser.
    let browser = repo().join("clients/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "Playwright is not installed: run `npm ci --prefix clients/browser` (ci/test.sh does)"
    );
    let chromium = std::env::var("AMBIENT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "no chromium at {chromium}: install Debian's `chromium` package (ci/install-deps.sh does)"
    );
    let artifacts = std::env::var("AMBIENT_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("artifacts"))
        .join("console");
    let out = Command::new("node")
        .current_dir(&browser)
        .args(["--test", "test/"])
        .env("AMBIENT_API_URL", &api)
        .env("AMBIENT_API_KEY", v.api_key())
        .env("AMBIENT_CHROMIUM", &chromium)
        .env("AMBIENT_ARTIFACTS", &artifacts)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // The whole node log next to the screenshots: the tail alone is mostly gossip tables.
        let _ = std::fs::create_dir_all(&artifacts);
        let _ = std::fs::write(artifacts.join("validator.log"), v.log());
    }
    assert!(
        out.status.success(),
        "the browser suite failed ({}):\n{stdout}\n{}\nvalidator log tail:\n{}\nscreenshots: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        common::tail(&v.log(), 30),
        artifacts.display()
    );
    for shot in ["console-loaded.png", "chat-verified.png"] {
        assert!(artifacts.join(shot).is_file(), "screenshot {shot} saved");
    }
    eprintln!(
        "{}\nscreenshots in {}",
        common::tail(&stdout, 8),
        artifacts.display()
    );
}
