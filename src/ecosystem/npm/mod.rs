//! npm: lockfile parsers (package-lock / shrinkwrap, pnpm, yarn, bun), registry wire types,
//! and the registry settings of `.npmrc`.

pub mod bun;
pub(crate) mod common;
pub mod lockfile;
pub mod npmrc;
pub mod packument;
pub mod pnpm;
pub(crate) mod yaml;
pub mod yarn;

pub use bun::parse_bun_lock;
pub use lockfile::parse_package_lock;
pub use pnpm::parse_pnpm_lock;
pub use yarn::{parse_yarn_lock, parse_yarn_lock_with_manifest};
