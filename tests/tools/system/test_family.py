"""The system family: five read-only tools whose arguments are validated strictly."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.tools.system.conftest import SPECS
from tools.registry import Registry
from tools.system import family


def test_family_registers_five_read_only_tools() -> None:
    registry = Registry([family])
    assert [s.name for s in registry.specs()] == [
        "system.disks",
        "system.memory",
        "system.network",
        "system.overview",
        "system.top_processes",
    ]
    for spec in registry.specs():
        assert spec.risk == "read"
        assert spec.resource.startswith("system:")
        assert spec.resource_for(spec.args_model()) == spec.resource
        assert len(spec.description) > 100
        assert spec.info()["args_schema"]["type"] == "object"
    assert SPECS["system.top_processes"].untrusted_output
    assert not SPECS["system.disks"].untrusted_output


@pytest.mark.parametrize("name", sorted(SPECS))
def test_unknown_argument_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        SPECS[name].args_model.model_validate({"bogus": 1})


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("system.overview", {"interval": 99}),
        ("system.overview", {"interval": -1}),
        ("system.disks", {"threshold_percent": 101}),
        ("system.memory", {"top": 101}),
        ("system.network", {"interval": 99}),
        ("system.top_processes", {"interval": 99}),
        ("system.top_processes", {"limit": 0}),
        ("system.top_processes", {"limit": 101}),
        ("system.top_processes", {"sort": "disk"}),
    ],
)
def test_out_of_range_arguments_are_refused(name: str, args: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SPECS[name].args_model(**args)
