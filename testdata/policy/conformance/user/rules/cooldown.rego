# Replaces the builtin fallback-cooldown: dev-only dependencies do not wait.
package depgate

import data.depgate.builtin

override contains "fallback-cooldown"

quarantine contains {
	"rule": "fallback-cooldown",
	"msg": sprintf("%s: published %.1f days ago on %s; production dependencies wait %v days", [input.package.purl, input.resolution.age_days, input.resolution.upstream, builtin.cooldown_days]),
	"remedy": "wait, or mark it a dev dependency",
	"until": until,
} if {
	builtin.young
	not builtin.cooldown_waived
	not input.package.dev
	until := time.format(time.parse_rfc3339_ns(input.resolution.published_at) + round(builtin.cooldown_days * 86400) * 1000000000)
}
