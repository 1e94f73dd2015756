"""DNS providers and DNS reads for the domains feature."""
