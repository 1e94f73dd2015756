"""Domain tools: list, status, health, add, provision, deprovision, renew, repoint, resume."""

from tools.domains import recovery, repoint, tools
from tools.domains.tools import family

__all__ = ["family", "recovery", "repoint", "tools"]
