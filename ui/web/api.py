"""The REST API: approvals for scripts and phones, behind API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, StrictBool

from core.errors import (
    AuthFailed,
    BadInput,
    ChangeFailed,
    Conflict,
    JarvisError,
    NotAllowed,
    NotFound,
    RateLimited,
    Unreachable,
)
from core.logging import get_logger
from policies.outcome import ApprovalView
from ui.web.apikeys import ApiKeyView
from ui.web.state import get_state

log = get_logger("api")

Status = Literal["pending", "approved", "rejected", "expired", "executed", "failed"]
STATUS_OF: list[tuple[type[JarvisError], int]] = [
    (BadInput, status.HTTP_400_BAD_REQUEST),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (ChangeFailed, status.HTTP_409_CONFLICT),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (RateLimited, status.HTTP_429_TOO_MANY_REQUESTS),
    (Unreachable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (AuthFailed, status.HTTP_502_BAD_GATEWAY),
]


class ErrorBody(BaseModel):
    """What every error answers: one sentence for a person."""

    detail: str


class DecisionIn(BaseModel):
    """A person's answer to an approval."""

    model_config = ConfigDict(extra="forbid")

    approve: StrictBool


bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer jv_...")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: jv_...")


async def api_key(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    header: Annotated[str | None, Security(header_key)],
) -> ApiKeyView:
    """The caller's API key, from `Authorization: Bearer` or `X-API-Key`; 401 otherwise."""
    plaintext = credentials.credentials if credentials is not None else header
    if not plaintext:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = await get_state().apikeys.verify(plaintext)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the API key is not valid or was revoked",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return key


Caller = Annotated[ApiKeyView, Depends(api_key)]
ApprovalId = Annotated[str, Path(min_length=1, max_length=64, description="The approval's id")]
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "No API key, or a wrong or revoked one"},
}

router = APIRouter(prefix="/api/v1", tags=["approvals"], responses=ERRORS)


@asynccontextmanager
async def _errors() -> AsyncIterator[None]:
    """Typed errors become their HTTP status with the message; nothing else leaks."""
    try:
        yield
    except JarvisError as exc:
        code = next(
            (code for kind, code in STATUS_OF if isinstance(exc, kind)),
            status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
        raise HTTPException(code, exc.message) from None


@router.get("/approvals", summary="List approvals, newest first")
async def list_approvals(
    _caller: Caller,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ApprovalView]:
    """Approvals, newest first, optionally with one status."""
    approvals = get_state().runtime.gate.approvals
    async with _errors():
        rows = await approvals.list(status_, limit=limit)
    return [approvals.view(row) for row in rows]


@router.get(
    "/approvals/{approval_id}",
    summary="One approval with its diff and result",
    responses={404: {"model": ErrorBody, "description": "No approval with this id"}},
)
async def get_approval(approval_id: ApprovalId, _caller: Caller) -> ApprovalView:
    """One approval by id."""
    approvals = get_state().runtime.gate.approvals
    async with _errors():
        row = await approvals.get(approval_id)
    return approvals.view(row)


@router.post(
    "/approvals/{approval_id}/decision",
    summary="Approve (it runs at once, exactly once) or reject",
    responses={
        404: {"model": ErrorBody, "description": "No approval with this id"},
        409: {"model": ErrorBody, "description": "The approval cannot take this decision"},
    },
)
async def decide(approval_id: ApprovalId, body: DecisionIn, caller: Caller) -> ApprovalView:
    """Decide a pending approval as `user:<key name>`; deciding again changes nothing."""
    state = get_state()
    async with _errors():
        view = await state.runtime.gate.decide(
            approval_id, approve=body.approve, by=f"user:{caller.name}"
        )
    hook = state.after_decision
    if hook is not None:
        try:
            await hook(view)
        except Exception as exc:
            # The decision stands either way; the conversation can be resumed later.
            log.exception("after_decision_failed", approval_id=view.id, error=type(exc).__name__)
    return view
