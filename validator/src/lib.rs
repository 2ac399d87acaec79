//! The node of `ambient-validator` as a library: Agave's validator on an Ambient ledger
//! ([`node`]), for the binary and for tests that drive a validator in their own process.

pub mod bootstrap;
pub mod niceness;
pub mod node;
pub mod shutdown;
