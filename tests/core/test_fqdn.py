"""One FQDN normaliser and one wildcard rule, as certificates use it."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from core.fqdn import is_wildcard, name_covers, normalise_fqdn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Plex.EvinDrake.net.", "plex.evindrake.net"),
        ("  n8n.evindrake.net ", "n8n.evindrake.net"),
        ("_acme-challenge.example.com", "_acme-challenge.example.com"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalise_fqdn(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "localhost",
        "",
        ".",
        "-bad.example.com",
        "bad-.example.com",
        "a..example.com",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 5 + "com",
        "sp ace.example.com",
        "*.example.com",  # wildcards only where asked for
        "a.*.example.com",
        "exa$mple.com",
    ],
)
def test_rejects(raw: str) -> None:
    with pytest.raises(BadInput):
        normalise_fqdn(raw)


def test_rejects_non_text() -> None:
    with pytest.raises(BadInput, match="must be text"):
        normalise_fqdn(42)


def test_wildcard_when_allowed() -> None:
    assert normalise_fqdn("*.Example.com.", wildcard=True) == "*.example.com"
    assert is_wildcard("*.example.com")
    assert not is_wildcard("www.example.com")
    for bad in ("*.com", "**.example.com", "a.*.example.com", "*"):
        with pytest.raises(BadInput):
            normalise_fqdn(bad, wildcard=True)


@pytest.mark.parametrize(
    ("pattern", "name", "covered"),
    [
        ("app.example.com", "app.example.com", True),
        ("APP.example.com.", "app.example.com", True),
        ("*.example.com", "app.example.com", True),
        ("*.example.com", "example.com", False),  # not the apex
        ("*.example.com", "a.b.example.com", False),  # one label only
        ("*.example.com", "*.example.com", True),
        ("*.com", "example.com", False),  # never a whole TLD
        ("a.*.example.com", "a.b.example.com", False),
        ("*.*.example.com", "a.b.example.com", False),
        ("other.example.com", "app.example.com", False),
        ("", "app.example.com", False),
    ],
)
def test_name_covers(pattern: str, name: str, covered: bool) -> None:
    assert name_covers(pattern, name) is covered
