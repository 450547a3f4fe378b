//! One file of a `PyPI` project page as both wire formats give it (PEP 691 JSON read in
//! [`super::simple`], PEP 503 HTML scanned in [`super::html`]): a leaf both use.

use std::collections::BTreeMap;

/// One file of a project page, in either wire format.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageFile {
    pub filename: String,
    pub url: String,
    pub hashes: BTreeMap<String, String>,
    pub requires_python: Option<String>,
    pub yanked: Option<String>,
    pub core_metadata: Option<BTreeMap<String, String>>,
    pub upload_time: Option<String>,
    pub provenance: Option<String>,
}
