#![cfg(feature = "agave-unstable-api")]
#![cfg_attr(feature = "frozen-abi", feature(min_specialization))]
#![allow(clippy::arithmetic_side_effects)]

#[cfg(not(feature = "dev-context-only-utils"))]
mod account_saver;
#[cfg(feature = "dev-context-only-utils")]
pub mod account_saver;
pub mod accounts_background_service;
mod alpenglow_epoch_type;
pub mod bank;
pub mod bank_client;
pub mod bank_forks;
pub mod bank_forks_controller;
pub mod bank_utils;
pub mod block_component_processor;
// Ambient: the hooks through which LStake sets the epoch stakes, and Ambient's builtins.
pub mod chain_hooks;
pub mod commitment;
pub mod dependency_tracker;
pub mod epoch_stakes;
pub mod genesis_utils;
pub mod inflation_rewards;
pub mod installed_scheduler_pool;
pub mod leader_schedule_utils;
pub mod loader_utils;
pub mod non_circulating_supply;
pub mod prioritization_fee;
pub mod prioritization_fee_cache;
mod read_optimized_dashmap;
pub mod rent_collector;
// Ambient: public, so the epoch hooks can record the reward pool's issuance as a block's rewards.
pub mod reward_info;
pub mod runtime_config;
pub mod serde_snapshot;
pub mod slot_params;
pub mod snapshot_bank_utils;
pub mod snapshot_controller;
pub mod snapshot_minimizer;
pub mod snapshot_package;
pub mod snapshot_utils;
#[cfg(not(feature = "dev-context-only-utils"))]
mod stake_account;
#[cfg(feature = "dev-context-only-utils")]
pub mod stake_account;
mod stake_delegation;
pub mod stake_history;
pub mod stake_utils;
pub mod stake_weighted_timestamp;
pub mod stakes;
pub mod static_ids;
pub mod status_cache;
pub mod test_utils;
pub mod transaction_batch;
pub mod validated_block_finalization;
pub mod validated_reward_certificate;
pub mod vote_sender_types;

#[macro_use]
extern crate solana_metrics;

#[cfg_attr(feature = "frozen-abi", macro_use)]
#[cfg(feature = "frozen-abi")]
extern crate solana_frozen_abi_macro;
