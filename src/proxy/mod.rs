//! `depgate serve`: a local pull-through proxy that npm, pip, Maven and Gradle fetch
//! through. Each request runs the same engine pipeline as `check` (chain with ownership,
//! verification, policy); held-back versions are hidden from listings and refused as files.

pub mod gate;
mod handlers;
pub mod listen;
pub mod maven;
pub mod npm;
pub mod pypi;
mod respond;
pub mod server;
mod state;
