"""A domain as a file row: targets, providers, unknown fields, the zone."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from tools.domains.rows import DomainRow, normalise_target


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
