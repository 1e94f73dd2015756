"""Caddy: the admin API client, the desired config, snapshots with rollback, renewals, tools."""

from tools.caddy import tools
from tools.caddy.tools import family

__all__ = ["family", "tools"]
