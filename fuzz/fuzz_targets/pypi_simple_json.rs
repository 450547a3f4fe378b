//! A PEP 691 simple-API JSON project page.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use url::Url;

static PAGE: LazyLock<Url> = LazyLock::new(|| Url::parse("https://pypi.org/simple/six/").unwrap());

fuzz_target!(|data: &[u8]| {
    let _ = depgate::ecosystem::pypi::parse_simple_json(data, &PAGE);
});
