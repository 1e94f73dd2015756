"""Validation of a health check's target: names normalised, addresses parsed, extras refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.netcheck.health_types import HealthTarget


def test_target_validation() -> None:
    target = HealthTarget(domain="Plex.EvinDrake.net.", expected_address="::ffff:1.2.3.4")
    assert target.domain == "plex.evindrake.net"
    with pytest.raises(ValidationError):
        HealthTarget.model_validate({"domain": "a.example", "surprise": True})
    for bad in ({"domain": "https://a.example"}, {"domain": "a..example"}, {"domain": ""}):
        with pytest.raises(ValidationError):
            HealthTarget.model_validate(bad)
    with pytest.raises(ValidationError):
        HealthTarget(domain="a.example", nameserver="dns.example")
    with pytest.raises(ValidationError):
        HealthTarget(domain="a.example", connect_address="not-an-ip")
