"""The audit check on SQLite and PostgreSQL: an intact chain is quiet, tampering is named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from core.settings import Settings
from memory.audit_checkpoint import CheckpointLog
from memory.db import Database
from memory.findings import list_findings
from memory.models import AuditEntry
from tests.memory.test_audit import fill
from tests.memory.test_audit_truncation import rewind_head
from tests.testbed.db_fixtures import AUDIT_KEY
from tools.checks.audit import chain_check
from tools.checks.base import CheckContext
from tools.checks.runner import diagnose
from tools.deps import ToolDeps


def context(tmp_path: Path, db: Database) -> CheckContext:
    return CheckContext(deps=ToolDeps(Settings(data_dir=tmp_path), db=db), db=db)


async def test_a_tampered_row_is_a_critical_finding(tmp_path: Path, database: Database) -> None:
    await fill(database, 4)
    ctx = context(tmp_path, database)
    assert (await chain_check.probe(ctx)).observations == []
    async with database.session() as session:
        await session.execute(
            update(AuditEntry).where(AuditEntry.seq == 3).values(actor="user:mallory")
        )
    report = await diagnose([chain_check], context(tmp_path, database), database, run_id=None)
    (finding,) = report.opened
    assert finding.check == "audit.chain" and finding.severity == "critical"
    assert finding.resource == "audit:log" and finding.remedy is None
    assert finding.evidence["first_bad_seq"] == 3 and "altered" in finding.evidence["problem"]
    assert "entry 3" in finding.summary
    assert [f.id for f in await list_findings(database, status="open")] == [finding.id]


async def test_a_log_cut_short_is_caught_by_the_checkpoints(tmp_path: Path, db_url: str) -> None:
    checkpoints = CheckpointLog(tmp_path / "outside" / "checkpoints.jsonl", AUDIT_KEY)
    db = Database(db_url, audit_key=AUDIT_KEY, checkpoints=checkpoints)
    try:
        await fill(db, 5)
        assert (await chain_check.probe(context(tmp_path, db))).observations == []
        await rewind_head(db, 3)  # the head's mac no longer fits: cut without the key
        (obs,) = (await chain_check.probe(context(tmp_path, db))).observations
        assert obs.severity == "critical" and obs.evidence["ok"] is False
    finally:
        await db.close()
