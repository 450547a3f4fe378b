package depgate_test

import data.depgate

test_banned_package_is_denied if {
	some f in depgate.deny with input as {"package": {"name": "event-stream", "purl": "pkg:npm/event-stream@3.3.6", "version": "3.3.6", "ecosystem": "npm", "source": "registry"}}
	f.rule == "banned-package"
}

test_approved_scope_passes if {
	count(depgate.warn) == 0 with input as {"package": {"name": "@acme/x", "purl": "pkg:npm/%40acme/x@1.0.0", "version": "1.0.0", "ecosystem": "npm", "source": "registry"}}
}
