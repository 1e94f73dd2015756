"""Reading n8n's API pages, workflows and executions; checking webhook paths."""

from __future__ import annotations

import pytest

from tools.n8n import parse


def test_a_page_and_its_cursor() -> None:
    page = parse.page({"data": [{"id": "a"}, "junk"], "nextCursor": "MTAw"})
    assert page.rows == [{"id": "a"}] and page.next_cursor == "MTAw"
    assert parse.page({"data": [], "nextCursor": None}).next_cursor is None
    bodies: list[object] = [{"items": []}, [], {"data": [], "nextCursor": 5}]
    for body in bodies:
        with pytest.raises(ValueError):
            parse.page(body)


def test_workflows_and_executions() -> None:
    wf = parse.workflow(
        {"id": "Ab12", "name": " Nightly\nbackup ", "active": True,
         "updatedAt": "2026-12-07T08:00:00.000Z", "tags": [{"name": "ops"}, {"x": 1}]}
    )  # fmt: skip
    assert (wf.id, wf.name, wf.active, wf.tags) == ("Ab12", "Nightly backup", True, ["ops"])
    assert wf.updated_at is not None and wf.updated_at.tzinfo is not None
    # "active": "true" (a string) is not true.
    assert parse.workflow({"id": 7, "active": "true"}).active is False
    with pytest.raises(ValueError, match="without an id"):
        parse.workflow({"name": "x"})
    older = parse.execution({"id": 1, "workflowId": "Ab12", "finished": True,
                             "startedAt": "2026-12-07T07:00:00Z"})  # fmt: skip
    newer = parse.execution({"id": 2, "workflowId": "Ab12", "status": "ERROR",
                             "startedAt": "2026-12-07T08:00:00Z"})  # fmt: skip
    assert older.status == "success" and newer.status == "error"
    assert parse.latest_by_workflow([older, newer])["Ab12"].id == "2"
    assert parse.latest_by_workflow([newer, older])["Ab12"].id == "2"


@pytest.mark.parametrize("path", ["deploy", "/hooks/deploy/", "a1-b_c.d/e"])
def test_webhook_paths_that_are_fine(path: str) -> None:
    assert parse.webhook_path(path) == path.strip("/")


@pytest.mark.parametrize(
    "path",
    ["", "../api/v1/workflows", "a/../b", "a?x=1", "a#b", "a%2e%2e", ":id", "a b", "x" * 201],
)
def test_webhook_paths_that_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse.webhook_path(path)
