# Organisation rules fed by data files: banned names (YAML), approved scopes (JSON).
package depgate

deny contains {
	"rule": "banned-package",
	"msg": sprintf("%s: banned by the security team: %s", [input.package.purl, data.banned[input.package.name]]),
	"remedy": "remove it, or ask the security team to lift the ban",
} if {
	data.banned[input.package.name]
}

warn contains {
	"rule": "unapproved-scope",
	"msg": sprintf("%s: scope %s is not on the approved list", [input.package.purl, scope]),
	"remedy": "ask the platform team to approve the scope",
} if {
	startswith(input.package.name, "@")
	scope := split(input.package.name, "/")[0]
	not scope in data.scopes.approved
}
