"""Docker tools: containers, logs, stats, lifecycle, images, disk usage, prune, Compose."""

from tools.docker import (
    compose,
    compose_check,
    containers,
    engine,
    lifecycle,
    observe,
    prune,
    reclaim,
)
from tools.docker.base import family

__all__ = [
    "compose",
    "compose_check",
    "containers",
    "engine",
    "family",
    "lifecycle",
    "observe",
    "prune",
    "reclaim",
]
