"""Caddy: the admin API client, the desired config, snapshots with rollback, renewals, tools.

The tools (`tools.caddy.tools`) compose the durable workflows, which use this package's
client: the catalog imports them by their module, so the package itself imports nothing.
"""
