"""Domain tools: list, status, health, add, provision, deprovision, renew the certificate."""

from tools.domains import tools
from tools.domains.tools import family

__all__ = ["family", "tools"]
