//! A PEP 503 simple-API HTML project page.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use url::Url;

static PAGE: LazyLock<Url> = LazyLock::new(|| Url::parse("https://pypi.org/simple/six/").unwrap());

fuzz_target!(|data: &[u8]| {
    let _ = depgate::ecosystem::pypi::parse_simple_html(data, &PAGE);
});
