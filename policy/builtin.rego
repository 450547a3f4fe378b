# depgate builtin policy: one rule per stable code.
#
# Input: one `depgate.input/v1` document per coordinate (docs/policy.md,
# schema/depgate.input.v1.schema.json). Output: sets `deny`, `quarantine` and `warn` of
# findings {"rule", "msg", "remedy"} (+ "until" for quarantines), which package depgate
# (depgate.rego) passes on unless the rule's code is overridden. Settings come from
# depgate.toml as data.config; every key has a default here, so the policy also runs
# without them (opa eval, policy tests).
#
# Written for the VM as well as for people: every rule body the VM enters and every rule
# it calls costs it about the same, whether or not the rule matches (and cached or not).
# So bodies test the input's own fields before they call helper rules (`found`, `young`),
# and rule families that share a precondition (images, advisories, licence lists, the
# baseline) are sets of their own, asked for once behind that precondition. The result is
# the same as one `deny contains` per rule; benches/policy.sh measures the difference.
package depgate.builtin

default configured := {}

configured := data.config

# depgate hands over every setting (complete = true); elsewhere (opa eval, tests with
# `with data.config as {...}`) missing ones take their defaults.
settings := configured if {
	configured.complete == true
} else := object.union(setting_defaults, configured)

setting_defaults := {
		"quarantine_days": 7,
		"cooldown_tiers": ["public"],
		"cooldown_exempt": [],
		"require": "none",
		"disable": [],
		"tiers": {},
		"security_fixes": {},
		"license_allow": [],
		"license_deny": [],
		"license_pins": {},
		"advisories": {"fail_on_severity": "high", "ignore": {}},
		"unpinned_images": "warn",
		"reviews": {"required_tiers": [], "required_direct": false, "waive_cooldown": false},
}

purl := input.package.purl

res := object.get(input, "resolution", {})

finding(rule, msg, remedy) := {"rule": rule, "msg": msg, "remedy": remedy}

# The version exists at its owner (the usual case for a registry package).
found if {
	input.resolution.status == "owned"
	input.resolution.version_found == true
}

# A package pattern from depgate.toml: a purl glob (`pkg:npm/%40acme/*`), or a name or
# `name@version`, exact or ending in `*` (`lodash@4.17.*`, `@acme/*`).
# (For user rules; the builtin rules use `matching_patterns`, which is the same test
# written without function calls: calls are what costs most per input.)
matches_package(pattern) if purl_glob_match(pattern)

matches_package(pattern) if {
	not startswith(pattern, "pkg:")
	prefix_match(pattern, concat("@", [input.package.name, input.package.version]))
}

matches_package(pattern) if {
	not startswith(pattern, "pkg:")
	prefix_match(pattern, input.package.name)
}

# A purl glob (`*` stops at `/`). The literal start is compared first: most packages
# fail there, before the (costlier) glob.
purl_glob_match(pattern) if {
	startswith(pattern, "pkg:")
	startswith(input.package.purl, glob_literal(pattern))
	glob.match(pattern, ["/"], input.package.purl)
}

# The literal start of a glob (before its first `*`, `?`, `[` or `{`).
glob_literal(pattern) := split(split(split(split(pattern, "*")[0], "?")[0], "[")[0], "{")[0]

# Every package pattern of [policy.security_fixes] and [policy.license_pins] that matches
# this package.
package_patterns := {p | some p, _ in settings.security_fixes} | {p | some p, _ in settings.license_pins}

name_keys := {input.package.name, concat("@", [input.package.name, input.package.version])}

matching_patterns contains p if {
	some p in package_patterns
	startswith(p, "pkg:")
	startswith(input.package.purl, split(split(split(split(p, "*")[0], "?")[0], "[")[0], "{")[0])
	glob.match(p, ["/"], input.package.purl)
}

matching_patterns contains p if {
	some p in name_keys
	p in package_patterns
}

matching_patterns contains p if {
	some p in package_patterns
	not startswith(p, "pkg:")
	endswith(p, "*")
	some k in name_keys
	startswith(k, trim_suffix(p, "*"))
}

prefix_match(pattern, s) if pattern == s

prefix_match(pattern, s) if {
	endswith(pattern, "*")
	startswith(s, trim_suffix(pattern, "*"))
}

# --- integrity --------------------------------------------------------------------------

# The first algorithm both sides record with different values, as " (sha512: <label a>
# <hex>, <label b> <hex>)"; "" when they share none (PyPI: a pinned file the owner lacks).
digest_diff(a, la, b, lb) := text if {
	differing := [[x, a[x], b[x]] | some x in ["sha512", "sha384", "sha256", "sha1", "md5"]; object.get(a, x, "") != ""; object.get(b, x, "") != ""; a[x] != b[x]]
	[algo, va, vb] := differing[0]
	text := sprintf(" (%s: %s %s, %s %s)", [algo, la, va, lb, vb])
} else := ""

deny contains finding(
	"integrity-mismatch",
	sprintf("%s: the lockfile's integrity does not match what upstream %s serves for this version%s", [input.package.purl, input.resolution.upstream, digest_diff(object.get(input.resolution, "lockfile_digests", {}), "lockfile", object.get(input.resolution, "digests", {}), "upstream")]),
	"do not install it; find out why the bytes differ (republished or tampered package, or a lockfile from another registry), then regenerate the lockfile against the chain",
) if {
	input.resolution.lockfile_integrity == "mismatch"
	input.package.ecosystem != "oci"
}

# --- container images ---------------------------------------------------------------------
# The image rules are sets of their own, asked for only for an image (one test instead of
# one per rule: the VM pays for every rule body it enters, matching or not).

deny contains f if {
	input.package.ecosystem == "oci"
	some f in image_deny
}

warn contains f if {
	input.package.ecosystem == "oci"
	some f in image_warn
}

image := object.get(input.package, "image", {})

image_res := object.get(res, "image", {})

image_where := sprintf("%s:%d", [input.package.lockfile, input.package.line])

# The line to write, pinned to what the owner's tag points to now.
pin_remedy := sprintf("pin it to the digest its owner serves now, after reviewing that image: %s", [image_res.pinned_line]) if {
	image_res.pinned_line
} else := "pin it with @sha256:<digest> (crane digest or skopeo inspect gives the digest)"

image_not_pinned := finding(
	"image-not-pinned",
	sprintf("%s (%s, %s) is not pinned to a digest: tag %s can be moved to other bytes at any time", [input.package.purl, image_where, image.kind, image.tag]),
	pin_remedy,
)

image_unpinned if {
	input.package.ecosystem == "oci"
	image.digest == null
}

image_warn contains image_not_pinned if {
	image_unpinned
	settings.unpinned_images != "deny"
}

image_deny contains image_not_pinned if {
	image_unpinned
	settings.unpinned_images == "deny"
}

image_deny contains finding(
	"image-digest-not-served",
	sprintf("%s (%s): upstream %s owns %s but does not serve digest %s; lower upstreams are never asked for an owned repository", [input.package.purl, image_where, input.resolution.upstream, image.repository, image.digest]),
	"do not pull it: the pinned image is not the owner's (a digest from another registry, or one the owner deleted); pin a digest the owner serves",
) if {
	input.package.ecosystem == "oci"
	image_res.digest_served == false
}

image_warn contains finding(
	"tag-moved",
	sprintf("%s (%s): tag %s at %s now points to %s, not the pinned %s", [input.package.purl, image_where, image.tag, input.resolution.upstream, image_res.tag_digest, image.digest]),
	sprintf("review what changed, then update the pin: %s", [image_res.pinned_line]),
) if {
	input.package.ecosystem == "oci"
	image_res.digest_served == true
	image_res.tag_digest != null
	image_res.tag_digest != image.digest
}

deny contains finding(
	"integrity-mismatch",
	sprintf("%s: the downloaded artifact from %s does not match the integrity the upstream publishes%s", [input.package.purl, input.resolution.upstream, digest_diff(object.get(input.resolution, "artifact_digests", {}), "downloaded", object.get(input.resolution, "digests", {}), "published")]),
	"do not install it; the upstream serves bytes that differ from its own metadata: report it to the upstream's operators",
) if {
	input.resolution.artifact_integrity == "mismatch"
}

# --- ownership and dependency confusion -------------------------------------------------

not_found_deny contains finding(
	"not-found-in-chain",
	sprintf("%s: no upstream in the %s chain has a package of this name", [input.package.purl, input.package.ecosystem]),
	"publish it to one of the chain's upstreams, or add an upstream that carries it to depgate.toml",
) if {
	input.resolution.status == "not_found"
	not input.resolution.ownership.bound_by == "namespace"
}

not_found_deny contains finding(
	"namespace-not-found",
	sprintf("%s: the name is bound by namespace %s to upstream %s, which does not have it; bound names never fall through", [input.package.purl, input.resolution.ownership.pattern, input.resolution.ownership.upstream]),
	sprintf("publish it to %s, or remove the dependency", [input.resolution.ownership.upstream]),
) if {
	input.resolution.status == "not_found"
	input.resolution.ownership.bound_by == "namespace"
}

# Both not-found rules (a set of their own) need the name unknown to the chain.
deny contains f if {
	input.resolution.status == "not_found"
	some f in not_found_deny
}

deny contains finding(
	"not-found-in-owner",
	sprintf("%s: upstream %s (tier %s) owns the name but does not have version %s; lower upstreams are never asked for an owned name%s", [input.package.purl, input.resolution.upstream, input.resolution.tier, input.package.version, confusion_note]),
	sprintf("use a version %s has (latest: %s), or have %s added to it", [input.resolution.upstream, object.get(input.resolution, "owner_latest", "none"), input.package.version]),
) if {
	input.resolution.status == "owned"
	input.resolution.version_found == false
}

confusion_note := sprintf(" (the lockfile resolved it from %s: possible dependency confusion)", [input.resolution.lockfile_source.upstream]) if {
	input.resolution.lockfile_source.upstream != null
	input.resolution.lockfile_source.upstream != input.resolution.upstream
} else := ""

deny contains finding(
	"ownership-violation",
	sprintf("%s: the lockfile resolved it from upstream %s, but the name belongs to %s (%s)", [input.package.purl, input.resolution.lockfile_source.upstream, input.resolution.upstream, owner_reason]),
	"regenerate the lockfile with the package manager pointed at the chain (or depgate serve), so the name comes from its owner",
) if {
	input.resolution.lockfile_source.upstream != input.resolution.upstream
	input.resolution.lockfile_source.upstream != null
	found
}

owner_reason := sprintf("bound by namespace %s", [input.resolution.ownership.pattern]) if {
	input.resolution.ownership.bound_by == "namespace"
} else := "it is found there first in the chain"

warn contains finding(
	"resolved-url-mismatch",
	sprintf("%s: the lockfile's resolved URL %s is not on upstream %s, which now serves this package", [input.package.purl, input.resolution.lockfile_source.url, input.resolution.upstream]),
	"the lockfile (or a build cache) predates the move to this chain: regenerate the lockfile against the chain and clear package-manager caches (npm cache clean --force)",
) if {
	input.resolution.lockfile_source.matches_owner == false
	input.resolution.lockfile_source.upstream == null
	input.resolution.lockfile_source.url != null
	found
}

# --- cooldown (tier-aware) --------------------------------------------------------------
# Versions served by a fallback upstream (or by a tier listed in cooldown_tiers, by
# default ["public"], wherever it is in its chain) wait `quarantine_days` after
# publication; [policy.tiers.<tier>] quarantine_days sets it per tier. Exempt: cooldown_exempt purl globs, and [policy.security_fixes] entries (which
# leave a warning saying why).

tier_settings := object.get(settings.tiers, input.resolution.tier, {})

cooldown_days := object.get(tier_settings, "quarantine_days", settings.quarantine_days)

cooldown_applies if input.resolution.fallback == true

# Images wait only on fallback upstreams: base images are rebuilt all the time, so a
# first-in-chain registry's image of yesterday is the normal case.
cooldown_applies if {
	input.resolution.tier in settings.cooldown_tiers
	input.package.ecosystem != "oci"
}

cooldown_exempt if {
	some pattern in settings.cooldown_exempt
	startswith(input.package.purl, split(split(split(split(pattern, "*")[0], "?")[0], "[")[0], "{")[0])
	glob.match(pattern, ["/"], input.package.purl)
}

security_fix_reasons contains reason if {
	some pattern, reason in settings.security_fixes
	pattern in matching_patterns
}

cooldown_waived if cooldown_exempt

cooldown_waived if count(security_fix_reasons) > 0

cooldown_waived if review_waives_cooldown

cooling if {
	found
	cooldown_applies
	cooldown_days > 0
}

young if {
	cooling
	input.resolution.age_days < cooldown_days
}

# The warnings about a version inside its cooldown (a set of their own).
warn contains f if {
	young
	some f in young_warn
}

quarantine contains object.union(
	finding(
		"fallback-cooldown",
		sprintf("%s: published %.1f days ago on %s (tier %s); versions from this tier wait %v days", [input.package.purl, input.resolution.age_days, input.resolution.upstream, input.resolution.tier, cooldown_days]),
		sprintf("wait for the cooldown to end, pin a version published at least %v days ago, or exempt this one: cooldown_exempt = [\"%s\"], or for a security fix [policy.security_fixes] \"%s@%s\" = \"<advisory it fixes>\"", [cooldown_days, input.package.purl, input.package.name, input.package.version]),
	),
	{"until": until},
) if {
	young
	not cooldown_waived
	until := time.format(time.parse_rfc3339_ns(input.resolution.published_at) + round(cooldown_days * 86400) * 1000000000)
}

deny contains finding(
	"publish-time-unknown",
	sprintf("%s: upstream %s (tier %s) gives no publish time for this version, so its cooldown cannot be checked", [input.package.purl, input.resolution.upstream, input.resolution.tier]),
	sprintf("exempt it with cooldown_exempt = [\"%s\"] if you trust it, or serve it from an upstream that records publish times", [input.package.purl]),
) if {
	not input.resolution.published_at
	cooling
	not cooldown_waived
}

young_warn contains finding(
	"security-fix-exemption",
	sprintf("%s: published %.1f days ago on %s (tier %s), inside the %v-day cooldown, allowed as a security fix: %s", [input.package.purl, input.resolution.age_days, input.resolution.upstream, input.resolution.tier, cooldown_days, concat("; ", sort(security_fix_reasons))]),
	"remove the [policy.security_fixes] entry once the version is past its cooldown",
) if {
	not cooldown_exempt
	count(security_fix_reasons) > 0
}

# --- verification -----------------------------------------------------------------------

deny contains finding(
	"signature-violated",
	sprintf("%s: an attestation exists but does not verify: %s", [input.package.purl, concat("; ", object.get(input.verification, "reasons", []))]),
	"do not install it: the artifact or its attestation has been tampered with, or was signed by an unexpected identity",
) if {
	input.verification.status == "violated"
}

# What a package must bring: [policy.tiers.<tier>] require, else [policy] require for
# fallback upstreams.
fallback_require := settings.require if input.resolution.fallback == true else := "none"

required := object.get(tier_settings, "require", fallback_require)

# The requirement rules (a set of their own) apply only where a tier requires something.
deny contains f if {
	required != "none"
	some f in required_deny
}

attestation_ok(a) if object.get(a, "verified", true) == true

has_provenance if {
	input.verification.status == "verified"
	some a in input.verification.attestations
	attestation_ok(a)
	startswith(object.get(a, "predicate_type", ""), "https://slsa.dev/provenance/")
}

required_deny contains finding(
	"provenance-required",
	sprintf("%s: served by upstream %s (tier %s%s) without verified SLSA provenance (verification: %s)", [input.package.purl, input.resolution.upstream, input.resolution.tier, fallback_note, input.verification.status]),
	"use a version that publishes provenance, serve it from an upstream whose tier does not require it, or lower require in depgate.toml",
) if {
	required == "provenance"
	input.resolution.status == "owned"
	checked
	not has_provenance
}

# A verified OpenPGP signature counts as a signature unless the tier says
# `accept_pgp = false`; any other verified attestation always does.
signature_kind_ok(a) if a.kind != "pgp-signature"

signature_kind_ok(a) if {
	a.kind == "pgp-signature"
	object.get(tier_settings, "accept_pgp", true) == true
}

has_signature if {
	input.verification.status == "verified"
	some a in input.verification.attestations
	attestation_ok(a)
	signature_kind_ok(a)
}

required_deny contains finding(
	"signature-required",
	sprintf("%s: served by upstream %s (tier %s%s) without a verified signature (verification: %s)", [input.package.purl, input.resolution.upstream, input.resolution.tier, fallback_note, input.verification.status]),
	"use a version that is signed, serve it from an upstream whose tier does not require it, or lower require in depgate.toml",
) if {
	required == "signature"
	input.resolution.status == "owned"
	checked
	not has_signature
}

fallback_note := ", fallback" if input.resolution.fallback == true else := ""

# `pending`: the proxy lists a version before it fetches (and verifies) the artifact;
# requirements on verification are decided when the artifact itself is asked for.
checked if input.verification.status != "pending"

# --- licences ---------------------------------------------------------------------------
# depgate gives the declared SPDX expression as `license` and its choices as
# `license_choices` ("MIT OR Apache-2.0" -> [["Apache-2.0"], ["MIT"]]). A list entry
# matches a licence id case-insensitively, exactly or by a trailing `*`; an entry matches
# "X WITH exception" when it matches X. A package pinned in [policy.license_pins] skips the
# lists (it was reviewed) but is denied when its licence changes.

upstream_name := object.get(input, ["resolution", "upstream"], "no upstream")

# The licence rules (a set of their own) apply only where a licence list or pin is set.
license_checked if {
	s := settings
	count(s.license_deny) + count(s.license_allow) + count(s.license_pins) > 0
}

deny contains f if {
	license_checked
	some f in license_deny
}

license_choices := object.get(input, "license_choices", [[input.license]])

# Licence ids of this package (lower case), each with the list entries it matches. An
# entry matches an id exactly or by a trailing `*`, and "X WITH e" also by X.
license_deny_exact := {lower(p) | some p in settings.license_deny; not endswith(p, "*")}

license_deny_prefix := {lower(trim_suffix(p, "*")) | some p in settings.license_deny; endswith(p, "*")}

license_allow_exact := {lower(p) | some p in settings.license_allow; not endswith(p, "*")}

license_allow_prefix := {lower(trim_suffix(p, "*")) | some p in settings.license_allow; endswith(p, "*")}

# term -> the lower-case forms a list entry may match: the term and, for "X WITH e", X.
license_term_forms[term] := forms if {
	some choice in license_choices
	some term in choice
	forms := {lower(term), lower(split(term, " WITH ")[0])}
}

denied_terms contains term if {
	some term, forms in license_term_forms
	some f in forms
	f in license_deny_exact
}

denied_terms contains term if {
	some term, forms in license_term_forms
	some f in forms
	some pre in license_deny_prefix
	startswith(f, pre)
}

allowed_terms contains term if {
	some term, forms in license_term_forms
	some f in forms
	f in license_allow_exact
}

allowed_terms contains term if {
	some term, forms in license_term_forms
	some f in forms
	some pre in license_allow_prefix
	startswith(f, pre)
}

# For user rules: the same tests as functions.
term_denied(term) if term in denied_terms

term_allowed(term) if term in allowed_terms

license_pins contains pin if {
	some pattern, pin in settings.license_pins
	pattern in matching_patterns
}

license_pinned if count(license_pins) > 0

license_denied if {
	input.license
	count([c | some c in license_choices; count([t | some t in c; t in denied_terms]) == 0]) == 0
}

license_deny contains finding(
	"license-denied",
	sprintf("%s (from %s): licence %s is denied by license_deny (%s)", [input.package.purl, upstream_name, input.license, concat(", ", sort(denied_terms))]),
	sprintf("replace the dependency, or after a licence review pin it: [policy.license_pins] \"%s\" = \"%s\"", [input.package.name, input.license]),
) if {
	count(settings.license_deny) > 0
	not license_pinned
	license_denied
}

license_deny contains finding(
	"license-not-allowed",
	sprintf("%s (from %s): licence %s is not in license_allow", [input.package.purl, upstream_name, input.license]),
	sprintf("replace the dependency, add the licence to license_allow, or after a licence review pin it: [policy.license_pins] \"%s\" = \"%s\"", [input.package.name, input.license]),
) if {
	count(settings.license_allow) > 0
	not license_pinned
	input.license
	not license_denied
	count([c | some c in license_choices; count([t | some t in c; not t in allowed_terms]) == 0]) == 0
}

license_deny contains finding(
	"license-not-allowed",
	sprintf("%s (from %s): declares no licence, and license_allow is set", [input.package.purl, upstream_name]),
	sprintf("replace the dependency, or after a licence review pin it: [policy.license_pins] \"%s\" = \"<licence>\"", [input.package.name]),
) if {
	not input.license
	# depgate reads no licence of an image (its layers hold many packages' licences).
	input.package.ecosystem != "oci"
	count(settings.license_allow) > 0
	not license_pinned
	found
}

lowered(choices) := {{lower(t) | some t in c} | some c in choices}

license_deny contains finding(
	"license-changed",
	sprintf("%s (from %s): licence is now %s, but it was reviewed under %s ([policy.license_pins])", [input.package.purl, upstream_name, object.get(input, "license", "(none)"), pin.expression]),
	sprintf("review the new licence; if it is acceptable update the pin to \"%s\", otherwise stay on a version under %s", [object.get(input, "license", ""), pin.expression]),
) if {
	some pin in license_pins
	input.license
	lowered(pin.choices) != lowered(license_choices)
}

license_deny contains finding(
	"license-changed",
	sprintf("%s (from %s): declares no licence, but it was reviewed under %s ([policy.license_pins])", [input.package.purl, upstream_name, pin.expression]),
	sprintf("stay on a version under %s, or review the package again and remove the pin", [pin.expression]),
) if {
	some pin in license_pins
	found
	not input.license
}

# --- trust downgrade against the baseline -----------------------------------------------
# input.baseline is the package's previous trust state (a base-branch decisions.json given
# with --baseline, or the committed depgate.trust.json): null when there is none.

# The stable part of a signer identity: issuer, repository and workflow file. The
# workflow's `@ref` suffix changes with every release, so it is dropped.
identity_of(a) := {
	"issuer": object.get(a, "issuer", null),
	"source_repo": object.get(a, "source_repo", null),
	"workflow": workflow_of(a),
} if not a.fingerprint

# An OpenPGP signer is its primary key: a new key is an identity change.
identity_of(a) := {"fingerprint": a.fingerprint} if a.fingerprint

workflow_of(a) := split(a.workflow, "@")[0] if is_string(a.workflow)

workflow_of(a) := null if not is_string(a.workflow)

current_identities contains identity_of(a) if {
	input.verification.status == "verified"
	some a in input.verification.attestations
	attestation_ok(a)
}

show_identity(id) := sprintf("%v %v (issuer %v)", [
	object.get(id, "source_repo", null),
	object.get(id, "workflow", null),
	object.get(id, "issuer", null),
]) if not id.fingerprint

show_identity(id) := sprintf("OpenPGP key %v", [id.fingerprint]) if id.fingerprint

# The trust-downgrade rules (a set of their own) apply only where there is a baseline.
deny contains f if {
	is_object(input.baseline)
	some f in baseline_deny
}

accept_remedy := "if the change is expected, accept it with `depgate trust update` and commit depgate.trust.json (or merge the base branch); otherwise find out what changed before installing"

baseline_deny contains finding(
	"trust-downgrade-tier",
	sprintf("%s: the baseline had it from %s (tier %s, first choice), now it falls back to %s (tier %s)", [input.package.purl, object.get(input.baseline, "upstream", "?"), object.get(input.baseline, "tier", "?"), input.resolution.upstream, input.resolution.tier]),
	sprintf("find out why %s no longer serves it (removed, renamed, access lost); %s", [object.get(input.baseline, "upstream", "the curated upstream"), accept_remedy]),
) if {
	input.baseline.fallback == false
	input.resolution.status == "owned"
	input.resolution.fallback == true
}

baseline_deny contains finding(
	"trust-downgrade-identity",
	sprintf("%s (from %s): signed by %s, but the baseline (%s) was signed by %s", [input.package.purl, upstream_name, concat(" / ", sort([show_identity(i) | some i in current_identities])), object.get(input.baseline, "version", "?"), show_identity(input.baseline.identity)]),
	sprintf("check that the project really moved its release pipeline; %s", [accept_remedy]),
) if {
	is_object(input.baseline.identity)
	count(current_identities) > 0
	not input.baseline.identity in current_identities
}

baseline_deny contains finding(
	"attestation-disappeared",
	sprintf("%s (from %s): the baseline (%s) was verified, this version has no attestation", [input.package.purl, upstream_name, object.get(input.baseline, "version", "?")]),
	sprintf("stay on the attested version %s, or ask the publisher why provenance stopped; %s", [object.get(input.baseline, "version", "?"), accept_remedy]),
) if {
	input.baseline.verification == "verified"
	input.verification.status == "unverifiable"
}

# --- sources outside the chain and hygiene ----------------------------------------------

# The rules about sources other than a registry (a set of their own).
warn contains f if {
	input.package.source != "registry"
	some f in source_warn
}

source_warn contains finding(
	"unresolvable-source",
	sprintf("%s: comes from %s %s, not from a registry, so the chain cannot vouch for it", [input.package.purl, input.package.source, object.get(input.package, "location", "")]),
	"publish it to a registry upstream and depend on it by version",
) if {
	input.package.source in {"git", "tarball"}
}

# A Maven file outside any repository layout (a `system` scope jar, a `systemPath`, a jar
# copied into the project): no upstream serves it and nothing vouches for its bytes.
source_warn contains finding(
	"unresolvable-source",
	sprintf("%s: the build uses the local file %s, which is outside any Maven repository layout, so the chain cannot vouch for it", [input.package.purl, object.get(input.package, "location", "(no path)")]),
	"publish it to a Maven upstream of the chain and depend on it by coordinates",
) if {
	input.package.ecosystem == "maven"
	input.package.source == "file"
}

warn contains finding(
	"deprecated-version",
	sprintf("%s: deprecated by its publisher on %s: %s", [input.package.purl, upstream_name, input.resolution.deprecated]),
	sprintf("upgrade to a supported version (latest: %s)", [object.get(input.resolution, "owner_latest", "unknown")]),
) if {
	input.resolution.deprecated
}

deny contains finding(
	"yanked-version",
	sprintf("%s: yanked from %s: %v", [input.package.purl, upstream_name, input.resolution.yanked]),
	sprintf("use a version that is not yanked (latest: %s)", [object.get(input.resolution, "owner_latest", "unknown")]),
) if {
	input.resolution.yanked
}

# --- advisories (vulnerabilities and malware) -------------------------------------------
# `input.package.advisories`: the OSV advisories that name this version, merged by alias
# (`id`, `aliases`, `kind` vulnerability|malware, `severity` low|moderate|high|critical|
# unknown, `score`, `fixed`, …). `input.advisories.upgrade`: the nearest newer releases
# no advisory names, oldest first. Settings: [advisories] fail_on_severity (per tier:
# [policy.tiers.<tier>] fail_on_severity) and [advisories.ignore] (a reason and an expiry
# each; an expired ignore stops working and says so). Malware is never ignored.

# The advisory rules (sets of their own) are asked for only when an advisory names the package.
deny contains f if {
	count(input.package.advisories) > 0
	some f in advisory_deny
}

warn contains f if {
	count(input.package.advisories) > 0
	some f in advisory_warn
}

advisory_settings := object.union({"fail_on_severity": "high", "ignore": {}}, object.get(settings, "advisories", {}))

advisory_tier_settings := object.get(settings.tiers, object.get(res, "tier", ""), {})

severity_threshold := object.get(advisory_tier_settings, "fail_on_severity", advisory_settings.fail_on_severity)

# `unknown` (no rating, no vector) counts as high: never as harmless.
severity_rank := {"low": 1, "moderate": 2, "high": 3, "critical": 4, "unknown": 3}

advisory_ids(a) := {a.id} | {x | some x in a.aliases}

now_ns := time.parse_rfc3339_ns(input.context.now)

# The ignore entries that name advisory `a` for this package: [id, entry].
ignores_of(a) := [[id, entry] |
	some id, entry in advisory_settings.ignore
	id in advisory_ids(a)
	ignore_covers(entry)
]

ignore_covers(entry) if count(object.get(entry, "purls", [])) == 0

ignore_covers(entry) if {
	some p in entry.purls
	glob.match(p, ["/"], purl)
}

ignore_expired(entry) if now_ns >= time.parse_rfc3339_ns(entry.expires)

ignored(a) if {
	some [_, entry] in ignores_of(a)
	not ignore_expired(entry)
}

# The remedy's upgrade: the first offered release the cooldown lets through.
upgrade_allowed(u) if not cooldown_applies

upgrade_allowed(u) if {
	cooldown_applies
	u.age_days >= cooldown_days
}

upgrade_to := [u.version | some u in object.get(object.get(input, "advisories", {}), "upgrade", []); upgrade_allowed(u)][0]

advisory_remedy(a) := sprintf("upgrade to %s, which no known advisory names", [upgrade_to]) if {
	upgrade_to
} else := sprintf("upgrade to a version that fixes it (fixed in %s)", [concat(", ", a.fixed)]) if {
	count(a.fixed) > 0
} else := sprintf("no fixed version is published: remove or replace the dependency, or accept the risk with [advisories.ignore] \"%s\" = { reason = \"…\", until = \"YYYY-MM-DD\" }", [a.id])

advisory_finding(rule, msg, remedy, a) := {"rule": rule, "msg": msg, "remedy": remedy, "advisory": a.id}

severity_text(a) := sprintf("%s, CVSS %v", [a.severity, a.score]) if {
	a.score != null
} else := a.severity

advisory_deny contains advisory_finding(
	"malware",
	sprintf("%s: named as malware by %s (%s)%s", [purl, a.id, object.get(a, "summary", "malicious package"), alias_note(a)]),
	"do not install it and treat any machine that installed it as compromised: remove the dependency, rotate the credentials it could reach, and check how it entered the lockfile",
	a,
) if {
	some a in input.package.advisories
	a.kind == "malware"
}

advisory_deny contains advisory_finding(
	"vulnerability",
	sprintf("%s: %s (%s)%s: %s; affected %s", [purl, a.id, severity_text(a), alias_note(a), object.get(a, "summary", "known vulnerability"), concat(" || ", a.affected)]),
	advisory_remedy(a),
	a,
) if {
	some a in input.package.advisories
	a.kind == "vulnerability"
	not ignored(a)
	severity_threshold != "never"
	severity_rank[a.severity] >= severity_rank[severity_threshold]
}

advisory_warn contains advisory_finding(
	"vulnerability-unfixed",
	sprintf("%s: %s (%s) has no fixed version%s", [purl, a.id, severity_text(a), below_note(a)]),
	advisory_remedy(a),
	a,
) if {
	some a in input.package.advisories
	a.kind == "vulnerability"
	not ignored(a)
	count(a.fixed) == 0
}

advisory_warn contains advisory_finding(
	"vulnerability-below-threshold",
	sprintf("%s: %s (%s) is below fail_on_severity %s: %s", [purl, a.id, severity_text(a), severity_threshold, object.get(a, "summary", "known vulnerability")]),
	advisory_remedy(a),
	a,
) if {
	some a in input.package.advisories
	a.kind == "vulnerability"
	not ignored(a)
	count(a.fixed) > 0
	not at_threshold(a)
}

at_threshold(a) if {
	severity_threshold != "never"
	severity_rank[a.severity] >= severity_rank[severity_threshold]
}

advisory_warn contains advisory_finding(
	"advisory-ignored",
	sprintf("%s: %s is ignored until %s: %s", [purl, a.id, entry.until, entry.reason]),
	"remove the [advisories.ignore] entry when it no longer applies",
	a,
) if {
	some a in input.package.advisories
	a.kind == "vulnerability"
	some [_, entry] in ignores_of(a)
	not ignore_expired(entry)
}

advisory_warn contains advisory_finding(
	"advisory-ignore-expired",
	sprintf("%s: the ignore of %s expired on %s (reason was: %s); it no longer applies", [purl, id, entry.until, entry.reason]),
	sprintf("fix the vulnerability, or renew [advisories.ignore] \"%s\" with a new until date and a reason that still holds", [id]),
	a,
) if {
	some a in input.package.advisories
	some [id, entry] in ignores_of(a)
	ignore_expired(entry)
}

alias_note(a) := sprintf(" (also %s)", [concat(", ", a.aliases)]) if count(a.aliases) > 0 else := ""

below_note(a) := "" if at_threshold(a) else := sprintf(", below fail_on_severity %s", [severity_threshold])

# --- reviews (OpenVet audits, [reviews]) ------------------------------------------------
# `input.reviews` is what the trusted logs say about this artifact: the requirements of
# the project's openvet.toml evaluated as OpenVet does (passed / not-asserted /
# contradicted, with the logs that decided) and the verdict; `input.package.reviews[]`
# lists the audits themselves (log, auditors, claims, subject_match, status).

review_settings := object.union(
	{"required_tiers": [], "required_direct": false, "waive_cooldown": false},
	object.get(settings, "reviews", {}),
)

review_check := object.get(input, "reviews", {})

review_satisfied if {
	review_check.status == "checked"
	review_check.verdict == "pass"
}

review_required if input.resolution.tier in review_settings.required_tiers

review_required if {
	review_settings.required_direct == true
	input.package.direct == true
}

review_unmet contains sprintf("%s %s", [r.name, r.status]) if {
	some r in object.get(review_check, "requirements", [])
	r.status != "passed"
}

review_gap := "no audit of this artifact in a trusted log" if {
	review_check.verdict == "unaudited"
} else := concat(", ", sort(review_unmet)) if {
	count(review_unmet) > 0
} else := sprintf("reviews were not checked (%s)", [object.get(review_check, "reason", "not configured")])

review_direct_note := " (direct dependency)" if input.package.direct == true else := ""

# Only where reviews were looked up (`input.reviews` present: [reviews] is configured);
# not checked (the check died) counts as not satisfied: fail closed. A version a trusted
# log calls malicious is reported once, by review-contradicted.
deny contains finding(
	"review-required",
	sprintf("%s: from tier %s%s, it needs a passing review and has none: %s", [input.package.purl, object.get(res, "tier", "none"), review_direct_note, review_gap]),
	"ask a trusted auditor to review this exact version (openvet audit), add a log that has reviewed it to [reviews.logs], or pin a reviewed version",
) if {
	input.reviews.status
	found
	review_required
	not review_satisfied
	count(review_says_malicious) == 0
}

# The rules about what the trusted logs say of this artifact (a set of their own).
deny contains f if {
	input.package.reviews
	some f in review_log_deny
}

review_says_malicious contains r.log if {
	some r in object.get(input.package, "reviews", [])
	r.status == "verified"
	r.subject_match == true
	r.claims["is-benign"] == false
}

review_log_deny contains finding(
	"review-contradicted",
	sprintf("%s: trusted review log %s says this exact artifact is not benign (is-benign = false)", [input.package.purl, concat(", ", sort(review_says_malicious))]),
	"do not use this version: read the audit (openvet info), pick a version the log does not flag, and if the audit is wrong take it up with its auditor",
) if count(review_says_malicious) > 0

review_invalid contains sprintf("%s: %s", [r.log, r.problem]) if {
	some r in object.get(input.package, "reviews", [])
	r.status == "invalid"
}

review_log_deny contains finding(
	"review-invalid",
	sprintf("%s: a trusted review log holds an audit of it that does not verify: %s", [input.package.purl, concat("; ", sort(review_invalid))]),
	"the log's host or publisher served a tampered or unauthorised audit: tell the log's owner; until it is fixed this version is not decided on its reviews",
) if count(review_invalid) > 0

review_waives_cooldown if {
	review_settings.waive_cooldown == true
	review_satisfied
}

review_passed contains sprintf("%s (%s)", [r.name, concat(", ", r.decided_by)]) if {
	some r in object.get(review_check, "requirements", [])
	r.status == "passed"
}

young_warn contains finding(
	"review-cooldown-waiver",
	sprintf("%s: published %.1f days ago on %s (tier %s), inside the %v-day cooldown, allowed because its reviews pass: %s", [input.package.purl, input.resolution.age_days, input.resolution.upstream, input.resolution.tier, cooldown_days, concat("; ", sort(review_passed))]),
	"nothing to do: [reviews] waive_cooldown lets a reviewed version skip the wait; set it to false to make reviewed versions wait too",
) if {
	not cooldown_exempt
	count(security_fix_reasons) == 0
	review_waives_cooldown
}

warn contains finding(
	"review-disappeared",
	sprintf("%s: the baseline (%s) passed its OpenVet reviews, this version does not (%s)", [input.package.purl, object.get(input.baseline, "version", "?"), object.get(review_check, "verdict", "not checked")]),
	sprintf("ask your trusted auditors to review %s, or stay on the reviewed version %s", [input.package.version, object.get(input.baseline, "version", "?")]),
) if {
	input.baseline.review == "pass"
	is_object(input.baseline)
	input.baseline.version != input.package.version
	found
	not review_satisfied
}
