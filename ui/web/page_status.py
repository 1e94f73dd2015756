"""`GET /page/status`: what the signed-in chat page needs to know about the installation.

Chainlit's page cannot ask the server anything of its own, so public/jarvis-widgets.js reads
this once after sign-in; today it says whether a model is configured, which decides whether
the "LLMs can make mistakes" footer is shown.
"""

from __future__ import annotations

from typing import Annotated

from chainlit.auth import authenticate_user
from chainlit.user import User
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ui.web.state import get_state

router = APIRouter(prefix="/page", include_in_schema=False)


class PageStatus(BaseModel):
    """The installation facts the chat page shows or hides things by."""

    model_configured: bool


@router.get("/status", response_model=PageStatus)
async def page_status(_user: Annotated[User, Depends(authenticate_user)]) -> PageStatus:
    """Whether a model is configured; only for a signed-in session (401 otherwise)."""
    return PageStatus(model_configured=get_state().settings.llm_configured)
