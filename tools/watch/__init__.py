"""Watch tools: open findings, the background agent's runs, and running the checks now."""

from tools.watch import tools
from tools.watch.tools import checks_family, findings_family, runs_family

__all__ = ["checks_family", "findings_family", "runs_family", "tools"]
