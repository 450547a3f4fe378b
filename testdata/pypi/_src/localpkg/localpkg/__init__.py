"""localpkg: a fixture package installed from a local folder."""
