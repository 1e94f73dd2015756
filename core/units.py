"""Sizes and durations as people read them."""

from __future__ import annotations


def size(n: float | int | None) -> str:
    """Bytes as B, KiB, MiB, GiB or TiB."""
    value = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def duration(seconds: float | int | None) -> str:
    """Seconds as "3 d 4 h", "5 h 2 min", "12 min" or "40 s"."""
    s = int(seconds or 0)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
