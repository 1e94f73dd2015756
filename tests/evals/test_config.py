"""An eval run's policy: the defaults, with the autonomous agent's reach cut to the run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from evals.config import scoped_policy
from evals.containers import RUN_LABEL
from policies.engine import AUTONOMOUS, PolicyEngine, PolicyRequest
from policies.rules import load_rules

AUTOHEAL = {"jarvis.autoheal": "true"}


async def no_starts_yet(tools: list[str], resource: str | None, since: datetime) -> int:
    return 0


async def decide(path: Path, labels: dict[str, str], actor: str = AUTONOMOUS) -> tuple[str, str]:
    request = PolicyRequest(
        tool="docker.start_container",
        risk="write",
        actor=actor,
        resource="container:web",
        labels=labels,
    )
    decision = await PolicyEngine(load_rules(path)).evaluate(request, no_starts_yet)
    return decision.decision, decision.rule


async def test_the_background_may_start_only_this_runs_opted_in_containers(
    tmp_path: Path,
) -> None:
    path = scoped_policy(tmp_path, "abc123", None)
    mine = {**AUTOHEAL, RUN_LABEL: "abc123"}
    assert await decide(path, mine) == ("allow", "autonomous-restart-breaker")
    # Another run's, a test's or the owner's opted-in container: asked, never started.
    assert (await decide(path, AUTOHEAL))[0] == "ask"
    assert (await decide(path, {**AUTOHEAL, RUN_LABEL: "other1"}))[0] == "ask"
    assert (await decide(path, {RUN_LABEL: "abc123"}))[0] == "ask"
    # The rest of the default policy is untouched (the first matching rule wins only among
    # rules of the same effect, so the narrowed rule going first changes nothing else).
    rules = {r.id: r for r in load_rules(path)}
    defaults = {r.id: r for r in load_rules(None)}
    assert rules.keys() == defaults.keys()
    changed = {i for i in rules if rules[i] != defaults[i]}
    assert changed == {"autonomous-restart-breaker"}


async def test_the_configs_own_rules_come_first_and_win(tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        "version: 1\nrules:\n"
        "  - id: autonomous-restart-breaker\n    effect: ask\n    tools: [docker.start_container]\n"
    )
    path = scoped_policy(tmp_path, "abc123", own)
    assert (await decide(path, {**AUTOHEAL, RUN_LABEL: "abc123"}))[0] == "ask"
    first = load_rules(path)[0]
    assert (first.id, first.effect) == ("autonomous-restart-breaker", "ask")
