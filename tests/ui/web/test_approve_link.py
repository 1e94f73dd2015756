"""Signed one-time approval links against the real app: look, approve once, refuse the rest."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from docker.models.containers import Container
from playwright.async_api import async_playwright
from sqlalchemy.orm import Session

from agent.runtime import Runtime, build_runtime
from memory import audit
from memory.db import make_sync_engine
from memory.models import AuditEntry
from memory.vault import derive, load_key
from policies.gate import CallContext
from policies.outcome import ApprovalView
from tests.testbed.docker_fixtures import MakeContainer
from tests.ui.e2e.conftest import CHROMIUM, FLAGS
from tests.ui.web.conftest import REPO, Server
from tests.ui.web.test_api import ask_for_write, decisions
from tests.ui.web.test_origin import other_origins

SHOTS = REPO / "test-artifacts" / "approve-link"
PURPOSE = "container exited with code 3 (cannot reach db); restart it to bring it back"
pytestmark = pytest.mark.docker


async def ask_restart(runtime: Runtime, box: Container) -> tuple[ApprovalView, ApprovalView]:
    """A background repair the policy asks about; the view as announced and as stored."""
    announced: list[ApprovalView] = []
    runtime.gate.on_approval = announced.append
    ctx = CallContext(actor="agent:autonomous", run_id="run-42", purpose=PURPOSE)
    outcome = await runtime.gate.invoke(ctx, "docker.restart_container", {"name": box.name})
    assert outcome.status == "approval_required" and outcome.approval_id
    approvals = runtime.gate.approvals
    return announced[0], approvals.view(await approvals.get(outcome.approval_id))


def started_at(box: Container) -> str:
    box.reload()
    return str(box.attrs["State"]["StartedAt"])


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def altered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def audit_entries(server: Server, approval_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(event, actor, data) of the audit entries about one approval, in order."""
    engine = make_sync_engine(server.db_url)
    try:
        with Session(engine) as session:
            assert audit.verify(session, derive(load_key(server.settings()), "audit")).ok
            rows = session.query(AuditEntry).order_by(AuditEntry.seq).all()
            entries = [(r.event, r.actor, json.loads(r.data)) for r in rows]
    finally:
        engine.dispose()
    return [e for e in entries if e[2].get("approval_id") == approval_id]


async def test_the_link_shows_the_question_and_approves_exactly_once(
    server: Server, runtime: Runtime, make_container: MakeContainer
) -> None:
    box = make_container()
    before = started_at(box)
    announced, view = await ask_restart(runtime, box)
    # The notifier signs the view it is told about; the page checks the stored one.
    assert runtime.links.token(announced) == runtime.links.token(view)
    link = runtime.links.link("https://jarvis.example.net", view)
    assert link.startswith(f"https://jarvis.example.net/approve/{view.id}?token=v1.")
    token = runtime.links.token(view)
    with server.client() as http:
        page = http.get(path_of(link))
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        html = page.text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        for shown in ("docker.restart_container", f"container:{box.name}", PURPOSE, "run-42"):
            assert shown in html, shown
        assert "background agent" in html and 'name="decision" value="approve"' in html
        assert f'name="token" value="{token}"' in html and "<script" not in html
        assert started_at(box) == before  # looking never acts
        assert (await runtime.gate.approvals.get(view.id)).status == "pending"

        # A POST from another site is refused before the link is even looked at.
        evil = http.post(
            f"/approve/{view.id}",
            data={"token": token, "decision": "approve"},
            headers={"Origin": other_origins(server)[0]},
        )
        assert evil.status_code == 403
        assert (await runtime.gate.approvals.get(view.id)).status == "pending"

        # The form posts from the page's own origin (the public URL, behind a proxy).
        done = http.post(
            f"/approve/{view.id}",
            data={"token": token, "decision": "approve"},
            headers={"Origin": server.url},
        )
        assert done.status_code == 200, done.text
        assert "Approved and done" in done.text and "It ran once" in done.text
        after = started_at(box)
        assert after != before

        for decision in ("approve", "reject"):
            again = http.post(
                f"/approve/{view.id}",
                data={"token": token, "decision": decision},
                headers={"Origin": server.url},
            )
            assert again.status_code == 409 and "Already answered" in again.text
        assert http.get(path_of(link)).status_code == 409
    assert started_at(box) == after  # the second answer ran nothing
    stored = await runtime.gate.approvals.get(view.id)
    assert stored.status == "executed" and stored.decided_by == "user:link"
    assert [d for d in decisions(server) if d["id"] == view.id] == [
        {"id": view.id, "status": "executed"}
    ]
    events = [
        (event, actor, data.get("via")) for event, actor, data in audit_entries(server, view.id)
    ]
    assert ("approval_requested", "agent:autonomous", None) in events
    assert ("approval_approved", "user:link", "link") in events
    assert [e for e in events if e[0] == "approval_approved"] == [
        ("approval_approved", "user:link", "link")
    ]


async def test_a_bad_token_shows_nothing_and_changes_nothing(
    server: Server, runtime: Runtime, make_container: MakeContainer
) -> None:
    box = make_container()
    name = str(box.name)
    before = started_at(box)
    _, view = await ask_restart(runtime, box)
    token = runtime.links.token(view)
    _, other = await ask_restart(runtime, make_container())
    with server.client() as http:
        for bad in (altered(token), "", "v1.nope", runtime.links.token(other), token + "x" * 300):
            page = http.get(f"/approve/{view.id}", params={"token": bad})
            assert page.status_code == 403, bad
            assert "not valid" in page.text
            for secret in ("restart", name, PURPOSE, "run-42"):
                assert secret not in page.text, (bad, secret)
            answer = http.post(
                f"/approve/{view.id}",
                data={"token": bad, "decision": "approve"},
                headers={"Origin": server.url},
            )
            assert answer.status_code == 403 and name not in answer.text
        missing = http.get("/approve/no-such-approval", params={"token": token})
        assert missing.status_code == 404 and "No such approval" in missing.text
        unclear = http.post(f"/approve/{view.id}", data={"token": token, "decision": "maybe"})
        assert unclear.status_code == 400
    assert (await runtime.gate.approvals.get(view.id)).status == "pending"
    assert started_at(box) == before
    assert not [e for e in audit_entries(server, view.id) if e[0] != "approval_requested"]


async def test_rejecting_by_link_runs_nothing(
    server: Server, runtime: Runtime, make_container: MakeContainer
) -> None:
    box = make_container()
    before = started_at(box)
    _, view = await ask_restart(runtime, box)
    with server.client() as http:
        answer = http.post(
            f"/approve/{view.id}",
            data={"token": runtime.links.token(view), "decision": "reject"},
            headers={"Origin": server.url},
        )
    assert answer.status_code == 200 and "Rejected" in answer.text
    assert "Nothing was run" in answer.text
    assert (await runtime.gate.approvals.get(view.id)).status == "rejected"
    assert started_at(box) == before
    events = [(event, data.get("via")) for event, _, data in audit_entries(server, view.id)]
    assert ("approval_rejected", "link") in events
    assert {"id": view.id, "status": "rejected"} in decisions(server)


async def test_an_expired_link_is_gone(server: Server) -> None:
    short = build_runtime(server.settings().model_copy(update={"approval_ttl_seconds": 1}))
    try:
        approval_id, target = await ask_for_write(short, server, "expiring.yaml")
        view = short.gate.approvals.view(await short.gate.approvals.get(approval_id))
        token = short.links.token(view)
        await asyncio.sleep(1.5)
        with server.client() as http:
            page = http.get(f"/approve/{approval_id}", params={"token": token})
            assert page.status_code == 410 and "expired" in page.text
            assert "write_config" not in page.text
            answer = http.post(
                f"/approve/{approval_id}",
                data={"token": token, "decision": "approve"},
                headers={"Origin": server.url},
            )
            assert answer.status_code == 410
        assert (await short.gate.approvals.get(approval_id)).status == "expired"
        assert target.read_text() == "a: 1\n"
    finally:
        await short.close()


async def test_the_page_fits_a_phone(
    server: Server, runtime: Runtime, make_container: MakeContainer
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (scripts/setup --test installs it)")
    # A long unbroken name and a wide diff must not widen the page.
    box = make_container(name=f"jarvis-test-{'very-long-service-name-' * 3}x")
    _, view = await ask_restart(runtime, box)
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = await browser.new_page(
                viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True
            )
            response = await page.goto(runtime.links.link(server.url, view))
            assert response is not None and response.status == 200
            await page.screenshot(path=str(SHOTS / "approval.png"), full_page=True)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, width
            button = await page.get_by_role("button", name="Approve").bounding_box()
            assert button is not None and button["height"] >= 44  # a thumb can hit it
            # Answering in the browser: the form posts from the page's own origin.
            await page.get_by_role("button", name="Reject").click()
            await page.get_by_text("Nothing was run").wait_for()
            await page.screenshot(path=str(SHOTS / "rejected.png"), full_page=True)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, width
        finally:
            await browser.close()
    assert (await runtime.gate.approvals.get(view.id)).status == "rejected"
