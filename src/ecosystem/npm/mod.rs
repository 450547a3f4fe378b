//! npm: lockfile parsers (package-lock / shrinkwrap, pnpm, yarn), registry wire types, and
//! the registry settings of `.npmrc`.

mod common;
pub mod lockfile;
pub mod npmrc;
pub mod packument;
pub mod pnpm;
pub mod yarn;

pub use lockfile::parse_package_lock;
pub use pnpm::parse_pnpm_lock;
pub use yarn::{parse_yarn_lock, parse_yarn_lock_with_manifest};
