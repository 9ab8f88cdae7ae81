"""Workshop scenarios: TOML scripts of operator messages, meter events and attacks."""
