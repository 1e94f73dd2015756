"""stacks.deploy through the gate on a real git clone and real compose: v1, v2, a failing v3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker
import pytest

from core.errors import BadInput
from core.settings import Settings
from policies.gate import CallContext, Gate
from tests.testbed.stacks import COMPOSE, StackBed, sqlite_url, stack_settings

USER = CallContext(actor="user:evin")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The stacks bed's settings."""
    return stack_settings(tmp_path)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """One backend is enough: stacks keep nothing in the database."""
    return sqlite_url(tmp_path)


async def approved(gate: Gate, tool: str, args: dict[str, Any]) -> Any:
    """Ask for a write, check the approval shows what it will do, approve, return the outcome."""
    asked = await gate.invoke(USER, tool, args)
    assert asked.status == "approval_required", asked
    view = await gate.decide(asked.approval_id or "", approve=True, by="user:evin")
    return asked, view


def app_container(client: docker.DockerClient, bed: StackBed) -> dict[str, Any]:
    """The inspected container of the stack's `app` service."""
    rows = client.api.containers(
        filters={
            "label": [f"com.docker.compose.project={bed.name}", "com.docker.compose.service=app"]
        }
    )
    assert len(rows) == 1, rows
    info: dict[str, Any] = client.api.inspect_container(rows[0]["Id"])
    return info


async def status_words(gate: Gate, bed: StackBed) -> str:
    """stacks.git_status's plain words."""
    out = await gate.invoke(USER, "stacks.git_status", {"name": bed.name})
    assert out.status == "ok", out
    assert out.data is not None
    return str(out.data["status"])


async def test_deploy_v1_then_v2_then_a_failing_commit_rolls_back(
    gate: Gate, stack_bed: StackBed, docker_client: docker.DockerClient
) -> None:
    bed = stack_bed
    v1 = bed.push("version 1")
    assert await status_words(gate, bed) == "behind 1"

    asked, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    approval = await gate.approvals.get(asked.approval_id or "")
    shown = approval.diff or ""
    assert f"{v1[:12]} version 1 (Evin)" in shown  # the approval shows the commits
    assert "Compose file (compose.yaml):" in shown
    assert '+    command: ["sh", "-c", "echo version 1;' in shown  # and the compose diff
    assert view.status == "executed", view
    assert view.result is not None and view.result["data"]["outcome"] == "deployed"
    assert bed.head() == v1
    first = app_container(docker_client, bed)
    assert first["State"]["Health"]["Status"] == "healthy"
    assert "version 1" in " ".join(first["Config"]["Cmd"])
    assert first["Config"]["Labels"]["jarvis.test"] == "1"

    v2 = bed.push("version 2")
    assert await status_words(gate, bed) == "behind 1"
    _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    assert view.status == "executed", view
    assert bed.head() == v2
    second = app_container(docker_client, bed)
    assert second["State"]["Health"]["Status"] == "healthy"
    assert "version 2" in " ".join(second["Config"]["Cmd"])

    # A commit whose health check can never pass: the deploy goes back to v2, verified.
    v3 = bed.push("version 3", probe="never-there")
    diff = await gate.invoke(USER, "stacks.diff", {"name": bed.name})
    assert diff.data is not None
    assert [c["sha"] for c in diff.data["commits"]] == [v3]
    assert "never-there" in diff.data["compose_diff"]
    _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    assert view.status == "failed", view
    assert view.result is not None
    said = str(view.result["message"])
    assert f"rolled back to {v2[:12]}" in said, said
    assert "service app is unhealthy" in said
    assert "Last log lines of app: version 3" in said  # the failing container's own words
    assert view.result["data"]["outcome"] == "rolled_back"
    assert bed.head() == v2
    back = app_container(docker_client, bed)
    assert back["State"]["Running"] and back["State"]["Health"]["Status"] == "healthy"
    assert "version 2" in " ".join(back["Config"]["Cmd"])

    listed = await gate.invoke(USER, "stacks.list", {})
    assert listed.data is not None
    (row,) = [s for s in listed.data["stacks"] if s["name"] == bed.name]
    assert row["commit"] == v2 and row["behind"] == 1 and row["status"] == "running"
    assert [(s["service"], s["health"]) for s in row["services"]] == [("app", "healthy")]
    assert "rolled back" in row["last_deploy"]

    # A rollback on request goes to the last healthy commit before this one: v1.
    _, view = await approved(gate, "stacks.rollback", {"name": bed.name})
    assert view.status == "executed", view
    assert bed.head() == v1
    assert "version 1" in " ".join(app_container(docker_client, bed)["Config"]["Cmd"])
    logs = await gate.invoke(USER, "stacks.logs", {"name": bed.name, "lines": 5})
    assert logs.status == "ok" and logs.untrusted and logs.data is not None
    assert logs.data["services"][0]["service"] == "app"
    assert logs.data["services"][0]["lines"] == ["version 1"]


async def test_dirty_or_diverged_checkouts_are_refused_and_nothing_changes(
    gate: Gate, stack_bed: StackBed
) -> None:
    bed = stack_bed
    bed.push("version 1")
    before = bed.head()
    (bed.checkout / "compose.yaml").write_text("services: {}\n")
    assert await status_words(gate, bed) == "behind 1, dirty"
    out = await gate.invoke(USER, "stacks.deploy", {"name": bed.name})
    assert out.status == "error" and out.approval_id is None
    assert "changed by hand (compose.yaml)" in (out.message or "")
    assert bed.head() == before and bed.git("status", "--porcelain") == "M compose.yaml"

    bed.git("checkout", "-q", "compose.yaml")
    (bed.checkout / "notes.txt").write_text("local\n")
    bed.git("add", "notes.txt")
    bed.git("commit", "-q", "-m", "a local change")
    local = bed.head()
    assert await status_words(gate, bed) == "diverged (ahead 1, behind 1)"
    out = await gate.invoke(USER, "stacks.deploy", {"name": bed.name})
    assert out.status == "error" and "diverged" in (out.message or "")
    assert bed.head() == local


@pytest.mark.parametrize("name", ["../etc", "..", "a/b", "-rf"])
async def test_names_that_leave_the_root_are_refused(
    gate: Gate, stack_bed: StackBed, name: str
) -> None:
    with pytest.raises(BadInput):
        await gate.invoke(USER, "stacks.git_status", {"name": name})


async def test_an_unknown_stack_says_which_exist(gate: Gate, stack_bed: StackBed) -> None:
    with pytest.raises(BadInput, match=stack_bed.name):
        await gate.invoke(USER, "stacks.git_status", {"name": "nosuch"})


async def test_names_are_matched_as_people_say_them(gate: Gate, stack_bed: StackBed) -> None:
    said = stack_bed.name.upper().replace("-", "_")  # "WEB_1A2B3C4D" for web-1a2b3c4d
    out = await gate.invoke(USER, "stacks.git_status", {"name": said})
    assert out.status == "ok" and out.data is not None
    assert out.data["name"] == stack_bed.name and out.data["status"] == "up to date"


async def test_a_stack_whose_compose_file_reads_an_untracked_env_file_deploys(
    gate: Gate, stack_bed: StackBed, docker_client: docker.DockerClient
) -> None:
    # Secrets live in a .env the repository ignores: the new commit is validated with it.
    bed = stack_bed
    (bed.checkout / ".env").write_text("WORDS=from-the-env-file\n")
    (bed.checkout / ".git" / "info" / "exclude").write_text(".env\n")
    text = COMPOSE.format(
        image=bed.image, words="$${WORDS}", probe="ready", delay="", start=""
    ).replace("    init: true\n", "    init: true\n    env_file: .env\n")
    v1 = bed.push_text(text, "reads .env")
    _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    assert view.status == "executed", view
    assert bed.head() == v1
    logs = await gate.invoke(USER, "stacks.logs", {"name": bed.name, "lines": 5})
    assert logs.data is not None and logs.data["services"][0]["lines"] == ["from-the-env-file"]


async def test_a_stack_built_from_its_checkout_runs_the_new_code(
    gate: Gate, stack_bed: StackBed, docker_client: docker.DockerClient
) -> None:
    # The service's image is built from the repository: a commit that only changes the
    # code (not the compose file) must still reach the running container.
    bed = stack_bed
    text = COMPOSE.format(image=bed.image, words="built", probe="ready", delay="", start="")
    text = text.replace(f"    image: {bed.image}\n", "    build: ./app\n").replace(
        "echo built;", "cat /version;"
    )
    (bed.dev / "app").mkdir()
    (bed.dev / "app" / "Dockerfile").write_text(f"FROM {bed.image}\nCOPY version /version\n")
    (bed.dev / "app" / "version").write_text("code 1\n")
    bed.git_dev("add", "app")
    bed.push_text(text, "built from the checkout")
    try:
        _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
        assert view.status == "executed", view
        (bed.dev / "app" / "version").write_text("code 2\n")
        bed.git_dev("commit", "-q", "-am", "code 2")
        bed.git_dev("push", "-q", "origin", "HEAD:main")
        _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
        assert view.status == "executed", view
        logs = await gate.invoke(USER, "stacks.logs", {"name": bed.name, "lines": 5})
        assert logs.data is not None and logs.data["services"][0]["lines"] == ["code 2"]
    finally:
        image = app_container(docker_client, bed)["Config"]["Image"]
        for row in docker_client.api.containers(
            all=True, filters={"label": [f"com.docker.compose.project={bed.name}"]}
        ):
            docker_client.api.remove_container(row["Id"], force=True)
        docker_client.api.remove_image(image, force=True)
