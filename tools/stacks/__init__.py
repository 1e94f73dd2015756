"""Compose stacks from git: list, git status, diff, logs, health-gated deploy and rollback."""

from tools.stacks import deploy
from tools.stacks.tools import family

__all__ = ["deploy", "family"]
