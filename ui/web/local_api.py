"""`POST /api/v1/local/tools/call`: the `jarvis` command on this machine calls a tool here.

The caller proves it can read the server's access file (ui/web/local_access.py) by sending its
token; API keys do not open this route. The call goes through the same gate as
`jarvis tools call` in-process (same policy, same audit), as the actor the command names.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import BadInput, JarvisError
from memory.db import StoreUnavailable, store_errors
from policies.gate import CallContext
from ui.cli.common import ACTOR_RE, database_problem
from ui.web.local_access import CALL_PATH, TOKEN_HEADER, same_token
from ui.web.state import get_state


class LocalCall(BaseModel):
    """One tool call from the terminal: the tool, its arguments and who asks."""

    model_config = ConfigDict(extra="forbid")

    tool: str = Field(min_length=1, max_length=200)
    args: dict[str, Any] = Field(default_factory=dict)
    actor: str

    @field_validator("actor")
    @classmethod
    def _actor(cls, value: str) -> str:
        # The very rule `--actor` is held to in the terminal.
        if not ACTOR_RE.fullmatch(value):
            raise ValueError("the actor must look like user:NAME or agent:NAME")
        return value


def local_router(token: str) -> APIRouter:
    """The route, opened by `token` only (this server's, from its access file)."""

    async def holder_of_token(
        given: Annotated[str | None, Header(alias=TOKEN_HEADER)] = None,
    ) -> None:
        # Checked before the body is validated: without the token nothing about it is told.
        if given is None or not same_token(given, token):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not this server's local token")

    # Not in the OpenAPI schema: it is the terminal's way in, not part of the REST API.
    router = APIRouter(include_in_schema=False, dependencies=[Depends(holder_of_token)])

    @router.post(CALL_PATH)
    async def call_tool(body: LocalCall) -> dict[str, Any]:
        """Run one call through the gate; typed errors answer with the terminal's message."""
        gate = get_state().runtime.gate
        try:
            with store_errors():
                outcome = await gate.invoke(CallContext(actor=body.actor), body.tool, body.args)
        except BadInput as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.message) from None
        except StoreUnavailable as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, database_problem(exc)
            ) from None
        except JarvisError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, exc.message) from None
        return outcome.model_dump(mode="json", exclude_none=True)

    return router
