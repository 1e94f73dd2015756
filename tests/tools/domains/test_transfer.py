"""Domain import and export: every bad row with its place, all or nothing, round trips."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.errors import BadInput
from memory import domains as repo
from memory.db import Database, upgrade
from memory.domain_models import DomainStatus
from tests.testbed.db_fixtures import AUDIT_KEY, _pg_create, _pg_drop
from tools.domains.transfer import (
    DomainRow,
    Format,
    export_domains,
    format_for,
    import_domains,
    normalise_target,
    notes_of,
    parse,
    set_notes,
)

GOOD_CSV = (
    "fqdn,target,provider,notes\n"
    "Plex.Example.com.,plex:32400,,media\n"
    "n8n.example.com,127.0.0.1:5678,rfc2136,\n"
)

BAD_CSV = (
    "fqdn,target,notes\n"  # line 1
    "ok.example.com,app:80,\n"  # line 2
    "\n"  # line 3, blank: skipped
    "bad..name,app:80,\n"  # line 4
    "port.example.com,app:99999,\n"  # line 5
    "Ok.Example.com,app:80,\n"  # line 6, duplicate of line 2
    'multi.example.com,app:81,"two\nlines"\n'  # lines 7-8
    "short.example.com\n"  # line 9
    "notarget.example.com,,\n"  # line 10
)


def test_targets_are_host_or_container_and_port() -> None:
    assert normalise_target(" plex:32400 ") == "plex:32400"
    assert normalise_target("10.0.0.5:080") == "10.0.0.5:80"
    assert normalise_target("[2001:DB8::1]:443") == "[2001:db8::1]:443"
    for bad in ("plex", "plex:", ":80", "plex:0", "plex:65536", "a b:80", "[zz::1]:80", "-x:80"):
        with pytest.raises(BadInput):
            normalise_target(bad)


def test_rows_refuse_unknown_fields_and_check_the_zone() -> None:
    row = DomainRow.model_validate({"fqdn": "A.B.Example.org.", "target": "app:1"})
    assert row.fqdn == "a.b.example.org" and row.resolved_zone() == "example.org"
    assert row.resolved_provider() == "zoneedit"
    with pytest.raises(ValueError, match="Extra inputs"):
        DomainRow.model_validate({"fqdn": "a.example.org", "target": "app:1", "port": 1})
    with pytest.raises(ValueError, match="not inside the zone"):
        DomainRow.model_validate({"fqdn": "a.example.org", "target": "app:1", "zone": "b.org"})


def test_csv_reports_every_bad_row_with_its_line() -> None:
    result = parse(BAD_CSV, "csv")
    assert [r.row.fqdn for r in result.rows] == ["ok.example.com", "multi.example.com"]
    assert result.rows[1].row.notes == "two\nlines" and result.rows[1].line == 7
    found = [(e.line, e.field, e.kind) for e in result.errors]
    assert found == [
        (4, "fqdn", "invalid"),
        (5, "target", "invalid"),
        (6, "fqdn", "duplicate"),
        (9, "row", "invalid"),
        (10, "target", "invalid"),
    ]
    assert "appears already in line 2" in result.errors[2].message
    assert "99999" in result.errors[1].message
    assert all(e.location == f"line {e.line}" for e in result.errors)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("target,notes\nx:1,\n", "lacks fqdn"),
        ("fqdn,target,owner\na.example.com,x:1,me\n", "unknown column(s) 'owner'"),
        ("fqdn,target,fqdn\na.example.com,x:1,b.example.com\n", "more than once"),
    ],
)
def test_csv_needs_a_known_header(text: str, message: str) -> None:
    result = parse(text, "csv")
    assert result.rows == []
    assert [(e.line, e.field) for e in result.errors] == [(1, "header")]
    assert message in result.errors[0].message


def test_json_reports_items_by_index() -> None:
    text = json.dumps(
        [
            {"fqdn": "a.example.com", "target": "a:1"},
            {"fqdn": "b.example.com", "target": "b:1", "colour": "red"},
            "c.example.com",
            {"fqdn": "A.example.com", "target": "a:1"},
            {"target": 5},
        ]
    )
    result = parse(text, "json")
    assert [r.row.fqdn for r in result.rows] == ["a.example.com"]
    found = [(e.location, e.field, e.kind) for e in result.errors]
    assert found == [
        ("item 1", "colour", "invalid"),
        ("item 2", "row", "invalid"),
        ("item 3", "fqdn", "duplicate"),
        ("item 4", "fqdn", "invalid"),
        ("item 4", "target", "invalid"),
    ]
    broken = parse('[\n  {"fqdn": "a.example.com",\n', "json")
    assert broken.errors[0].field == "file" and broken.errors[0].line is not None
    assert parse('{"fqdn": "a.example.com"}', "json").errors[0].message.startswith("expected")


def test_format_from_the_file_name() -> None:
    assert format_for("x.CSV") == "csv" and format_for("dir/x.json") == "json"
    with pytest.raises(BadInput):
        format_for("domains.txt")


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
    assert (await notes_of(database, [stored.id])) == {stored.id: "two\nlines"}
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
    await set_notes(database, z.id, "changed later")
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
