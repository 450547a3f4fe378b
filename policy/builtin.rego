# depgate builtin policy.
#
# Input: one `depgate.input/v1` document per coordinate (see docs/policy.md).
# Output: sets `deny`, `quarantine` and `warn` of findings
#   {"rule": <stable code>, "msg": <what happened, naming the package>, "remedy": <what to do>}
# (quarantine findings also carry "until"). Settings come from depgate.toml as data.config.
package depgate

default configured := {}

configured := data.config

settings := object.union(
	{"quarantine_days": 7, "cooldown_tiers": [], "cooldown_exempt": [], "require": "none"},
	configured,
)

purl := input.package.purl

res := object.get(input, "resolution", {})

finding(rule, msg, remedy) := {"rule": rule, "msg": msg, "remedy": remedy}

# --- integrity --------------------------------------------------------------------------

deny contains finding(
	"integrity-mismatch",
	sprintf("%s: the lockfile's integrity does not match what upstream %s serves for this version", [purl, res.upstream]),
	"do not install it; find out why the bytes differ (republished or tampered package, or a lockfile from another registry), then regenerate the lockfile against the chain",
) if {
	res.lockfile_integrity == "mismatch"
}

deny contains finding(
	"integrity-mismatch",
	sprintf("%s: the downloaded artifact from %s does not match the integrity the upstream publishes", [purl, res.upstream]),
	"do not install it; the upstream serves bytes that differ from its own metadata: report it to the upstream's operators",
) if {
	res.artifact_integrity == "mismatch"
}

# --- ownership and dependency confusion -------------------------------------------------

deny contains finding(
	"not-found-in-chain",
	sprintf("%s: no upstream in the %s chain has a package of this name", [purl, input.package.ecosystem]),
	"publish it to one of the chain's upstreams, or add an upstream that carries it to depgate.toml",
) if {
	res.status == "not_found"
	not res.ownership.bound_by == "namespace"
}

deny contains finding(
	"namespace-not-found",
	sprintf("%s: the name is bound by namespace %s to upstream %s, which does not have it; bound names never fall through", [purl, res.ownership.pattern, res.ownership.upstream]),
	sprintf("publish it to %s, or remove the dependency", [res.ownership.upstream]),
) if {
	res.status == "not_found"
	res.ownership.bound_by == "namespace"
}

deny contains finding(
	"not-found-in-owner",
	sprintf("%s: upstream %s (tier %s) owns the name but does not have version %s; lower upstreams are never asked for an owned name%s", [purl, res.upstream, res.tier, input.package.version, confusion_note]),
	sprintf("use a version %s has (latest: %s), or have %s added to it", [res.upstream, object.get(res, "owner_latest", "none"), input.package.version]),
) if {
	res.status == "owned"
	res.version_found == false
}

confusion_note := sprintf(" (the lockfile resolved it from %s: possible dependency confusion)", [res.lockfile_source.upstream]) if {
	res.lockfile_source.upstream != null
	res.lockfile_source.upstream != res.upstream
} else := ""

deny contains finding(
	"ownership-violation",
	sprintf("%s: the lockfile resolved it from upstream %s, but the name belongs to %s (%s)", [purl, res.lockfile_source.upstream, res.upstream, owner_reason]),
	"regenerate the lockfile with the package manager pointed at the chain (or depgate serve), so the name comes from its owner",
) if {
	res.status == "owned"
	res.version_found == true
	res.lockfile_source.upstream != null
	res.lockfile_source.upstream != res.upstream
}

owner_reason := sprintf("bound by namespace %s", [res.ownership.pattern]) if {
	res.ownership.bound_by == "namespace"
} else := "it is found there first in the chain"

warn contains finding(
	"resolved-url-mismatch",
	sprintf("%s: the lockfile's resolved URL %s is not on upstream %s, which now serves this package", [purl, res.lockfile_source.url, res.upstream]),
	"the lockfile (or a build cache) predates the move to this chain: regenerate the lockfile against the chain and clear package-manager caches (npm cache clean --force)",
) if {
	res.status == "owned"
	res.version_found == true
	res.lockfile_source.url != null
	res.lockfile_source.upstream == null
	res.lockfile_source.matches_owner == false
}

# --- cooldown ---------------------------------------------------------------------------

cooldown_applies if res.fallback == true

cooldown_applies if res.tier in settings.cooldown_tiers

exempt if {
	some pattern in settings.cooldown_exempt
	glob.match(pattern, ["/"], purl)
}

quarantine contains object.union(
	finding(
		"fallback-cooldown",
		sprintf("%s: published %.1f days ago on %s (tier %s); versions from this tier wait %v days", [purl, res.age_days, res.upstream, res.tier, settings.quarantine_days]),
		sprintf("wait until then, pin the previous version, or exempt it with cooldown_exempt = [\"%s\"] in depgate.toml", [purl]),
	),
	{"until": until},
) if {
	res.status == "owned"
	res.version_found == true
	cooldown_applies
	not exempt
	settings.quarantine_days > 0
	res.age_days < settings.quarantine_days
	until := time.format(time.parse_rfc3339_ns(res.published_at) + round(settings.quarantine_days * 86400) * 1000000000)
}

deny contains finding(
	"publish-time-unknown",
	sprintf("%s: upstream %s (tier %s) gives no publish time for this version, so its cooldown cannot be checked", [purl, res.upstream, res.tier]),
	sprintf("exempt it with cooldown_exempt = [\"%s\"] if you trust it, or serve it from an upstream that records publish times", [purl]),
) if {
	res.status == "owned"
	res.version_found == true
	cooldown_applies
	not exempt
	settings.quarantine_days > 0
	not res.published_at
}

# --- verification -----------------------------------------------------------------------

deny contains finding(
	"signature-violated",
	sprintf("%s: an attestation exists but does not verify: %s", [purl, concat("; ", object.get(input.verification, "reasons", []))]),
	"do not install it: the artifact or its attestation has been tampered with, or was signed by an unexpected identity",
) if {
	input.verification.status == "violated"
}

deny contains finding(
	"provenance-required",
	sprintf("%s: served by fallback upstream %s (tier %s) without verified %s", [purl, res.upstream, res.tier, settings.require]),
	"use a version that publishes provenance, serve it from a curated upstream, or lower [policy] require",
) if {
	settings.require != "none"
	res.status == "owned"
	res.fallback == true
	input.verification.status != "verified"
}

# --- sources outside the chain and hygiene -----------------------------------------------

warn contains finding(
	"unresolvable-source",
	sprintf("%s: comes from %s %s, not from a registry, so the chain cannot vouch for it", [purl, input.package.source, object.get(input.package, "location", "")]),
	"publish it to a registry upstream and depend on it by version",
) if {
	input.package.source in {"git", "tarball"}
}

warn contains finding(
	"deprecated-version",
	sprintf("%s: deprecated by its publisher: %s", [purl, res.deprecated]),
	"upgrade to a supported version",
) if {
	res.deprecated
}
