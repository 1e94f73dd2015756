"""A spoken change always waits for a person, even where a rule would let it run."""

from __future__ import annotations

from typing import Any

import pytest

from policies.gate import CallContext, Gate
from policies.rules import Rule, load_rules


@pytest.fixture
def policy_rules() -> list[Rule]:
    allow = Rule.model_validate(
        {
            "id": "evin-restarts",
            "effect": "allow",
            "tools": ["docker.restart_container"],
            "actors": ["user:evin"],
        }
    )
    return [allow, *load_rules(None)]


async def test_spoken_changes_are_confirmed_typed_ones_run(gate: Gate, make_container: Any) -> None:
    box = make_container()
    started = box.attrs["State"]["StartedAt"]
    spoken = CallContext(actor="user:evin", spoken=f"please restart {box.name}")
    asked = await gate.invoke(spoken, "docker.restart_container", {"name": box.name})
    assert asked.status == "approval_required" and asked.rule == "builtin:voice-confirm"
    assert f"heard as \u201cplease restart {box.name}\u201d" in (asked.reason or "")
    box.reload()
    assert box.attrs["State"]["StartedAt"] == started  # nothing ran

    # Reads spoken run at once; the same change typed runs under the rule.
    read = await gate.invoke(spoken, "docker.inspect_container", {"name": box.name})
    assert read.status == "ok"
    typed = await gate.invoke(CallContext(actor="user:evin"), "docker.restart_container",
                              {"name": box.name})  # fmt: skip
    assert typed.status == "ok" and typed.rule == "evin-restarts"
