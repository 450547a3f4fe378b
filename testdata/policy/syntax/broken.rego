package depgate

deny contains {"rule": "x", "msg": "y"} if {
	input.package.name == 
}
