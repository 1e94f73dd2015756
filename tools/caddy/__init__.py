"""Caddy: the admin API client, the desired config, snapshots with rollback, renewals."""
