//! The miner, verifier and closer loops, each on its own thread, until the exit flag is set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use log::{error, warn};

use crate::closer::Closer;
use crate::miner::Miner;
use crate::verifier::Verifier;

/// Something that takes one pass at a time.
pub trait Role: Send + 'static {
    /// One pass.
    fn step(&mut self) -> Result<(), crate::MarketError>;
}

impl Role for Miner {
    fn step(&mut self) -> Result<(), crate::MarketError> {
        Miner::step(self)
    }
}

impl Role for Closer {
    fn step(&mut self) -> Result<(), crate::MarketError> {
        Closer::step(self)
    }
}

impl Role for Verifier {
    fn step(&mut self) -> Result<(), crate::MarketError> {
        Verifier::step(self)
    }
}

/// Runs `role` every `every` on a thread named `name` until `exit`.
pub fn spawn(
    name: &str,
    mut role: impl Role,
    every: Duration,
    exit: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let label = name.to_string();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            while !exit.load(Ordering::Relaxed) {
                // A bug in one pass must not silently end the role.
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| role.step())) {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => warn!("{label}: {e}"),
                    Err(_) => error!("{label}: a pass panicked; carrying on"),
                }
                std::thread::sleep(every);
            }
        })
}
