"""gitdep: a fixture package served from a local git repository."""
