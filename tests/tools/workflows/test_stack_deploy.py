"""A stack deploy stopped after any recorded step (as a kill would) resumes to a consistent end."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import ChangeFailed
from core.settings import Settings
from tests.testbed.stacks import COMPOSE, StackBed, stack_settings
from tools.deps import ToolDeps
from tools.stacks import repo
from tools.stacks.deploy import run_journal, unfinished
from tools.workflows.stack_deploy import DEPLOY_STEPS
from tools.workflows.stack_journal import Journal, Records


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The stacks bed's settings."""
    return stack_settings(tmp_path)


ROOT = Path(__file__).resolve().parents[3]


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so no handler of the workflow sees it."""


def stop_after(wanted: str):  # type: ignore[no-untyped-def]
    async def after(journal: Journal, step: str) -> None:
        if step == wanted:
            raise Killed(step)

    return after


@pytest.mark.parametrize("step", DEPLOY_STEPS)
async def test_resume_after_each_step_ends_deployed(
    tool_deps: ToolDeps, stack_bed: StackBed, step: str
) -> None:
    bed = stack_bed
    before = bed.head()
    v1 = bed.push("version 1")
    bed.git("fetch", "-q")  # as the deploy's own check did before it wrote its journal
    stack = repo.get_stack(tool_deps, bed.name)
    journal = Journal(stack=bed.name, kind="deploy", target=v1, last_good=before)
    with pytest.raises(Killed):
        await run_journal(tool_deps, stack, journal, stop_after(step))
    left = unfinished(tool_deps, bed.name)
    assert left is not None and left.status == "running" and step in left.steps

    result = await run_journal(tool_deps, stack, left)
    assert result.outcome == "deployed" and result.resumed
    assert bed.head() == v1
    assert unfinished(tool_deps, bed.name) is None
    assert Records(tool_deps.settings.data_dir).history(bed.name).healthy[-1] == v1


async def test_resume_of_a_failing_deploy_rolls_back(
    tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    v0 = bed.head()
    bad = bed.push("version 1", probe="never-there")
    bed.git("fetch", "-q")
    stack = repo.get_stack(tool_deps, bed.name)
    journal = Journal(stack=bed.name, kind="deploy", target=bad, last_good=v0)
    with pytest.raises(Killed):
        await run_journal(tool_deps, stack, journal, stop_after("up"))
    assert bed.head() == bad  # stopped with the bad commit checked out and started

    left = unfinished(tool_deps, bed.name)
    assert left is not None
    with pytest.raises(ChangeFailed) as failed:
        await run_journal(tool_deps, stack, left)
    assert f"rolled back to {v0[:12]}" in failed.value.message
    assert bed.head() == v0
    history = Records(tool_deps.settings.data_dir).history(bed.name)
    assert bad in history.held and history.healthy == [v0]


async def test_a_commit_whose_compose_file_is_invalid_changes_nothing(
    tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    bed = stack_bed
    before = bed.head()
    broken = bed.push_text("services:\n  app:\n    image: [not, a, string]\n", "broken")
    stack = repo.get_stack(tool_deps, bed.name)
    journal = Journal(stack=bed.name, kind="deploy", target=broken, last_good=before)
    bed.git("fetch", "-q")
    with pytest.raises(ChangeFailed) as failed:
        await run_journal(tool_deps, stack, journal)
    assert "is not valid" in failed.value.message
    assert bed.head() == before
    assert not (bed.checkout / ".git" / "jarvis-validate").exists()


DEPLOY_SCRIPT = """
import asyncio, os, sys
from core.settings import Settings
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.stacks import repo
from tools.stacks.deploy import run_journal
from tools.workflows.stack_journal import Journal

async def main():
    deps = ToolDeps(Settings(), environ={"DOCKER_HOST": os.environ["DOCKER_HOST"]},
                    docker_factory=connect)
    name, target, good = sys.argv[1:4]
    journal = Journal(stack=name, kind="deploy", target=target, last_good=good)
    await run_journal(deps, repo.get_stack(deps, name), journal)

asyncio.run(main())
"""


async def test_a_deploy_killed_while_it_waits_for_health_is_finished_by_the_next(
    tool_deps: ToolDeps, stack_bed: StackBed, docker_host: str, tmp_path: Path
) -> None:
    bed = stack_bed
    before = bed.head()
    v1 = bed.push("version 1", delay=4)  # healthy only after 4 s: time to kill it waiting
    bed.git("fetch", "-q")
    settings = tool_deps.settings
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DOCKER_HOST": docker_host,
        "JARVIS_DATA_DIR": str(settings.data_dir),
        "JARVIS_STACKS_ROOT": str(settings.stacks_root),
        "JARVIS_STACKS__HEALTHY_SECONDS": "60",
        "JARVIS_STACKS__GRACE_SECONDS": "1",
        "JARVIS_STACKS__POLL_SECONDS": "0.3",
    }
    argv = [sys.executable, "-c", DEPLOY_SCRIPT, bed.name, v1, before]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
    records = Records(settings.data_dir)
    deadline = time.monotonic() + 60
    try:
        while True:
            journal = records.journal(bed.name)
            if journal is not None and "up" in journal.steps:
                break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
            assert time.monotonic() < deadline, "the deploy never got to `up`"
            await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    left = unfinished(tool_deps, bed.name)
    assert left is not None and "healthy" not in left.steps and bed.head() == v1

    result = await run_journal(tool_deps, repo.get_stack(tool_deps, bed.name), left)
    assert result.outcome == "deployed" and result.resumed and result.commit == v1
    assert unfinished(tool_deps, bed.name) is None


async def test_one_shot_and_profile_services_do_not_fail_a_deploy(
    tool_deps: ToolDeps, stack_bed: StackBed
) -> None:
    # A migration that runs once and exits 0, and a debug service only started on request
    # (compose 1.29's `config --services` lists it too): neither is a broken service.
    bed = stack_bed
    before = bed.head()
    text = COMPOSE.format(image=bed.image, words="version 1", probe="ready", delay="", start="")
    text += f"""\
  migrate:
    image: {bed.image}
    command: ["sh", "-c", "echo migrated"]
    restart: "no"
    labels:
      jarvis.test: "1"
  debug:
    image: {bed.image}
    command: ["sleep", "600"]
    profiles: [debug]
    labels:
      jarvis.test: "1"
"""
    v1 = bed.push_text(text, "with a migration and a debug service")
    bed.git("fetch", "-q")
    stack = repo.get_stack(tool_deps, bed.name)
    journal = Journal(stack=bed.name, kind="deploy", target=v1, last_good=before)
    result = await run_journal(tool_deps, stack, journal)
    assert result.outcome == "deployed" and bed.head() == v1

    # A one-shot service that fails is still a failure: rolled back.
    v2 = bed.push_text(text.replace("echo migrated", "echo no; exit 3"), "a failing migration")
    bed.git("fetch", "-q")
    journal = Journal(stack=bed.name, kind="deploy", target=v2, last_good=v1)
    with pytest.raises(ChangeFailed) as failed:
        await run_journal(tool_deps, stack, journal)
    assert "service migrate is exited" in failed.value.message, failed.value.message
    assert f"rolled back to {v1[:12]}" in failed.value.message
    assert bed.head() == v1
