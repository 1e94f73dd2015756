"""Host health through psutil: overview, disks, memory, network and the busiest processes."""

from tools.system import disks, memory, network, overview, processes
from tools.system.base import PSEUDO_FS, family

__all__ = ["PSEUDO_FS", "disks", "family", "memory", "network", "overview", "processes"]
