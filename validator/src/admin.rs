//! The node's control socket: `<ledger>/admin.sock`, a Unix socket only its owner may open (mode
//! 0600). Control never goes over the public JSON-RPC or HTTP ports. One JSON request per line,
//! one JSON answer per line:
//!
//! - `{"method": "status"}` → identity, version, slot, roles, ports
//! - `{"method": "exit"}` → `{"ok": true}`, then the node stops cleanly (as on SIGTERM)
//! - `{"method": "keys_add", "name": N, "budget": L?, "max_price": L?}` → the new API key (shown
//!   once) and its record; `{"method": "keys_list"}` → every key's record (no key itself);
//!   `{"method": "keys_revoke", "id": ID}` → the revoked record. Budgets and caps in lamports.
//!
//! `ambient node status|exit|keys --ledger DIR` is the client.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use ambient_api::ApiKeys;
use anyhow::{Context, Result};
use log::{info, warn};
use serde_json::{json, Value};

/// The socket's file name in the ledger directory.
pub const SOCKET: &str = "admin.sock";

/// Longest request line read.
const MAX_LINE: u64 = 64 * 1024;

/// What `status` reports.
pub struct NodeFacts {
    /// The node identity.
    pub identity: String,
    /// Its roles.
    pub roles: Vec<String>,
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// HTTP API URL.
    pub api_url: String,
    /// The API key book.
    pub keys: Arc<ApiKeys>,
}

/// The running control socket (removed on drop).
pub struct Admin {
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Admin {
    /// Listens on `ledger/admin.sock`; `exit` sets `exit`.
    pub fn start(ledger: &Path, facts: NodeFacts, exit: Arc<AtomicBool>) -> Result<Admin> {
        let path = ledger.join(SOCKET);
        if path.exists() {
            // A socket left by a node that did not stop cleanly; a live one would answer.
            if UnixStream::connect(&path).is_ok() {
                anyhow::bail!(
                    "another node is running on this ledger ({} answers)",
                    path.display()
                );
            }
            std::fs::remove_file(&path)
                .with_context(|| format!("removing the stale {}", path.display()))?;
        }
        let listener =
            UnixListener::bind(&path).with_context(|| format!("binding {}", path.display()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("ambAdmin".into())
                .spawn(move || serve(listener, facts, exit, stop))?
        };
        info!("control socket at {}", path.display());
        Ok(Admin {
            path,
            thread: Some(thread),
            stop,
        })
    }
}

impl Drop for Admin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn serve(listener: UnixListener, facts: NodeFacts, exit: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = answer(stream, &facts, &exit) {
                    warn!("control socket: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                warn!("control socket: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

fn answer(stream: UnixStream, facts: &NodeFacts, exit: &AtomicBool) -> Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(std::io::Read::take(stream.try_clone()?, MAX_LINE));
    let mut writer = stream;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 0 {
        let reply = handle(line.trim(), facts, exit);
        writeln!(writer, "{reply}")?;
        line.clear();
    }
    Ok(())
}

fn handle(line: &str, facts: &NodeFacts, exit: &AtomicBool) -> Value {
    let request: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"error": format!("not a JSON request: {e}")}),
    };
    match request.get("method").and_then(Value::as_str) {
        Some("status") => json!({
            "identity": facts.identity,
            "version": env!("CARGO_PKG_VERSION"),
            "roles": facts.roles,
            "rpc_url": facts.rpc_url,
            "api_url": facts.api_url,
            "exiting": exit.load(Ordering::Relaxed),
        }),
        Some("exit") => {
            info!("exit requested on the control socket");
            exit.store(true, Ordering::Relaxed);
            json!({"ok": true})
        }
        Some("keys_add") => keys_add(&request, &facts.keys),
        Some("keys_list") => json!({"keys": facts.keys.list()}),
        Some("keys_revoke") => match request.get("id").and_then(Value::as_str) {
            Some(id) => match facts.keys.revoke(id) {
                Ok(k) => {
                    info!("API key {id} revoked on the control socket");
                    json!({"key": k})
                }
                Err(e) => json!({"error": e.to_string()}),
            },
            None => json!({"error": "keys_revoke needs the key's id"}),
        },
        Some(other) => json!({
            "error": format!(
                "unknown method {other:?} (status, exit, keys_add, keys_list, keys_revoke)"
            )
        }),
        None => json!({"error": "the request names no method"}),
    }
}

/// `keys_add`: a name, and optional budget and price cap in lamports.
fn keys_add(request: &Value, keys: &ApiKeys) -> Value {
    let Some(name) = request.get("name").and_then(Value::as_str) else {
        return json!({"error": "keys_add needs a name"});
    };
    let mut limits = [None, None];
    for (field, limit) in ["budget", "max_price"].iter().zip(limits.iter_mut()) {
        match request.get(*field) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) => *limit = Some(n),
                None => return json!({"error": format!("{field} is a whole number of lamports")}),
            },
        }
    }
    match keys.add(name, limits[0], limits[1]) {
        Ok((record, key)) => {
            info!("API key {} ({name}) made on the control socket", record.id);
            json!({"api_key": key, "key": record})
        }
        Err(e) => json!({"error": e.to_string()}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(path: &Path, line: &str) -> Value {
        let mut s = UnixStream::connect(path).unwrap();
        writeln!(s, "{line}").unwrap();
        let mut out = String::new();
        BufReader::new(s).read_line(&mut out).unwrap();
        serde_json::from_str(&out).unwrap()
    }

    #[test]
    fn status_and_exit_on_an_owner_only_socket() {
        let dir = tempfile::tempdir().unwrap();
        let exit = Arc::new(AtomicBool::new(false));
        let facts = NodeFacts {
            identity: "id".into(),
            roles: vec!["validator".into()],
            rpc_url: "http://127.0.0.1:8899".into(),
            api_url: "http://127.0.0.1:8901".into(),
            keys: Arc::new(ApiKeys::in_memory()),
        };
        let admin = Admin::start(dir.path(), facts, exit.clone()).unwrap();
        let path = dir.path().join(SOCKET);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let status = call(&path, r#"{"method":"status"}"#);
        assert_eq!(status["identity"], "id");
        assert_eq!(status["exiting"], false);
        assert!(call(&path, "nonsense")["error"].is_string());
        assert!(call(&path, r#"{"method":"reboot"}"#)["error"]
            .as_str()
            .unwrap()
            .contains("unknown method"));
        // A second node on the same ledger is refused while this one answers.
        let again = Admin::start(
            dir.path(),
            NodeFacts {
                identity: "other".into(),
                roles: vec![],
                rpc_url: String::new(),
                api_url: String::new(),
                keys: Arc::new(ApiKeys::in_memory()),
            },
            Arc::new(AtomicBool::new(false)),
        );
        assert!(again.is_err());
        // API keys: made (shown once), listed (without the key), revoked; bad input refused.
        let made = call(
            &path,
            r#"{"method":"keys_add","name":"app","budget":5000,"max_price":100}"#,
        );
        let key = made["api_key"].as_str().unwrap().to_string();
        let id = made["key"]["id"].as_str().unwrap().to_string();
        assert!(key.starts_with("amb-"));
        let listed = call(&path, r#"{"method":"keys_list"}"#);
        assert_eq!(listed["keys"][0]["budget"], 5000);
        assert!(!listed.to_string().contains(&key));
        for bad in [
            r#"{"method":"keys_add"}"#,
            r#"{"method":"keys_add","name":"x","budget":-1}"#,
            r#"{"method":"keys_add","name":"x","max_price":"lots"}"#,
            r#"{"method":"keys_revoke"}"#,
            r#"{"method":"keys_revoke","id":"key-none"}"#,
        ] {
            assert!(call(&path, bad)["error"].is_string(), "{bad}");
        }
        let revoked = call(&path, &format!(r#"{{"method":"keys_revoke","id":"{id}"}}"#));
        assert_eq!(revoked["key"]["revoked"], true);
        assert_eq!(call(&path, r#"{"method":"exit"}"#)["ok"], true);
        assert!(exit.load(Ordering::Relaxed));
        drop(admin);
        assert!(!path.exists(), "removed on stop");
    }
}
