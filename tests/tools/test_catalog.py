"""The catalog: every family under its own prefix, one family alone for a single tool."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tools.catalog import FAMILIES, build_registry, registry_for

ALL = build_registry()


@pytest.mark.parametrize("prefix", list(FAMILIES))
def test_a_prefix_loads_only_tools_named_under_it(prefix: str) -> None:
    names = [s.name for family in FAMILIES[prefix]() for s in family.specs]
    assert names, prefix
    assert all(name.startswith(prefix + ".") for name in names)


def test_the_full_registry_is_every_family() -> None:
    expected = {s.name for load in FAMILIES.values() for family in load() for s in family.specs}
    assert {s.name for s in ALL.specs()} == expected
    assert {s.name.partition(".")[0] for s in ALL.specs()} == set(FAMILIES)


def test_a_tool_gets_its_own_family_with_the_same_specs() -> None:
    for spec in ALL.specs():
        small = registry_for(spec.name)
        assert small.get(spec.name) is spec
        prefix = spec.name.partition(".")[0]
        assert {s.name.partition(".")[0] for s in small.specs()} == {prefix}


@pytest.mark.parametrize("name", ["docker.list_contaners", "dokcer.list_containers", "nothing"])
def test_an_unknown_tool_gets_every_tool_to_suggest_from(name: str) -> None:
    assert [s.name for s in registry_for(name).specs()] == [s.name for s in ALL.specs()]


def test_one_family_imports_no_other_familys_libraries() -> None:
    code = (
        "import sys; from tools.catalog import registry_for; "
        "registry_for('docker.list_containers'); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('tools.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tools.docker.containers" in out
    others = ("tools.domains", "tools.caddy", "tools.ssl", "tools.watch", "tools.system")
    assert [m for m in out if m.startswith(others)] == []
