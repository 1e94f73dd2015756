"""Walks the registry: every tool is described, rated, tested, and reachable only via the gate."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from memory.db import Database
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.registry import RISKS, Registry, ToolSpec

ROOT = Path(__file__).resolve().parents[2]
SPECS = build_registry().specs()
# The gate (its preparing, deciding and running parts) and the registry that defines the fields.
GATE_MODULES = {
    "policies/gate.py",
    "policies/prepare.py",
    "policies/runner.py",
    "tools/registry.py",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z]+(_[a-z0-9]+)*$")


def example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A minimal valid value for a JSON schema (enough for the required fields)."""
    if "examples" in schema:
        return schema["examples"][0]
    if "$ref" in schema:
        return example(defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        return example(next(s for s in schema["anyOf"] if s.get("type") != "null"), defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        return "jarvis-probe"
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        return [example(schema.get("items", {"type": "string"}), defs)]
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(props[k], defs) for k in schema.get("required", [])}
    raise AssertionError(f"no example for schema {schema}")


def example_args(spec: ToolSpec) -> dict[str, Any]:
    schema = spec.args_model.model_json_schema()
    return dict(example(schema, schema.get("$defs", {})))


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_tool_is_described_rated_and_tested(spec: ToolSpec) -> None:
    assert NAME_RE.match(spec.name), f"{spec.name}: names are family.verb_object"
    assert len(spec.description) >= 30, f"{spec.name}: describe it for the model"
    assert spec.risk in RISKS
    assert spec.resource and ":" in spec.resource, (
        f"{spec.name}: resource like 'container:{{name}}'"
    )
    assert spec.args_model.model_config.get("extra") == "forbid"
    spec.args_model.model_validate(example_args(spec))  # the schema can be satisfied
    mentioned = [
        p
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.name != "test_registry.py" and f'"{spec.name}"' in p.read_text()
    ]
    assert mentioned, f"{spec.name}: no test drives this tool"


def test_only_output_nobody_else_controls_is_trusted() -> None:
    # Kernel counters, the owner's own mounts, interfaces and config files, Jarvis's own
    # snapshot records.
    trusted = {s.name for s in build_registry().specs() if not s.untrusted_output}
    assert trusted == {
        "system.overview",
        "system.disks",
        "system.network",
        "caddy.list_snapshots",
        "files.read_config",
    }


def test_there_are_the_documented_tools() -> None:
    names = {s.name for s in SPECS}
    assert {
        "docker.list_containers",
        "docker.inspect_container",
        "docker.container_logs",
        "docker.container_stats",
        "docker.start_container",
        "docker.stop_container",
        "docker.restart_container",
        "docker.remove_container",
        "docker.list_images",
        "docker.disk_usage",
        "docker.prune",
        "docker.list_compose_projects",
        "system.overview",
        "system.disks",
        "system.top_processes",
    } <= names


def test_no_code_calls_a_tool_implementation_but_the_gate() -> None:
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {"tests", ".venv", ".tools"} or rel.as_posix() in GATE_MODULES:
            continue
        text = path.read_text()
        pattern = r"\._impl\b|\._preview\b|\._canonical\b"
        if re.search(pattern, text):
            offenders.append(rel.as_posix())
    assert offenders == [], f"tool implementations used outside the gate: {offenders}"


async def test_no_write_tool_runs_without_the_gate_saying_yes(
    database: Database, settings: Any
) -> None:
    """Default policy: every change waits for approval, except what a rule names for robots."""
    ran: list[str] = []

    def spy(name: str) -> Any:
        async def impl(args: Any, deps: Any) -> Any:
            ran.append(name)
            raise AssertionError("spy")

        return impl

    rules = load_rules(None)
    registry = Registry()
    writes = [s for s in SPECS if s.risk != "read"]
    assert writes, "the registry has write tools"
    # Previews, canonical forms and prechecks touch real systems; they are tested with the tools.
    registry._specs = {
        s.name: dataclasses.replace(
            s, _impl=spy(s.name), _preview=None, _canonical=None, _precheck=None
        )
        for s in writes
    }
    deps = ToolDeps(
        settings,
        environ={"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        docker_factory=connect,
    )
    # Noon UTC: outside the default maintenance window, so the answer does not depend on when
    # the test runs.
    noon = datetime.now(UTC).replace(hour=12, minute=0)
    engine = PolicyEngine(rules, clock=lambda: noon)
    gate = Gate(database, registry, engine, deps, Vault(load_key(settings)))
    robot_rules = {r.id for r in rules if r.effect == "allow" and "agent:autonomous" in r.actors}
    for spec in writes:
        for actor in ("user:evin", "agent:chat", "agent:autonomous"):
            before = len(ran)
            outcome = await gate.invoke(CallContext(actor=actor), spec.name, example_args(spec))
            if outcome.status in ("approval_required", "denied"):
                assert len(ran) == before, (spec.name, actor)
            else:
                assert actor == "agent:autonomous" and outcome.rule in robot_rules, outcome
                assert ran[before:] == [spec.name]
    # The robots' rules: container starts (opted in) and the nightly database backups.
    robots = {"docker.restart_container", "docker.start_container"}
    assert set(ran) <= robots | {"db.backup", "db.verify_backup"}


def test_the_decorated_names_are_stubs_that_refuse_to_run() -> None:
    from tools.docker.lifecycle import restart_container
    from tools.files import write_config

    for fn in (restart_container, write_config):
        with pytest.raises(RuntimeError, match=r"only through policies\.gate"):
            fn(None, None)
