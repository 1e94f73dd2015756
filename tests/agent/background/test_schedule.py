"""The schedule as data: when jobs are due, one of a job at a time, the idle sleep."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from agent.background.schedule import Scheduler, due_jobs, next_due
from agent.background.service import Background
from agent.runtime import Runtime
from core.settings import BackgroundSettings, ScheduleEntry, Settings
from memory import runs

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_an_interval_job_runs_at_once_then_every_interval() -> None:
    entry = ScheduleEntry(name="patrol", kind="remediate", every_seconds=300)
    assert next_due(entry, None, NOW) == NOW
    assert next_due(entry, NOW, NOW) == NOW + timedelta(seconds=300)


def test_a_daily_job_runs_at_its_time_in_its_zone() -> None:
    entry = ScheduleEntry(name="nightly", kind="maintenance", at=time(3, 30), tz="Europe/Paris")
    first = next_due(entry, None, NOW)  # 10:00 UTC is 11:00 in Paris: tomorrow 03:30 there
    assert first == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    after = next_due(entry, first, first)
    assert after - first == timedelta(days=1)


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "kind": "remediate"},
        {"name": "x", "kind": "remediate", "every_seconds": 60, "at": "03:00"},
        {"name": "x", "kind": "dance", "every_seconds": 60},
        {"name": "Bad Name", "kind": "summary", "every_seconds": 60},
        {"name": "x", "kind": "summary", "every_seconds": 1},
        {"name": "x", "kind": "summary", "at": "03:00", "tz": "Mars/Olympus"},
    ],
)
def test_a_bad_schedule_entry_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ScheduleEntry.model_validate(bad)


def test_job_names_are_unique() -> None:
    twice = [{"name": "a", "kind": "summary", "every_seconds": 60}] * 2
    with pytest.raises(ValidationError, match="distinct"):
        BackgroundSettings.model_validate({"schedule": twice})


def test_the_defaults_cover_diagnose_domains_maintenance_and_summary() -> None:
    jobs = {e.name: e for e in Settings().background.schedule}
    assert jobs["patrol"].every_seconds == 300 and jobs["patrol"].kind == "remediate"
    assert jobs["maintenance"].at == time(3, 30) and jobs["summary"].kind == "summary"
    assert jobs["domains"].checks == ["domains.*"]


async def test_due_jobs_start_once_and_not_while_the_last_is_unfinished(
    runtime: Runtime,
) -> None:
    runtime.settings.background.schedule = [
        ScheduleEntry(name="tick", kind="summary", every_seconds=60)
    ]
    bg = Background(runtime)
    busy = await runs.create_run(
        runtime.db, kind="summary", trigger="schedule", actor="a", options={"job": "tick"}
    )
    scheduler = Scheduler(bg)
    late = datetime.now(UTC) + timedelta(minutes=5)
    assert await scheduler.start_due(late) == []  # its last run is still queued
    await runs.claim_run(runtime.db, busy.id, worker="w")
    await runs.finish_run(runtime.db, busy.id, status="succeeded", summary="ok")
    started = await scheduler.start_due(late)
    assert len(started) == 1
    [job] = await due_jobs(bg)
    assert job.last is not None and job.next == job.last + timedelta(seconds=60)
    assert 0 < await scheduler.seconds_to_next() <= 60
    await bg.drain()
