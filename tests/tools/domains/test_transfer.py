"""Domain import and export: all or nothing, conflicts, byte-identical round trips."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from memory import domains as repo
from memory.db import Database, upgrade
from memory.domain_models import DomainStatus
from tests.testbed.db_fixtures import AUDIT_KEY, _pg_create, _pg_drop
from tests.tools.domains.test_parsing import BAD_CSV
from tools.domains.parsing import Format, parse
from tools.domains.transfer import export_domains, import_domains

GOOD_CSV = (
    "fqdn,target,provider,notes\n"
    "Plex.Example.com.,plex:32400,,media\n"
    "n8n.example.com,127.0.0.1:5678,rfc2136,\n"
)


async def test_all_or_nothing_and_partial(database: Database) -> None:
    parsed = parse(BAD_CSV, "csv")
    report = await import_domains(database, parsed)
    assert report.created == [] and len(report.errors) == 5
    assert await repo.list_domains(database) == []

    report = await import_domains(database, parsed, partial=True)
    assert report.created == ["ok.example.com", "multi.example.com"]
    assert [e.line for e in report.errors] == [4, 5, 6, 9, 10]
    stored = await repo.find_domain(database, "multi.example.com")
    assert stored is not None and stored.status is DomainStatus.PENDING
    assert stored.zone == "example.com" and stored.provider == "zoneedit"
    assert (await repo.notes_of(database, [stored.id])) == {stored.id: "two\nlines"}
    events = await repo.list_events(database, stored.id)
    assert [e.category.value for e in events] == ["import"]


async def test_existing_names_conflict_unless_the_target_is_the_same(database: Database) -> None:
    first = await import_domains(database, parse(GOOD_CSV, "csv"))
    assert first.created == ["plex.example.com", "n8n.example.com"] and first.ok
    again = await import_domains(database, parse(GOOD_CSV, "csv"))
    assert again.created == [] and again.unchanged == ["plex.example.com", "n8n.example.com"]
    assert again.ok

    moved = "fqdn,target\nplex.example.com,plex:9999\nnew.example.com,new:80\n"
    refused = await import_domains(database, parse(moved, "csv"))
    assert [(e.line, e.kind) for e in refused.errors] == [(2, "conflict")]
    assert "already registered with target plex:32400" in refused.errors[0].message
    assert await repo.find_domain(database, "new.example.com") is None

    some = await import_domains(database, parse(moved, "csv"), partial=True)
    assert some.created == ["new.example.com"] and len(some.errors) == 1
    plex = await repo.find_domain(database, "plex.example.com")
    assert plex is not None and plex.target == "plex:32400"


@pytest.fixture
async def empty_database(db_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A second, empty, migrated database on the same backend as `database`."""
    name = None
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'second.db'}"
    else:
        name = f"jarvis_test_{uuid.uuid4().hex[:12]}"
        url = _pg_create(name)
    upgrade(url)
    db = Database(url, audit_key=AUDIT_KEY)
    try:
        yield db
    finally:
        await db.close()
        if name is not None:
            _pg_drop(name)


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_import_export_is_byte_identical(
    database: Database, empty_database: Database, fmt: Format
) -> None:
    source = [
        {"fqdn": "z.example.com", "target": "z:1", "notes": 'quote " and, comma'},
        {"fqdn": "a.deep.example.co.uk", "target": "[::1]:8080", "zone": "example.co.uk"},
        {"fqdn": "m.example.com", "target": "10.0.0.2:443", "provider": "rfc2136"},
        {"fqdn": "u.example.com", "target": "app:80", "notes": "ünïcode\r\nline two"},
    ]
    done = await import_domains(database, parse(json.dumps(source), "json"))
    assert done.ok and len(done.created) == 4
    z = await repo.find_domain(database, "z.example.com")
    assert z is not None
    await repo.set_notes(database, z.id, "changed later")
    await repo.update_domain(database, z.id, repo.DomainChanges(status=DomainStatus.ACTIVE))

    first = await export_domains(database, fmt)
    names = ["a.deep.example.co.uk", "m.example.com", "u.example.com", "z.example.com"]
    if fmt == "json":
        rows = json.loads(first)
        assert [r["fqdn"] for r in rows] == names
        assert rows[3]["notes"] == "changed later" and rows[0]["zone"] == "example.co.uk"
        assert list(rows[0]) == ["fqdn", "target", "provider", "zone", "notes"]
    else:
        assert first.splitlines()[0] == "fqdn,target,provider,zone,notes"
    assert first.endswith("\n")

    back = await import_domains(empty_database, parse(first, fmt))
    assert back.ok and sorted(back.created) == names
    assert await export_domains(empty_database, fmt) == first
    again = await import_domains(empty_database, parse(first, fmt))
    assert again.ok and again.created == [] and sorted(again.unchanged) == names
