# depgate policy entry points: what depgate reads out of a policy.
#
#   data.depgate.deny        set of findings: the package is refused
#   data.depgate.quarantine  set of findings (with "until"): refused until that time
#   data.depgate.warn        set of findings: allowed, but reported
#
# A finding is {"rule": <stable code>, "msg": <what happened, naming the package>,
# "remedy": <what to do>} (+ "until" for quarantines). The builtin rules live in
# package depgate.builtin (builtin.rego) and reach these sets through the filter below, so
# each one can be switched off by its code:
#
#   - in depgate.toml:   [policy] disable = ["deprecated-version"]
#   - in a user module:  override contains "fallback-cooldown"
#                        (then write your own rule under the same code, if you want one)
#
# User modules in `package depgate` add findings with `deny contains {...} if {...}` etc.
package depgate

import data.depgate.builtin

deny contains f if {
	some f in builtin.deny
	not f.rule in override
}

quarantine contains f if {
	some f in builtin.quarantine
	not f.rule in override
}

warn contains f if {
	some f in builtin.warn
	not f.rule in override
}

# Builtin rule codes that are switched off. User modules may add to this set.
override contains code if {
	some code in builtin.settings.disable
}

# The three sets in one document: depgate evaluates this one entry point, so rules the
# sets share are computed once per input. (Reserved name: do not define it yourself.)
outcome := {"deny": deny, "quarantine": quarantine, "warn": warn}
