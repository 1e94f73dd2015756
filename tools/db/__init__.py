"""Database servers: PostgreSQL and MariaDB/MySQL databases, their backups; Redis health."""

from __future__ import annotations

from tools.db import backup_tools, tools
from tools.db.tools import family

__all__ = ["backup_tools", "family", "tools"]
