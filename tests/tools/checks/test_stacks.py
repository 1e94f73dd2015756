"""stacks.git_sync on a real git clone: behind -> a deploy remedy the policy may let the
background agent run itself (health-gated), else a person is asked; dirty and diverged only
reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from policies.engine import AUTONOMOUS
from policies.gate import CallContext, Gate
from policies.provenance import Provenance
from policies.rules import Rule, load_rules
from tests.testbed.stacks import StackBed, sqlite_url, stack_settings
from tools.checks.base import CheckContext
from tools.checks.catalog import all_checks
from tools.checks.stacks import git_sync
from tools.deps import ToolDeps
from tools.workflows.stack_journal import Journal, Records


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The stacks bed's settings."""
    return stack_settings(tmp_path)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """One backend is enough: stacks keep nothing in the database."""
    return sqlite_url(tmp_path)


@pytest.fixture
def policy_rules() -> list[Rule]:
    """The defaults plus the owner's rule: the background agent may deploy the web stacks."""
    mine = Rule(
        id="autonomous-stack-deploys",
        effect="allow",
        tools=["stacks.deploy"],
        actors=[AUTONOMOUS],
        resources=["stack:web-*"],
    )
    return [mine, *load_rules(None)]


def repair_context(name: str, key: str) -> CallContext:
    """How the background agent calls a finding's remedy (its resource vouches for the name)."""
    prov = Provenance()
    prov.add_typed(name)
    return CallContext(actor=AUTONOMOUS, idempotency_key=key, provenance=prov, purpose="behind")


async def observed(deps: ToolDeps, name: str) -> dict[str, object] | None:
    """The check's observation of the stack, as a dict (None: nothing to report)."""
    result = await git_sync.probe(CheckContext(deps=deps, db=None))
    found = [o for o in result.observations if o.resource == f"stack:{name}"]
    return found[0].model_dump() if found else None


async def test_behind_is_deployed_by_the_background_agent_when_a_rule_allows_it(
    gate: Gate, tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    v1 = bed.push("version 1")
    seen = await observed(tool_deps, bed.name)
    assert seen is not None and seen["severity"] == "info"
    assert "behind origin/main by 1 commit" in str(seen["summary"])
    assert seen["remedy"] == {
        "tool": "stacks.deploy",
        "args": {"name": bed.name},
        "why": f"deploy the 1 new commit(s) of {bed.name}, health-gated with rollback",
    }
    out = await gate.invoke(repair_context(bed.name, "auto.1"), "stacks.deploy", {"name": bed.name})
    assert out.status == "ok", out
    assert out.data is not None and out.data["outcome"] == "deployed"
    assert bed.head() == v1
    assert await observed(tool_deps, bed.name) is None  # verified: in sync now


async def test_without_a_rule_the_background_agent_asks(
    gate: Gate, tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    bed.root.joinpath("other").mkdir()  # not a checkout: not a stack
    renamed = bed.root / f"db-{bed.name}"
    bed.checkout.rename(renamed)
    bed.name = renamed.name
    before = bed.head()
    bed.push("version 1")
    assert await observed(tool_deps, bed.name) is not None
    ctx = repair_context(bed.name, "auto.2")
    out = await gate.invoke(ctx, "stacks.deploy", {"name": bed.name})
    assert out.status == "approval_required", out
    assert bed.head() == before


async def test_dirty_and_diverged_are_reported_without_a_remedy(
    tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    assert await observed(tool_deps, bed.name) is None  # up to date
    (bed.checkout / "compose.yaml").write_text("services: {}\n")
    seen = await observed(tool_deps, bed.name)
    assert seen is not None and seen["severity"] == "warning" and seen["remedy"] is None
    assert "dirty" in str(seen["summary"])
    bed.git("checkout", "-q", "compose.yaml")
    (bed.checkout / "notes.txt").write_text("local\n")
    bed.git("add", "notes.txt")
    bed.git("commit", "-q", "-m", "a local change")
    bed.push("version 1")
    seen = await observed(tool_deps, bed.name)
    assert seen is not None and seen["remedy"] is None
    assert "diverged (ahead 1, behind 1)" in str(seen["summary"])


def test_the_catalog_has_the_stacks_check() -> None:
    assert "stacks.git_sync" in {c.id for c in all_checks()}


async def test_an_interrupted_deploy_is_finished_unless_one_is_under_way(
    tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    records = Records(tool_deps.settings.data_dir)
    target = bed.push("version 1")
    records.save(Journal(stack=bed.name, kind="deploy", target=target, last_good=bed.head()))
    seen = await observed(tool_deps, bed.name)
    assert seen is not None and seen["severity"] == "warning"
    assert "was interrupted" in str(seen["summary"])
    assert seen["remedy"] is not None and seen["remedy"]["tool"] == "stacks.deploy"  # type: ignore[index]
    with records.lock(bed.name):  # a live deploy holds it: nothing to report meanwhile
        assert await observed(tool_deps, bed.name) is None
