"""Reading domain files: every bad row with its place, headers, JSON items, formats."""

from __future__ import annotations

import json

import pytest

from core.errors import BadInput
from tools.domains.parsing import format_for, parse

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
