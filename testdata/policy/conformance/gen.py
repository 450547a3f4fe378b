#!/usr/bin/env python3
"""Writes the policy conformance cases: main/cases.json and user/cases.json.

Each case is {"name", "input" (a depgate.input/v1 document), "expect" (rule codes by
level)}. tests/policy.rs runs every input through depgate and through `opa eval` with the
same policy bundle and asserts identical decisions, and checks the expected codes;
benches/policy.sh reuses the inputs. Run it after changing a case:

    python3 testdata/policy/conformance/gen.py
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = "2025-10-28T00:00:00Z"
# Stable identities as a baseline records them; attestations carry the workflow with its
# `@ref` (as Fulcio certificates do), which changes every release.
ID_A = {"issuer": "https://token.actions.githubusercontent.com", "source_repo": "https://github.com/acme/a",
        "workflow": "https://github.com/acme/a/.github/workflows/release.yml"}
ID_B = {"issuer": "https://token.actions.githubusercontent.com", "source_repo": "https://github.com/evil/a",
        "workflow": "https://github.com/evil/a/.github/workflows/publish.yml"}


def base(name, version="1.0.0", tier="public", fallback=True, upstream=None):
    purl_name = name.replace("@", "%40", 1) if name.startswith("@") else name
    upstream = upstream or tier
    return {
        "package": {"ecosystem": "npm", "name": name, "version": version, "purl": f"pkg:npm/{purl_name}@{version}",
                    "direct": True, "dev": False, "optional": False, "bundled": False, "source": "registry",
                    "lockfile": "package-lock.json", "line": 10},
        "resolution": {"status": "owned", "upstream": upstream, "tier": tier, "priority": 2 if fallback else 1,
                       "fallback": fallback, "ownership": {"bound_by": "chain", "upstream": upstream},
                       "version_found": True, "owner_latest": version,
                       "url": f"https://{upstream}.example/{name}/-/{name.split('/')[-1]}-{version}.tgz",
                       "published_at": "2025-01-01T00:00:00Z", "age_days": 300.0,
                       "digests": {"sha512": "ab" * 64}, "lockfile_integrity": "match",
                       "artifact_integrity": "not_downloaded",
                       "lockfile_source": {"url": f"https://{upstream}.example/{name}.tgz", "upstream": upstream,
                                           "matches_owner": True},
                       "fell_through": [{"upstream": "curated", "reason": "not_found"}] if fallback else []},
        "verification": {"status": "unverifiable", "attestations": []},
        "license": "MIT",
        "baseline": None,
        "context": {"mode": "check", "repository": "acme/app", "event": "pull_request", "now": NOW},
    }


def set_(doc, path, value):
    doc = copy.deepcopy(doc)
    cur = doc
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[k]
    if value is DELETE:
        cur.pop(keys[-1], None)
    else:
        cur[keys[-1]] = value
    return doc


DELETE = object()


def young(doc, days, published="2025-10-26T00:00:00Z"):
    doc = set_(doc, "resolution.age_days", days)
    return set_(doc, "resolution.published_at", published)


def verified(doc, identity, predicate="https://slsa.dev/provenance/v1", ref="refs/tags/v1.0.0"):
    att = dict(identity, predicate_type=predicate, san=f"{identity['workflow']}@{ref}",
               workflow=f"{identity['workflow']}@{ref}", ref=ref, commit="0" * 40, verified=True, kind="provenance")
    return set_(doc, "verification", {"status": "verified", "attestations": [att]})


def baseline(doc, tier="curated", fallback=False, verification="verified", identity=ID_A, version="0.9.0"):
    return set_(doc, "baseline", {"version": version, "upstream": tier, "tier": tier, "fallback": fallback,
                                  "verification": verification, "identity": identity if verification == "verified" else None,
                                  "source": "depgate.trust.json"})


def advisory(id_, kind, severity, fixed, aliases=(), score=None, summary=None):
    a = {"id": id_, "aliases": list(aliases), "records": [id_], "kind": kind, "severity": severity,
         "affected": [">=0, <" + fixed[0]] if fixed else [">=0"], "fixed": list(fixed),
         "url": f"https://osv.dev/vulnerability/{id_}", "source": "testdata/advisories",
         "digest": "sha256:" + "cd" * 32, "modified": "2025-10-01T00:00:00Z"}
    if score is not None:
        a["score"] = score
    if summary is not None:
        a["summary"] = summary
    return a


def with_advisories(doc, advisories, upgrade=()):
    doc = set_(doc, "package.advisories", advisories)
    return set_(doc, "advisories", {"status": "checked", "database": "sha256:" + "ef" * 32,
                                    "matched": advisories, "upgrade": list(upgrade)})


def main_cases():
    c = []

    def case(name, doc, deny=(), quarantine=(), warn=()):
        c.append({"name": name, "input": doc,
                  "expect": {"deny": sorted(deny), "quarantine": sorted(quarantine), "warn": sorted(warn)}})

    case("clean", base("clean"))
    case("lockfile integrity mismatch", set_(set_(base("tampered"), "resolution.lockfile_integrity", "mismatch"),
                                             "resolution.lockfile_digests", {"sha512": "cd" * 64}), deny=["integrity-mismatch"])
    case("artifact integrity mismatch", set_(set_(base("bytes"), "resolution.artifact_integrity", "mismatch"),
                                             "resolution.artifact_digests", {"sha512": "ef" * 64}), deny=["integrity-mismatch"])
    both = set_(set_(base("both"), "resolution.artifact_integrity", "mismatch"), "resolution.lockfile_integrity", "mismatch")
    case("both integrity mismatches", both, deny=["integrity-mismatch", "integrity-mismatch"])
    case("version missing at owner", set_(base("missing"), "resolution.version_found", False), deny=["not-found-in-owner"])
    confused = set_(set_(base("confused-missing", tier="curated", fallback=False), "resolution.version_found", False),
                    "resolution.lockfile_source", {"url": "https://public.example/x.tgz", "upstream": "public", "matches_owner": False})
    case("version missing, lockfile from a lower upstream", confused, deny=["not-found-in-owner"])
    nowhere = {k: v for k, v in base("nowhere").items()}
    nowhere["resolution"] = {"status": "not_found", "fallback": False, "version_found": False, "digests": {},
                             "lockfile_integrity": "unavailable", "artifact_integrity": "not_downloaded",
                             "fell_through": [{"upstream": "curated", "reason": "not_found"}, {"upstream": "public", "reason": "not_found"}]}
    nowhere.pop("license")
    case("name in no upstream", nowhere, deny=["not-found-in-chain"])
    ns = set_(set_(nowhere, "package.name", "@acme/ghost"), "package.purl", "pkg:npm/%40acme/ghost@1.0.0")
    ns = set_(ns, "resolution.ownership", {"bound_by": "namespace", "upstream": "private", "pattern": "@acme/*"})
    case("namespace-bound name missing", ns, deny=["namespace-not-found"])
    case("ownership violation", set_(base("owned-elsewhere", tier="curated", fallback=False), "resolution.lockfile_source",
                                     {"url": "https://public.example/x.tgz", "upstream": "public", "matches_owner": False}),
         deny=["ownership-violation"])
    nsv = set_(base("@acme/lib", tier="private", fallback=False, upstream="private"), "resolution.ownership",
               {"bound_by": "namespace", "upstream": "private", "pattern": "@acme/*"})
    nsv = set_(verified(nsv, ID_A), "resolution.lockfile_source", {"url": "https://public.example/x.tgz", "upstream": "public", "matches_owner": False})
    case("ownership violation of a namespace", nsv, deny=["ownership-violation"])
    case("stale resolved URL", set_(base("stale"), "resolution.lockfile_source",
                                    {"url": "https://old.example/x.tgz", "upstream": None, "matches_owner": False}),
         warn=["resolved-url-mismatch"])
    # Tier-aware cooldown: public waits 14 days, internal 3, others the global 7.
    case("young public fallback", young(base("fresh"), 2.0), quarantine=["fallback-cooldown"])
    case("10 days old public (tier waits 14)", young(base("fresh10"), 10.0, "2025-10-18T00:00:00Z"), quarantine=["fallback-cooldown"])
    case("10 days old from an untiered fallback (7)", young(base("other10", tier="other"), 10.0, "2025-10-18T00:00:00Z"))
    case("young curated first in chain", young(base("curated-fresh", tier="curated", fallback=False), 2.0))
    case("young curated as fallback", young(base("curated-fallback", tier="curated", fallback=True), 2.0), quarantine=["fallback-cooldown"])
    case("young watched tier first in chain", young(base("watched", tier="watched", fallback=False), 2.0), quarantine=["fallback-cooldown"])
    case("young public first in chain, cooldown_tiers without public", young(base("public-first", fallback=False), 2.0))
    case("young internal fallback (3 days)", young(base("internal2", tier="internal"), 2.0), quarantine=["fallback-cooldown"])
    case("internal fallback past 3 days", young(base("internal4", tier="internal"), 4.0, "2025-10-24T00:00:00Z"))
    case("young but cooldown_exempt", young(base("exempt-glob"), 1.0))
    case("young security fix by name@version", young(base("fixme", version="1.2.3"), 1.5), warn=["security-fix-exemption"])
    case("young security fix by purl glob", young(base("@sec/patched"), 0.5), warn=["security-fix-exemption"])
    case("old security fix", base("fixme", version="1.2.3"))
    case("other version of a security fix", young(base("fixme", version="1.2.4"), 1.0), quarantine=["fallback-cooldown"])
    case("no publish time from a fallback", set_(set_(base("timeless"), "resolution.published_at", DELETE), "resolution.age_days", DELETE),
         deny=["publish-time-unknown"])
    case("no publish time from the first upstream", set_(set_(base("timeless-first", tier="curated", fallback=False), "resolution.published_at", DELETE),
                                                         "resolution.age_days", DELETE))
    case("no publish time, security fix", set_(set_(base("fixme", version="1.2.3"), "resolution.published_at", DELETE), "resolution.age_days", DELETE))
    # Verification.
    case("violated attestation", set_(set_(base("bad-sig"), "verification.status", "violated"), "verification.reasons", ["subject digest differs"]),
         deny=["signature-violated"])
    case("private tier requires a signature", base("priv", tier="private", fallback=False), deny=["signature-required"])
    case("private tier, signed", verified(base("priv-signed", tier="private", fallback=False), ID_A,
                                          predicate="https://github.com/npm/attestation/tree/main/specs/publish/v0.1"))
    case("mirror tier requires provenance, has it", verified(base("mirror-ok", tier="mirror"), ID_A))
    case("mirror tier, only a publish attestation", verified(base("mirror-pub", tier="mirror"), ID_A,
                                                             predicate="https://github.com/npm/attestation/tree/main/specs/publish/v0.1"),
         deny=["provenance-required"])
    case("mirror tier, unverifiable", base("mirror-none", tier="mirror"), deny=["provenance-required"])
    # Licences.
    case("denied licence", set_(base("gpl"), "license", "GPL-3.0-only"), deny=["license-denied"])
    case("denied licence as one choice", set_(base("dual"), "license", "MIT OR GPL-3.0-only"))
    case("denied licence required by AND", set_(base("both-lic"), "license", "MIT AND GPL-2.0-only"), deny=["license-denied"])
    case("denied licence with exception", set_(base("classpath"), "license", "GPL-2.0-only WITH Classpath-exception-2.0"), deny=["license-denied"])
    case("licence outside the allow list", set_(base("wtf"), "license", "WTFPL"), deny=["license-not-allowed"])
    case("allowed choice in a nested expression", set_(base("nested"), "license", "(Apache-2.0 AND WTFPL) OR BSD-3-Clause"))
    case("lower-case operators", set_(base("lower"), "license", "(mit or apache-2.0)"))
    case("free-text licence", set_(base("custom"), "license", "SEE LICENSE IN LICENSE"), deny=["license-not-allowed"])
    case("no licence", set_(base("nolicence"), "license", DELETE), deny=["license-not-allowed"])
    case("pinned licence accepted despite the deny list", set_(base("pinned-ok"), "license", "GPL-3.0-only"))
    case("pinned licence changed", set_(base("pinned-changed"), "license", "Apache-2.0"), deny=["license-changed"])
    case("pinned expression in another order", set_(base("pinned-or"), "license", "Apache-2.0 OR MIT"))
    case("pinned licence removed", set_(base("pinned-changed"), "license", DELETE), deny=["license-changed"])
    # Trust downgrades against the baseline.
    case("curated in baseline, fallback now", baseline(base("moved")), deny=["trust-downgrade-tier", "attestation-disappeared"])
    case("fallback in baseline and now", baseline(base("still-public"), tier="public", fallback=True, verification="unverifiable"))
    case("identity changed", baseline(verified(base("hijacked", tier="curated", fallback=False), ID_B)), deny=["trust-downgrade-identity"])
    case("same identity, new release ref", baseline(verified(base("same-id", tier="curated", fallback=False), ID_A, ref="refs/tags/v2.0.0")))
    case("attestation disappeared", baseline(base("unsigned-now", tier="curated", fallback=False)), deny=["attestation-disappeared"])
    case("baseline unverifiable, still unverifiable", baseline(base("never-signed", tier="curated", fallback=False), verification="unverifiable"))
    # Sources outside the chain and hygiene.
    git = base("gitdep")
    git.pop("resolution"); git.pop("license")
    git = set_(set_(git, "package.source", "git"), "package.location", "git+https://github.com/acme/gitdep.git#abc")
    case("git dependency", git, warn=["unresolvable-source"])
    tgz = set_(set_(git, "package.source", "tarball"), "package.location", "https://cdn.example/x.tgz")
    case("remote tarball", tgz, warn=["unresolvable-source"])
    jar = set_(set_(set_(git, "package.source", "file"), "package.location", "/src/app/lib/vendored-3.1.jar"), "package.ecosystem", "maven")
    jar = set_(set_(jar, "package.name", "com.acme:vendored"), "package.purl", "pkg:maven/com.acme/vendored@1.0.0")
    case("Maven jar outside any repository layout", jar, warn=["unresolvable-source"])
    case("npm local folder (file:) is the project's own", set_(set_(git, "package.source", "file"), "package.location", "file:../lib"))
    case("deprecated version", set_(base("old"), "resolution.deprecated", "use new-thing instead"), warn=["deprecated-version"])
    case("yanked with a reason", set_(base("yanked"), "resolution.yanked", "broken build"), deny=["yanked-version"])
    case("yanked without a reason", set_(base("yanked2"), "resolution.yanked", True), deny=["yanked-version"])
    many = set_(set_(young(base("everything"), 2.0), "resolution.deprecated", "unmaintained"), "license", "AGPL-3.0-only")
    case("cooldown, denied licence and deprecation at once", many, deny=["license-denied"], quarantine=["fallback-cooldown"], warn=["deprecated-version"])
    # Advisories (vulnerabilities and malware): fail_on_severity = "high" (internal tier:
    # critical), ignores with reasons and expiry dates.
    mal = advisory("MAL-2025-1", "malware", "critical", [], summary="Malicious code in evil-lib (npm)")
    case("malware", with_advisories(base("evil-lib"), [mal]), deny=["malware"])
    case("malware listed in [advisories.ignore] (never ignored)",
         with_advisories(base("evil-ignored"), [advisory("MAL-2025-2", "malware", "critical", [])]), deny=["malware"])
    high = advisory("GHSA-hhhh-hhhh-hhhh", "vulnerability", "high", ["2.0.0"], aliases=["CVE-2025-1"], score=7.5,
                    summary="Prototype pollution")
    case("high vulnerability, an upgrade offered", with_advisories(base("vuln-high"), [high],
                                                                  [{"version": "2.0.0", "age_days": 40.0}]),
         deny=["vulnerability"])
    case("critical vulnerability, no fix published",
         with_advisories(base("vuln-unfixed"), [advisory("GHSA-cccc-cccc-cccc", "vulnerability", "critical", [], score=9.8)]),
         deny=["vulnerability"], warn=["vulnerability-unfixed"])
    case("moderate vulnerability below the threshold",
         with_advisories(base("vuln-moderate"), [advisory("GHSA-mmmm-mmmm-mmmm", "vulnerability", "moderate", ["1.0.1"], score=5.3)]),
         warn=["vulnerability-below-threshold"])
    case("unrated vulnerability counts as high",
         with_advisories(base("vuln-unrated"), [advisory("PYSEC-2025-1", "vulnerability", "unknown", ["1.0.1"])]),
         deny=["vulnerability"])
    case("high vulnerability on a tier that fails on critical",
         with_advisories(base("vuln-internal", tier="internal"), [high]), warn=["vulnerability-below-threshold"])
    case("vulnerability ignored by its alias until a later date",
         with_advisories(base("vuln-accepted"), [advisory("GHSA-iiii-iiii-iiii", "vulnerability", "high", ["2.0.0"],
                                                          aliases=["CVE-2025-2"])]), warn=["advisory-ignored"])
    case("vulnerability whose ignore expired",
         with_advisories(base("vuln-expired"), [advisory("GHSA-eeee-eeee-eeee", "vulnerability", "critical", ["2.0.0"])]),
         deny=["vulnerability"], warn=["advisory-ignore-expired"])
    case("ignore that names other packages",
         with_advisories(base("vuln-elsewhere"), [advisory("GHSA-iiii-iiii-iiii", "vulnerability", "high", ["2.0.0"],
                                                           aliases=["CVE-2025-2"])]), deny=["vulnerability"])
    return c


def user_cases():
    c = []

    def case(name, doc, deny=(), quarantine=(), warn=()):
        c.append({"name": name, "input": doc,
                  "expect": {"deny": sorted(deny), "quarantine": sorted(quarantine), "warn": sorted(warn)}})

    case("clean", base("clean"))
    case("young production dependency (user cooldown)", young(base("fresh"), 2.0), quarantine=["fallback-cooldown"])
    case("young dev dependency (user cooldown lets it pass)", set_(young(base("fresh-dev"), 2.0), "package.dev", True))
    case("young public only upstream (default cooldown_tiers)", young(base("public-only", fallback=False), 2.0),
         quarantine=["fallback-cooldown"])
    case("young private first in chain (no cooldown)", young(base("private-first", tier="private", fallback=False), 2.0))
    case("deprecation switched off", set_(base("old"), "resolution.deprecated", "unmaintained"))
    case("banned package (YAML data)", base("event-stream", version="3.3.6"), deny=["banned-package"])
    case("unapproved scope (JSON data)", base("@evil/x"), warn=["unapproved-scope"])
    case("approved scope", base("@acme/x"))
    case("builtin rules still apply", set_(base("tampered"), "resolution.lockfile_integrity", "mismatch"), deny=["integrity-mismatch"])
    return c


for suite, cases in (("main", main_cases()), ("user", user_cases())):
    with open(os.path.join(HERE, suite, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{suite}: {len(cases)} cases")
