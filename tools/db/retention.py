"""Which backups to keep: the newest of each of N days and of each of M weeks (pure logic).

Rules, for the finished backups of one database:
- every backup younger than a day is kept (a backup taken before an upgrade survives the
  one taken after it), and the newest backup and the newest regular one are always kept;
- regular (manual or scheduled) backups: the newest of each of the `keep_daily` most recent
  calendar days (UTC) that have one, and the newest of each of the `keep_weekly` most recent
  ISO weeks;
- safety backups (taken before a restore) stay out of those buckets, so a restore never pushes
  out the backup it restores from; a day after they were taken they go (unless newest).
Everything else may go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

KEEP_ALL_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class Kept:
    """What retention needs to know of a backup."""

    id: str
    created_at: datetime
    kind: str


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newest_per(backups: Sequence[Kept], key: str, count: int) -> set[str]:
    """The newest backup in each of the `count` most recent buckets (days or weeks)."""
    buckets: dict[tuple[int, ...], Kept] = {}
    for b in backups:
        day = _utc(b.created_at).astimezone(UTC).date()
        iso = day.isocalendar()
        bucket = (day.year, day.month, day.day) if key == "day" else (iso.year, iso.week)
        if bucket not in buckets or _utc(b.created_at) > _utc(buckets[bucket].created_at):
            buckets[bucket] = b
    recent = sorted(buckets, reverse=True)[:count]
    return {buckets[k].id for k in recent}


def to_delete(
    backups: Sequence[Kept], *, keep_daily: int, keep_weekly: int, now: datetime
) -> list[str]:
    """Ids of the backups retention lets go, oldest first."""
    if not backups:
        return []
    ordered = sorted(backups, key=lambda b: _utc(b.created_at))
    regular = [b for b in ordered if b.kind != "safety"]
    keep = {ordered[-1].id}
    if regular:
        keep.add(regular[-1].id)
    keep |= {b.id for b in ordered if _utc(now) - _utc(b.created_at) < KEEP_ALL_WITHIN}
    keep |= _newest_per(regular, "day", keep_daily)
    keep |= _newest_per(regular, "week", keep_weekly)
    return [b.id for b in ordered if b.id not in keep]
