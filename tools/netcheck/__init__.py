"""Network checks: public IP detection by quorum and per-domain HTTPS health sweeps."""
