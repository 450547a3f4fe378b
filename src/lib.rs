//! depgate: resolves every dependency of a build through an ordered chain of upstream
//! registries, verifies what it got, decides with Rego policy, and leaves evidence.
//!
//! The binary (`main.rs`) is a thin shell over [`commands`]; every front door (`check`,
//! later `serve` and the plugins) runs the same [`engine`] pipeline.

pub mod advisories;
pub mod atomic;
pub mod attest;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod cooldowns;
pub mod ecosystem;
pub mod engine;
pub mod env;
pub mod exit;
pub mod github;
pub mod load;
pub mod lockfiles;
pub mod logging;
pub mod metrics;
pub mod openpgp;
pub mod output;
pub mod policy;
pub mod proxy;
pub mod redact;
pub mod report;
pub mod reviews;
pub mod singleflight;
pub mod units;
pub mod upstream;
pub mod yaml;

/// The allocator of every program built on this library (the binary, its examples and
/// tests): policy evaluation, the proxy and verification make many small, short-lived
/// allocations, and mimalloc serves them faster than the system allocator (`policy bench`,
/// measured side by side: 17.2-20.7k -> 20.7-23.9k decisions/s on one core; the options
/// chosen are in Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
