//! `depgate serve`: a local pull-through proxy that npm, pip, Maven and Gradle fetch
//! through. Each request runs the same engine pipeline as `check` (chain with ownership,
//! verification, policy, advisories); held-back versions are hidden from listings and
//! refused as files. npm's audit endpoints are answered from the advisory database
//! ([`audit`]). Container images are served under `/v2/` as a pull-through registry
//! ([`oci`]).

pub mod access;
pub mod audit;
pub mod gate;
mod handlers;
pub mod held;
pub mod listen;
pub mod maven;
pub mod npm;
mod oci;
pub mod pypi;
mod respond;
pub mod server;
mod state;
