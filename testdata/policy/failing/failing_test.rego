# A policy test suite with one failing test: `depgate policy test` must exit non-zero.
package failing_test

import data.depgate

test_passes if {
	count(depgate.deny) == 0 with input as {"package": {"name": "x", "purl": "pkg:npm/x@1.0.0", "version": "1.0.0", "ecosystem": "npm", "source": "registry"}}
}

test_fails if {
	# A tampered lockfile is denied, so this expectation is wrong on purpose.
	count(depgate.deny) == 0 with input as {"package": {"name": "x", "purl": "pkg:npm/x@1.0.0", "version": "1.0.0", "ecosystem": "npm", "source": "registry"}, "resolution": {"status": "owned", "upstream": "public", "lockfile_integrity": "mismatch"}}
}
