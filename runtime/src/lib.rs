//! `ambient-runtime`: Ambient's genesis and `Bank` set-up on Agave's `solana-runtime`, with the
//! native programs of `ambient-programs` registered in every bank.

pub mod bank;
pub mod epoch_stakes;
pub mod genesis;
pub mod hooks;

pub use bank::new_bank_forks;
pub use genesis::{AmbientGenesis, GenesisParams};
