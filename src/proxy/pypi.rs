//! The `PyPI` simple API for the proxy: PEP 691 JSON and PEP 503 HTML pages.
