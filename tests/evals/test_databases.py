"""Database scenarios for real: the loopback PostgreSQL (and MariaDB), the real agent and gate.

The restore scenario is graded on the end state: the dropped table has its rows again only
after the approval, from last night's backup rather than the older one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from agent.router.db_targets import window
from evals.config import SQL_SERVERS, EvalConfig
from evals.databases import (
    add_rows,
    backup_time,
    count_rows,
    drop_databases,
    grade_tables,
    run_sql,
)
from evals.db_scenario import DatabaseSetup, DbStep, TableExpect
from evals.runner import run_evals
from evals.scenario import Scenario, load_scenarios
from tests.evals.test_runner import details
from tools.db.urls import parse_server_url

pytestmark = pytest.mark.docker


def test_set_up_backups_fall_in_and_out_of_last_night() -> None:
    for hour in range(24):
        now = datetime(2026, 12, 7, hour, 30, tzinfo=UTC)
        span = window("night", now)
        assert span is not None
        assert span[0] <= backup_time("last_night", now) < span[1]
        assert backup_time("two_nights_ago", now) < span[0]
        assert backup_time("now", now) == now


def test_steps_and_expectations_are_strict() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        DbStep.model_validate({"add_rows": "t", "rows": 1, "drop_table": "t"})
    with pytest.raises(ValueError, match="id belongs to backup"):
        DbStep.model_validate({"drop_table": "t", "id": "5ca1ab1e-0000-4000-8000-000000000001"})
    with pytest.raises(ValueError, match="plain name"):
        DbStep.model_validate({"drop_table": "t; drop database x"})
    with pytest.raises(ValueError, match="plain name"):
        DatabaseSetup.model_validate({"name": "Bot-{run}"})
    base = load_scenarios(names=["restore-database"])[0].model_dump()
    base["expect"]["tables"] = [{"database": "other_{run}", "table": "events", "rows": 1}]
    with pytest.raises(ValueError, match="not set up"):
        Scenario.model_validate(base)


async def test_table_grades_read_the_real_server() -> None:
    name = f"eval_grade_{uuid.uuid4().hex[:6]}"
    spec = DatabaseSetup(name=name, engine="postgresql")
    url = parse_server_url(SQL_SERVERS["postgresql"])
    try:
        assert count_rows(url, name, "events") is None  # no database yet
        run_sql(url, None, [f"CREATE DATABASE {name}"])
        add_rows(url, name, "events", 7)
        ok = await grade_tables(
            [TableExpect(database=name, table="events", rows=7)], [spec], SQL_SERVERS
        )
        assert ok == []
        bad = await grade_tables(
            [
                TableExpect(database=name, table="events", rows=8),
                TableExpect(database=name, table="gone", rows=None),
                TableExpect(database=name, table="gone", rows=1),
            ],
            [spec],
            SQL_SERVERS,
        )
        assert bad == [
            f"table {name}.events has 7 rows, expected 8 rows",
            f"table {name}.gone has absent, expected 1 rows",
        ]
    finally:
        await drop_databases([spec], SQL_SERVERS)
    assert count_rows(url, name, "events") is None


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("restore-database", "offline"),
        ("restore-database", "scripted"),
        ("restore-database-mariadb", "offline"),
    ],
)
async def test_restore_scenario_brings_the_rows_back_after_approval(
    docker_host: str, busybox_image: str, name: str, model: str
) -> None:
    (scenario,) = load_scenarios(names=[name])
    config = EvalConfig(docker_host=docker_host, model=model, image=busybox_image)  # type: ignore[arg-type]
    report = await run_evals([scenario], config)
    assert report.passed, details(report)
    (run,) = report.scenarios[0].runs
    assert [e.split()[0] for e in run.executed] == ["db.restore"]
    assert run.executed[0].endswith("ok")
    if model == "offline":
        assert "5000 rows in 1 table" in run.replies[-1]
    # The run's database is gone from the server afterwards.
    (made,) = scenario.render(run.run_id).databases
    url = parse_server_url(SQL_SERVERS[made.engine])
    assert count_rows(url, made.name, made.steps[0].add_rows or "?") is None


@pytest.mark.timeout(600)
async def test_restore_from_the_wrong_backup_fails_the_grade(
    docker_host: str, busybox_image: str
) -> None:
    """If only the older backup (4000 rows) is from last night, the grade says so."""
    (scenario,) = load_scenarios(names=["restore-database"])
    raw = scenario.model_dump()
    steps = raw["databases"][0]["steps"]
    steps[1]["backup"], steps[3]["backup"] = "last_night", "two_nights_ago"
    raw["script"] = None
    wrong = Scenario.model_validate(raw)
    report = await run_evals([wrong], EvalConfig(docker_host=docker_host, image=busybox_image))
    assert not report.passed
    (run,) = report.scenarios[0].runs
    assert any("has 4000 rows, expected 5000 rows" in f for f in run.failures), run.failures
    assert report.violations == 0
