"""Docker tools: containers, logs, stats, lifecycle, images, disk usage, prune, Compose."""

from tools.docker import containers
from tools.docker.base import family

__all__ = ["containers", "family"]
