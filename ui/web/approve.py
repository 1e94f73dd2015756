"""Signed one-time approval links: `/approve/{id}?token=...` shows the question, POST answers it.

No login: the token (policies/links.py) is the credential. It binds the approval, its action
and its expiry, so a token for one approval opens no other, and a page with a bad token
shows nothing of the action.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from core.errors import NotFound
from core.logging import get_logger
from policies.links import Verdict
from policies.outcome import ApprovalView
from ui.web.approve_page import approval_page, notice, result_page
from ui.web.state import CLIENT_ADDRESS, get_state

log = get_logger("web.approve")
BY = "user:link"  # whoever holds the link: it was sent only to the owner's channels
MAX_ID = 64
MAX_TOKEN = 200

router = APIRouter(prefix="/approve", include_in_schema=False)


def _not_found() -> HTMLResponse:
    return notice(
        "No such approval",
        "Jarvis has no approval for this link. Check that the whole link was opened.",
        status_code=404,
    )


def _refused(verdict: Verdict, view: ApprovalView) -> HTMLResponse:
    """The page for a link that cannot answer; only a valid token learns more than that."""
    if verdict == "forged":
        return notice(
            "This link is not valid",
            "The link was altered or is incomplete. Nothing was shown and nothing was changed.",
            "Open the link exactly as Jarvis sent it.",
            status_code=403,
        )
    if verdict == "expired":
        return notice(
            "This approval expired",
            "It was not answered in time, so nothing was run and it can no longer be approved.",
            "If it is still needed, Jarvis will ask again.",
            status_code=410,
        )
    return notice(
        "Already answered",
        f"This approval was already answered (it is {view.status}). A link works once; "
        "nothing more was done.",
        status_code=409,
    )


async def _open(approval_id: str, token: str) -> tuple[ApprovalView | None, HTMLResponse | None]:
    """The approval this link opens now, or the page saying why it opens nothing."""
    gate = get_state().runtime.gate
    if len(approval_id) > MAX_ID:
        return None, _not_found()
    try:
        view = gate.approvals.view(await gate.approvals.get(approval_id))
    except NotFound:
        return None, _not_found()
    verdict = get_state().runtime.links.check(view, token[:MAX_TOKEN], gate.clock())
    if len(token) > MAX_TOKEN:
        verdict = "forged"
    if verdict != "ok":
        if verdict == "forged":
            # Tokens are 256-bit MACs, so guessing is hopeless; a log line shows who tries.
            log.warning(
                "approval_link_forged", approval_id=approval_id, client=CLIENT_ADDRESS.get()
            )
        return None, _refused(verdict, view)
    return view, None


@router.get("/{approval_id}", response_class=HTMLResponse)
async def show(approval_id: str, token: Annotated[str, Query()] = "") -> HTMLResponse:
    """The approval and two buttons; looking never acts."""
    view, refusal = await _open(approval_id, token)
    if view is None:
        assert refusal is not None
        return refusal
    return approval_page(view, token, get_state().runtime.gate.clock())


@router.post("/{approval_id}", response_class=HTMLResponse)
async def answer(
    approval_id: str,
    token: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Approve (it runs once, now) or reject, through the gate as `user:link`, via link."""
    if decision not in ("approve", "reject"):
        return notice("Choose an answer", "Answer with Approve or Reject.", status_code=400)
    view, refusal = await _open(approval_id, token)
    if view is None:
        assert refusal is not None
        return refusal
    state = get_state()
    approve = decision == "approve"
    decided = await state.runtime.gate.decide(approval_id, approve=approve, by=BY, via="link")
    if decided.status == "expired":
        return _refused("expired", decided)
    if (decided.status == "rejected") == approve:
        # Another answer, from the chat, the API or this link, came first.
        return _refused("answered", decided)
    log.info("approval_answered_by_link", approval_id=approval_id, status=decided.status)
    hook = state.after_decision
    if hook is not None:
        try:
            await hook(decided)
        except Exception as exc:
            # The decision stands either way; the conversation can be resumed later.
            log.exception("after_decision_failed", approval_id=decided.id, error=type(exc).__name__)
    return result_page(decided)
