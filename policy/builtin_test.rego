# Tests of the builtin policy, in Rego: `depgate policy test policy/` runs them on depgate's
# engine, `opa test policy/` on OPA's. A template of how to test your own rules.
package depgate_builtin_test

import data.depgate

pkg(name) := {
	"ecosystem": "npm", "name": name, "version": "1.0.0",
	"purl": sprintf("pkg:npm/%s@1.0.0", [name]),
	"direct": true, "dev": false, "source": "registry",
}

resolution(tier, fallback, age_days, published_at) := {
	"status": "owned", "upstream": tier, "tier": tier, "priority": 2, "fallback": fallback,
	"ownership": {"bound_by": "chain", "upstream": tier},
	"version_found": true, "published_at": published_at, "age_days": age_days,
	"digests": {}, "lockfile_integrity": "match", "artifact_integrity": "not_downloaded",
	"fell_through": [],
}

doc(name, tier, fallback, age_days) := {
	"package": pkg(name),
	"resolution": resolution(tier, fallback, age_days, "2025-10-26T00:00:00Z"),
	"verification": {"status": "unverifiable", "attestations": []},
	"license": "MIT",
	"baseline": null,
	"context": {"mode": "check", "now": "2025-10-28T00:00:00Z"},
}

rules(findings) := {f.rule | some f in findings}

test_young_fallback_version_is_quarantined_until_publish_plus_cooldown if {
	some f in depgate.quarantine with input as doc("fresh", "public", true, 2)
	f.rule == "fallback-cooldown"
	f.until == "2025-11-02T00:00:00Z"
}

test_same_version_from_the_curated_tier_is_allowed if {
	count(depgate.quarantine) == 0 with input as doc("fresh", "curated", false, 2)
}

test_tier_sets_its_own_cooldown if {
	cfg := {"quarantine_days": 7, "tiers": {"public": {"quarantine_days": 14}}}
	some f in depgate.quarantine with input as doc("fresh", "public", true, 10) with data.config as cfg
	f.until == "2025-11-09T00:00:00Z"
}

test_security_fix_passes_with_a_warning if {
	cfg := {"security_fixes": {"fixme@1.0.0": "GHSA-x: fixes RCE"}}
	inp := doc("fixme", "public", true, 1)
	count(depgate.quarantine) == 0 with input as inp with data.config as cfg
	"security-fix-exemption" in rules(depgate.warn) with input as inp with data.config as cfg
}

test_disabled_rule_does_not_fire if {
	cfg := {"disable": ["fallback-cooldown"]}
	count(depgate.quarantine) == 0 with input as doc("fresh", "public", true, 2) with data.config as cfg
}

test_denied_licence_only_when_every_choice_is_denied if {
	cfg := {"license_deny": ["GPL-*"]}
	gpl := object.union(doc("gpl", "public", false, 300), {"license": "GPL-3.0-only", "license_choices": [["GPL-3.0-only"]]})
	dual := object.union(doc("dual", "public", false, 300), {"license": "MIT OR GPL-3.0-only", "license_choices": [["GPL-3.0-only"], ["MIT"]]})
	"license-denied" in rules(depgate.deny) with input as gpl with data.config as cfg
	count(depgate.deny) == 0 with input as dual with data.config as cfg
}

test_tier_downgrade_against_the_baseline if {
	inp := object.union(doc("moved", "public", true, 300), {"baseline": {"version": "0.9.0", "tier": "curated", "upstream": "curated", "fallback": false, "verification": "unverifiable", "identity": null}})
	"trust-downgrade-tier" in rules(depgate.deny) with input as inp
}

test_attestation_disappeared if {
	inp := object.union(doc("unsigned", "curated", false, 300), {"baseline": {"version": "0.9.0", "tier": "curated", "fallback": false, "verification": "verified", "identity": null}})
	"attestation-disappeared" in rules(depgate.deny) with input as inp
}

pgp_signed(d, fpr) := object.union(d, {"verification": {"status": "verified", "attestations": [{"kind": "pgp-signature", "verified": true, "fingerprint": fpr, "key_id": substring(fpr, 24, 16)}]}})

test_a_new_openpgp_key_is_an_identity_downgrade if {
	base := {"version": "0.9.0", "tier": "public", "fallback": false, "verification": "verified", "identity": {"fingerprint": "A5BD02B93E7A40482EB1D66A5F69AD087600B22C"}}
	same := object.union(pgp_signed(doc("asm", "public", false, 300), "A5BD02B93E7A40482EB1D66A5F69AD087600B22C"), {"baseline": base})
	other := object.union(pgp_signed(doc("asm", "public", false, 300), "6F538074CCEBF35F28AF9B066A0975F8B1127B83"), {"baseline": base})
	not "trust-downgrade-identity" in rules(depgate.deny) with input as same
	"trust-downgrade-identity" in rules(depgate.deny) with input as other
}

test_signature_required_accepts_openpgp_unless_the_tier_says_no if {
	d := pgp_signed(doc("signed", "private", false, 300), "A5BD02B93E7A40482EB1D66A5F69AD087600B22C")
	count(depgate.deny) == 0 with input as d with data.config as {"tiers": {"private": {"require": "signature"}}}
	"signature-required" in rules(depgate.deny) with input as d with data.config as {"tiers": {"private": {"require": "signature", "accept_pgp": false}}}
}

test_clean_package_is_allowed if {
	inp := doc("clean", "public", true, 300)
	count(depgate.deny) + count(depgate.quarantine) + count(depgate.warn) == 0 with input as inp
}

# --- advisories ---------------------------------------------------------------------------

advisory(id, kind, severity, fixed) := {
	"id": id, "aliases": ["CVE-2099-1"], "records": [id], "kind": kind, "severity": severity,
	"affected": [">=0, <2.0.0"], "fixed": fixed, "url": "https://osv.dev/vulnerability/x",
	"source": "osv", "digest": "sha256:00",
}

with_advisories(d, list, upgrade) := object.union(d, {
	"package": object.union(d.package, {"advisories": list}),
	"advisories": {"status": "checked", "database": "sha256:00", "matched": list, "upgrade": upgrade},
})

test_malware_is_denied_even_when_ignored if {
	d := with_advisories(doc("evil", "curated", false, 30), [advisory("MAL-1", "malware", "critical", [])], [])
	cfg := {"advisories": {"fail_on_severity": "high", "ignore": {"MAL-1": {"reason": "r", "until": "2099-01-01", "expires": "2099-01-02T00:00:00Z", "purls": []}}}}
	"malware" in rules(depgate.deny) with input as d with data.config as cfg
}

test_high_vulnerability_is_denied_and_the_remedy_names_the_upgrade_past_the_cooldown if {
	d := with_advisories(doc("lib", "public", true, 30), [advisory("GHSA-1", "vulnerability", "high", ["2.0.0"])], [{"version": "2.0.0", "age_days": 1}, {"version": "2.0.1", "age_days": 20}])
	some f in depgate.deny with input as d
	f.rule == "vulnerability"
	f.advisory == "GHSA-1"
	contains(f.remedy, "upgrade to 2.0.1")
}

test_threshold_is_per_tier if {
	d := with_advisories(doc("lib", "curated", false, 30), [advisory("GHSA-1", "vulnerability", "high", ["2.0.0"])], [])
	cfg := {"tiers": {"curated": {"fail_on_severity": "critical"}}}
	not "vulnerability" in rules(depgate.deny) with input as d with data.config as cfg
	"vulnerability-below-threshold" in rules(depgate.warn) with input as d with data.config as cfg
}

test_unknown_severity_counts_as_high if {
	d := with_advisories(doc("lib", "curated", false, 30), [advisory("PYSEC-1", "vulnerability", "unknown", [])], [])
	"vulnerability" in rules(depgate.deny) with input as d
	"vulnerability-unfixed" in rules(depgate.warn) with input as d
}

test_an_ignore_by_alias_holds_until_it_expires if {
	d := with_advisories(doc("lib", "curated", false, 30), [advisory("GHSA-1", "vulnerability", "critical", ["2.0.0"])], [])
	cfg := {"advisories": {"fail_on_severity": "high", "ignore": {"CVE-2099-1": {"reason": "not reachable", "until": "2025-10-28", "expires": "2025-10-29T00:00:00Z", "purls": ["pkg:npm/lib@*"]}}}}
	not "vulnerability" in rules(depgate.deny) with input as d with data.config as cfg
	"advisory-ignored" in rules(depgate.warn) with input as d with data.config as cfg
	later := object.union(d, {"context": {"mode": "check", "now": "2025-10-29T00:00:00Z"}})
	"vulnerability" in rules(depgate.deny) with input as later with data.config as cfg
	"advisory-ignore-expired" in rules(depgate.warn) with input as later with data.config as cfg
}

test_an_ignore_for_other_purls_does_not_apply if {
	d := with_advisories(doc("lib", "curated", false, 30), [advisory("GHSA-1", "vulnerability", "critical", ["2.0.0"])], [])
	cfg := {"advisories": {"ignore": {"GHSA-1": {"reason": "r", "until": "2099-01-01", "expires": "2099-01-02T00:00:00Z", "purls": ["pkg:npm/other@*"]}}}}
	"vulnerability" in rules(depgate.deny) with input as d with data.config as cfg
}

# OpenVet reviews: `reviews` is what the trusted logs concluded, `package.reviews` the audits.
reviewed(name, tier, age_days, verdict, req_status, claims) := object.union(
	doc(name, tier, true, age_days),
	{
		"package": object.union(pkg(name), {"reviews": [{
			"log": "acme", "subject": sprintf("npm:%s@1.0.0#sha512:00", [name]), "subject_match": true,
			"status": "verified", "auditors": ["sha256:00"], "claims": claims,
		}]}),
		"reviews": {
			"status": "checked", "subjects": [], "verdict": verdict, "reviews": [],
			"requirements": [{"name": "is-benign", "status": req_status, "decided_by": ["acme"]}],
		},
	},
)

test_a_log_saying_not_benign_denies if {
	"review-contradicted" in rules(depgate.deny) with input as reviewed("bad", "public", 300, "fail", "contradicted", {"is-benign": false})
}

test_review_required_for_the_tier_denies_without_a_passing_review if {
	cfg := {"reviews": {"required_tiers": ["public"]}}
	inp := reviewed("unsure", "public", 300, "fail", "not-asserted", {"uses-network": true})
	"review-required" in rules(depgate.deny) with input as inp with data.config as cfg
	not "review-required" in rules(depgate.deny) with input as reviewed("ok", "public", 300, "pass", "passed", {"is-benign": true}) with data.config as cfg
}

test_a_passing_review_waives_the_cooldown_when_configured if {
	cfg := {"reviews": {"waive_cooldown": true}}
	inp := reviewed("fresh", "public", 2, "pass", "passed", {"is-benign": true})
	count(depgate.quarantine) == 0 with input as inp with data.config as cfg
	"review-cooldown-waiver" in rules(depgate.warn) with input as inp with data.config as cfg
	count(depgate.quarantine) == 1 with input as inp
}
