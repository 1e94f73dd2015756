"""The REST API for domains: records, history, health, gated workflows, import and export."""

from __future__ import annotations

from fastapi import APIRouter

from ui.web.api import ERRORS
from ui.web.domains import actions, crud, summary, transfer

router = APIRouter(tags=["domains"], responses=ERRORS)
# In this order: the fixed paths (/summary, /export, /import, /health) come before `/{ref}`,
# which would match them.
for part in (
    crud.collection,
    summary.router,
    transfer.router,
    actions.collection,
    crud.item,
    actions.item,
):
    router.include_router(part)
