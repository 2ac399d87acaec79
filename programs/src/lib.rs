//! Ambient's native (builtin) programs, registered in every Ambient `Bank`:
//! - [`registry`]: the PoL registry — miners and verifiers register with a bond.
//! - [`auction`]: the query auction — requests with escrow, sealed bids with bonds, reveals,
//!   second-price settlement.
//!
//! Each program has an instruction type with client builders (`instruction.rs`), an account layout
//! (`state.rs`), specific error codes (`error.rs`) and the processor (`processor.rs`).

pub mod auction;
pub mod registry;
