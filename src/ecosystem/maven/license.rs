//! POM licences → SPDX identifiers.
//!
//! A POM names its licences in free text (`<name>The Apache Software License, Version
//! 2.0</name>`) with an optional URL. This maps the common spellings and the canonical URLs
//! of the licences found on Maven Central to SPDX identifiers; anything it does not know
//! stays unmapped (`None`) rather than guessed. GPL and LGPL map to the `-only` identifiers
//! (a POM rarely says "or later"); "GPL2 w/ CPE" and friends to
//! `GPL-2.0-only WITH Classpath-exception-2.0`.
//!
//! Several `<license>` elements: Maven's POM reference says that when several licences are
//! listed the user may choose any of them, not that all apply. [`expression`] therefore
//! joins them with `OR`. Some projects list per-part licences that all apply; the POM
//! cannot say so, and depgate follows Maven's documented meaning.
//!
//! Owns: this mapping. Must not: fetch licence texts or decide whether a licence is allowed.

/// One `<license>` of a POM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct License {
    /// `<name>` as written.
    pub name: Option<String>,
    /// `<url>` as written.
    pub url: Option<String>,
    /// The SPDX identifier (or `… WITH …` expression) it maps to, when known.
    pub spdx: Option<String>,
}

impl License {
    /// A licence with its SPDX mapping filled in.
    pub fn new(name: Option<String>, url: Option<String>) -> Self {
        let spdx = spdx_for(name.as_deref(), url.as_deref());
        Self { name, url, spdx }
    }
}

/// The SPDX expression of a list of licences: `None` when the list is empty or any licence
/// is unknown; one identifier; or several joined with `OR` (see the module documentation).
pub fn expression(licenses: &[License]) -> Option<String> {
    let mut ids: Vec<&str> = Vec::new();
    for l in licenses {
        let id = l.spdx.as_deref()?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    match ids.len() {
        0 => None,
        1 => Some(ids[0].to_string()),
        _ => {
            Some(
                ids.iter()
                    .map(|id| {
                        if id.contains(" OR ") || id.contains(" AND ") { format!("({id})") } else { (*id).to_string() }
                    })
                    .collect::<Vec<_>>()
                    .join(" OR "),
            )
        }
    }
}

const CLASSPATH: &str = "GPL-2.0-only WITH Classpath-exception-2.0";
const CDDL_OR_CLASSPATH: &str = "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0";

/// SPDX identifiers accepted as written (any case), with the deprecated ones mapped to
/// their current form.
const IDS: &[(&str, &str)] = &[
    ("0BSD", "0BSD"),
    ("Apache-1.1", "Apache-1.1"),
    ("Apache-2.0", "Apache-2.0"),
    ("BSD-2-Clause", "BSD-2-Clause"),
    ("BSD-3-Clause", "BSD-3-Clause"),
    ("BSL-1.0", "BSL-1.0"),
    ("CC0-1.0", "CC0-1.0"),
    ("CDDL-1.0", "CDDL-1.0"),
    ("CDDL-1.1", "CDDL-1.1"),
    ("EPL-1.0", "EPL-1.0"),
    ("EPL-2.0", "EPL-2.0"),
    ("GPL-2.0", "GPL-2.0-only"),
    ("GPL-2.0-only", "GPL-2.0-only"),
    ("GPL-2.0-or-later", "GPL-2.0-or-later"),
    ("GPL-2.0-with-classpath-exception", CLASSPATH),
    ("GPL-3.0", "GPL-3.0-only"),
    ("GPL-3.0-only", "GPL-3.0-only"),
    ("GPL-3.0-or-later", "GPL-3.0-or-later"),
    ("ISC", "ISC"),
    ("LGPL-2.1", "LGPL-2.1-only"),
    ("LGPL-2.1-only", "LGPL-2.1-only"),
    ("LGPL-2.1-or-later", "LGPL-2.1-or-later"),
    ("LGPL-3.0", "LGPL-3.0-only"),
    ("LGPL-3.0-only", "LGPL-3.0-only"),
    ("LGPL-3.0-or-later", "LGPL-3.0-or-later"),
    ("MIT", "MIT"),
    ("MPL-1.1", "MPL-1.1"),
    ("MPL-2.0", "MPL-2.0"),
    ("Unlicense", "Unlicense"),
    ("UPL-1.0", "UPL-1.0"),
    ("Zlib", "Zlib"),
];

/// Licence names after [`name_key`] (lowercase words, punctuation, "the", "license" and
/// "version" dropped, `v2` → `2`).
const NAMES: &[(&str, &str)] = &[
    ("apache 2 0", "Apache-2.0"),
    ("apache 2", "Apache-2.0"),
    ("apache2", "Apache-2.0"),
    ("asl 2 0", "Apache-2.0"),
    ("asl 2", "Apache-2.0"),
    ("al 2 0", "Apache-2.0"),
    ("apache public 2 0", "Apache-2.0"),
    ("apache 1 1", "Apache-1.1"),
    ("mit", "MIT"),
    ("bouncy castle", "MIT"),
    ("new bsd", "BSD-3-Clause"),
    ("bsd new", "BSD-3-Clause"),
    ("revised bsd", "BSD-3-Clause"),
    ("modified bsd", "BSD-3-Clause"),
    ("bsd 3 clause", "BSD-3-Clause"),
    ("3 clause bsd", "BSD-3-Clause"),
    ("bsd 3", "BSD-3-Clause"),
    ("eclipse distribution 1 0", "BSD-3-Clause"),
    ("edl 1 0", "BSD-3-Clause"),
    ("simplified bsd", "BSD-2-Clause"),
    ("bsd 2 clause", "BSD-2-Clause"),
    ("2 clause bsd", "BSD-2-Clause"),
    ("bsd 2", "BSD-2-Clause"),
    ("freebsd", "BSD-2-Clause"),
    ("eclipse public 1 0", "EPL-1.0"),
    ("epl 1 0", "EPL-1.0"),
    ("epl 1", "EPL-1.0"),
    ("eclipse public 2 0", "EPL-2.0"),
    ("epl 2 0", "EPL-2.0"),
    ("epl 2", "EPL-2.0"),
    ("gnu lesser general public 2 1", "LGPL-2.1-only"),
    ("lesser general public 2 1", "LGPL-2.1-only"),
    ("gnu lgpl 2 1", "LGPL-2.1-only"),
    ("lgpl 2 1", "LGPL-2.1-only"),
    ("gnu lesser general public 3 0", "LGPL-3.0-only"),
    ("gnu lesser general public 3", "LGPL-3.0-only"),
    ("lgpl 3 0", "LGPL-3.0-only"),
    ("lgpl 3", "LGPL-3.0-only"),
    ("lgplv3", "LGPL-3.0-only"),
    ("gnu general public 2", "GPL-2.0-only"),
    ("gnu general public 2 0", "GPL-2.0-only"),
    ("gpl 2", "GPL-2.0-only"),
    ("gpl 2 0", "GPL-2.0-only"),
    ("gpl2", "GPL-2.0-only"),
    ("gplv2", "GPL-2.0-only"),
    ("gnu general public 3", "GPL-3.0-only"),
    ("gnu general public 3 0", "GPL-3.0-only"),
    ("gpl 3", "GPL-3.0-only"),
    ("gpl 3 0", "GPL-3.0-only"),
    ("gplv3", "GPL-3.0-only"),
    ("gpl2 w cpe", CLASSPATH),
    ("gplv2 ce", CLASSPATH),
    ("gpl 2 ce", CLASSPATH),
    ("gpl2 with classpath exception", CLASSPATH),
    ("gplv2 with classpath exception", CLASSPATH),
    ("gpl 2 with classpath exception", CLASSPATH),
    ("gpl 2 0 with classpath exception", CLASSPATH),
    ("gnu general public 2 with classpath exception", CLASSPATH),
    ("gnu general public 2 with gnu classpath exception", CLASSPATH),
    ("gnu general public 2 0 with classpath exception", CLASSPATH),
    ("cddl gplv2 with classpath exception", CDDL_OR_CLASSPATH),
    ("cddl gpl 2 with classpath exception", CDDL_OR_CLASSPATH),
    ("cddl gpl2 w cpe", CDDL_OR_CLASSPATH),
    ("cddl gplv2 ce", CDDL_OR_CLASSPATH),
    ("common development and distribution 1 0", "CDDL-1.0"),
    ("common development and distribution cddl 1 0", "CDDL-1.0"),
    ("cddl 1 0", "CDDL-1.0"),
    ("common development and distribution 1 1", "CDDL-1.1"),
    ("common development and distribution cddl 1 1", "CDDL-1.1"),
    ("cddl 1 1", "CDDL-1.1"),
    ("mozilla public 2 0", "MPL-2.0"),
    ("mpl 2 0", "MPL-2.0"),
    ("mpl 2", "MPL-2.0"),
    ("mozilla public 1 1", "MPL-1.1"),
    ("mpl 1 1", "MPL-1.1"),
    ("cc0", "CC0-1.0"),
    ("cc0 1 0", "CC0-1.0"),
    ("cc0 1 0 universal", "CC0-1.0"),
    ("unlicense", "Unlicense"),
    ("isc", "ISC"),
    ("universal permissive 1 0", "UPL-1.0"),
    ("upl 1 0", "UPL-1.0"),
    ("boost 1 0", "BSL-1.0"),
];

/// Licence URLs after [`url_key`] (no scheme, `www.`, trailing `/` or `.txt`/`.html`/`.php`).
const URLS: &[(&str, &str)] = &[
    ("apache.org/licenses/license-2.0", "Apache-2.0"),
    ("opensource.org/licenses/apache-2.0", "Apache-2.0"),
    ("opensource.org/licenses/mit", "MIT"),
    ("opensource.org/licenses/mit-license", "MIT"),
    ("opensource.org/license/mit", "MIT"),
    ("opensource.org/licenses/bsd-3-clause", "BSD-3-Clause"),
    ("opensource.org/licenses/bsd-2-clause", "BSD-2-Clause"),
    ("eclipse.org/legal/epl-v10", "EPL-1.0"),
    ("eclipse.org/org/documents/epl-v10", "EPL-1.0"),
    ("opensource.org/licenses/epl-1.0", "EPL-1.0"),
    ("eclipse.org/legal/epl-2.0", "EPL-2.0"),
    ("eclipse.org/legal/epl-v20", "EPL-2.0"),
    ("opensource.org/licenses/epl-2.0", "EPL-2.0"),
    ("eclipse.org/org/documents/edl-v10", "BSD-3-Clause"),
    ("gnu.org/licenses/old-licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/lgpl-2.1", "LGPL-2.1-only"),
    ("gnu.org/licenses/lgpl-3.0", "LGPL-3.0-only"),
    ("gnu.org/licenses/old-licenses/gpl-2.0", "GPL-2.0-only"),
    ("gnu.org/licenses/gpl-2.0", "GPL-2.0-only"),
    ("gnu.org/licenses/gpl-3.0", "GPL-3.0-only"),
    ("gnu.org/software/classpath/license", CLASSPATH),
    ("openjdk.java.net/legal/gplv2+ce", CLASSPATH),
    ("openjdk.org/legal/gplv2+ce", CLASSPATH),
    ("mozilla.org/mpl/2.0", "MPL-2.0"),
    ("oss.oracle.com/licenses/upl", "UPL-1.0"),
    ("opensource.org/licenses/upl", "UPL-1.0"),
    ("creativecommons.org/publicdomain/zero/1.0", "CC0-1.0"),
    ("creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0"),
    ("unlicense.org", "Unlicense"),
    ("opensource.org/licenses/isc", "ISC"),
    ("boost.org/license_1_0", "BSL-1.0"),
];

/// The SPDX identifier for a POM licence, from its name first, then its URL.
pub fn spdx_for(name: Option<&str>, url: Option<&str>) -> Option<String> {
    let by_name = name.and_then(|n| {
        let n = n.trim();
        IDS.iter().find(|(id, _)| id.eq_ignore_ascii_case(n)).map(|(_, s)| *s).or_else(|| {
            let key = name_key(n);
            NAMES.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
        })
    });
    let by_url = || {
        url.and_then(|u| {
            let key = url_key(u);
            if let Some(id) = key.strip_prefix("spdx.org/licenses/") {
                return IDS.iter().find(|(i, _)| i.eq_ignore_ascii_case(id.trim_end_matches(".json"))).map(|(_, s)| *s);
            }
            URLS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
        })
    };
    by_name.or_else(by_url).map(str::to_string)
}

fn name_key(name: &str) -> String {
    let lower = name.to_lowercase();
    let spaced: String = lower.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced
        .split_whitespace()
        .filter(|w| !matches!(*w, "the" | "license" | "licence" | "licenses" | "version" | "v" | "software"))
        .map(|w| match w.strip_prefix('v') {
            Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => d,
            _ => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn url_key(url: &str) -> String {
    let mut u = url.trim().to_lowercase();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = u.strip_prefix(scheme) {
            u = rest.to_string();
        }
    }
    if let Some(rest) = u.strip_prefix("www.") {
        u = rest.to_string();
    }
    let mut u = u.trim_end_matches('/').to_string();
    for suffix in [".txt", ".html", ".htm", ".php"] {
        if let Some(rest) = u.strip_suffix(suffix) {
            u = rest.to_string();
            break;
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str, url: &str) -> Option<String> {
        spdx_for(Some(name).filter(|n| !n.is_empty()), Some(url).filter(|u| !u.is_empty()))
    }

    #[test]
    fn common_spellings() {
        assert_eq!(id("The Apache Software License, Version 2.0", "").as_deref(), Some("Apache-2.0"));
        assert_eq!(id("Apache License, Version 2.0", "").as_deref(), Some("Apache-2.0"));
        assert_eq!(id("", "https://www.apache.org/licenses/LICENSE-2.0.txt").as_deref(), Some("Apache-2.0"));
        assert_eq!(id("MIT License", "").as_deref(), Some("MIT"));
        assert_eq!(id("New BSD License", "").as_deref(), Some("BSD-3-Clause"));
        assert_eq!(id("Eclipse Public License - v 1.0", "").as_deref(), Some("EPL-1.0"));
        assert_eq!(id("EPL 2.0", "").as_deref(), Some("EPL-2.0"));
        assert_eq!(id("GPL2 w/ CPE", "").as_deref(), Some(CLASSPATH));
        assert_eq!(
            id("GNU Lesser General Public License", "http://www.gnu.org/licenses/old-licenses/lgpl-2.1.html")
                .as_deref(),
            Some("LGPL-2.1-only")
        );
        assert_eq!(id("lgpl-2.1", "").as_deref(), Some("LGPL-2.1-only"));
        assert_eq!(id("", "https://spdx.org/licenses/MIT.html").as_deref(), Some("MIT"));
        assert_eq!(id("BSD License", ""), None);
        assert_eq!(id("Proprietary", "https://example.com/eula"), None);
    }

    #[test]
    fn several_licences_are_a_choice() {
        let l = |n: &str| License::new(Some(n.to_string()), None);
        assert_eq!(
            expression(&[l("EPL 2.0"), l("GPL2 w/ CPE")]).as_deref(),
            Some("EPL-2.0 OR GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(expression(&[l("MIT"), l("MIT License")]).as_deref(), Some("MIT"));
        assert_eq!(
            expression(&[l("MIT"), l("CDDL + GPLv2 with classpath exception")]).as_deref(),
            Some("MIT OR (CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0)")
        );
        assert_eq!(expression(&[l("MIT"), l("Custom")]), None);
        assert_eq!(expression(&[]), None);
    }
}
