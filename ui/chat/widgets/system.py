"""Props of the system overview: host, CPU, load, memory, swap, disks and a short history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tools.docker.client import parse_time
from ui.chat.widgets.base import (
    ACTION_REFRESH,
    human_bytes,
    human_duration,
    number,
    outcome_data,
    outcome_head,
    usage_tone,
)

MAX_HISTORY = 120  # samples kept for the sparklines
MAX_DISKS = 30


def _usage(block: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Percent, used and total (as text) of a memory, swap or disk block."""
    if not block:
        return None
    percent = number(block.get("percent"))
    out = {
        "percent": percent,
        "used": human_bytes(number(block.get("used"))),
        "total": human_bytes(number(block.get("total"))),
        "tone": usage_tone(percent),
    }
    if "free" in block:
        out["free"] = human_bytes(number(block.get("free")))
    if "available" in block:
        out["available"] = human_bytes(number(block.get("available")))
    return out


def _disk(mount: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **(_usage(mount) or {}),
        "path": str(mount.get("path") or "?"),
        "device": mount.get("device"),
        "fstype": mount.get("fstype"),
    }


def _seconds(value: Any) -> float | None:
    """A sample time (unix seconds or ISO 8601) as unix seconds."""
    seconds = number(value)
    if seconds is not None:
        return seconds
    parsed = parse_time(value)
    return parsed.timestamp() if parsed else None


def _history(samples: Iterable[Mapping[str, Any]]) -> list[dict[str, float]]:
    """Well-formed samples, one per time, oldest first, at most MAX_HISTORY."""
    by_time: dict[float, dict[str, float]] = {}
    for s in samples:
        t, cpu, mem = _seconds(s.get("t")), number(s.get("cpu")), number(s.get("mem"))
        if t is not None and cpu is not None and mem is not None:
            by_time[t] = {"t": t, "cpu": cpu, "mem": mem}
    return [by_time[t] for t in sorted(by_time)][-MAX_HISTORY:]


def system_overview(
    overview_outcome: Mapping[str, Any],
    disks_outcome: Mapping[str, Any] | None = None,
    memory_outcome: Mapping[str, Any] | None = None,
    history: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """SystemOverview props from `system.overview` (+ `system.disks`, `system.memory`).

    `history` holds earlier samples `{t, cpu, mem}` (t in unix seconds or ISO 8601); the
    props' `history` ends with this overview's sample, ready to be kept for the next refresh.
    """
    data = outcome_data(overview_outcome)
    detail = outcome_data(memory_outcome) if memory_outcome else {}
    memory = detail.get("memory") or data.get("memory")
    swap = detail.get("swap") or data.get("swap")
    mounts = outcome_data(disks_outcome).get("mounts") if disks_outcome else None
    disks = mounts if mounts else [data["root_disk"]] if data.get("root_disk") else []
    now = datetime.now(UTC)
    cpu = number(data.get("cpu_percent"))
    mem = number((memory or {}).get("percent"))
    samples = list(history or [])
    if cpu is not None and mem is not None:
        samples.append({"t": now.timestamp(), "cpu": cpu, "mem": mem})
    load = [x for x in (number(v) for v in data.get("load_average") or []) if x is not None]
    cpus = data.get("cpu_count_logical")
    swap_usage = _usage(swap) if swap and number(swap.get("total")) else None
    return {
        **outcome_head(overview_outcome),
        "hostname": data.get("hostname"),
        "os": data.get("os"),
        "kernel": data.get("kernel"),
        "uptime_seconds": number(data.get("uptime_seconds")),
        "uptime": human_duration(number(data.get("uptime_seconds"))),
        "cpu_percent": cpu,
        "cpu_tone": usage_tone(cpu),
        "cpu_count": cpus,
        "load": load[:3],
        "load_tone": usage_tone(load[0] / cpus * 100 if load and cpus else None),
        "memory": _usage(memory),
        "swap": swap_usage,
        "process_count": data.get("process_count"),
        "disks": [_disk(m) for m in disks[:MAX_DISKS]],
        "warnings": [str(w) for w in (outcome_data(disks_outcome or {}).get("warnings") or [])],
        "history": _history(samples),
        "sampled_at": now.isoformat(),
        "action": ACTION_REFRESH,
    }
