"""Retention: the newest of each of N days and M weeks; recent and newest backups stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tools.db.retention import Kept, to_delete

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday


def nightly(days: int, kind: str = "scheduled") -> list[Kept]:
    """One backup at 03:00 on each of the last `days` days (today's is 9 hours old)."""
    return [Kept(f"d{n}", NOW.replace(hour=3) - timedelta(days=n), kind) for n in range(days)]


def test_keeps_the_newest_of_n_days_and_m_weeks() -> None:
    backups = nightly(60)
    gone = set(to_delete(backups, keep_daily=7, keep_weekly=4, now=NOW))
    kept = {b.id for b in backups} - gone
    # Days 0-6, and the newest of the 4 most recent ISO weeks: this week's is day 0 (Monday);
    # the three before end on Sundays, 1, 8 and 15 days ago.
    assert kept == {f"d{n}" for n in range(7)} | {"d8", "d15"}
    assert to_delete(backups, keep_daily=7, keep_weekly=4, now=NOW)[0] == "d59"  # oldest first


def test_several_a_day_keep_the_newest_of_older_days_and_all_of_today() -> None:
    backups = [
        Kept("today-early", NOW - timedelta(hours=10), "manual"),
        Kept("today-late", NOW - timedelta(hours=1), "manual"),
        Kept("old-early", NOW - timedelta(days=3, hours=5), "manual"),
        Kept("old-late", NOW - timedelta(days=3, hours=1), "manual"),
    ]
    assert to_delete(backups, keep_daily=7, keep_weekly=0, now=NOW) == ["old-early"]


def test_the_newest_backup_stays_however_old() -> None:
    backups = [Kept("ancient", NOW - timedelta(days=400), "manual")]
    assert to_delete(backups, keep_daily=1, keep_weekly=0, now=NOW) == []


def test_safety_backups_never_push_out_the_regular_ones_and_go_after_a_day() -> None:
    backups = [
        *nightly(3),
        Kept("safety-new", NOW - timedelta(hours=2), "safety"),
        Kept("safety-old", NOW - timedelta(days=2, hours=1), "safety"),
    ]
    gone = to_delete(backups, keep_daily=1, keep_weekly=0, now=NOW)
    # Today's nightly stays although a safety backup is newer; yesterday's goes (one day kept),
    # and the safety backup of two days ago too.
    assert gone == ["d2", "safety-old", "d1"]
    assert "safety-new" not in gone and "d0" not in gone


def test_nothing_to_prune() -> None:
    assert to_delete([], keep_daily=7, keep_weekly=4, now=NOW) == []
