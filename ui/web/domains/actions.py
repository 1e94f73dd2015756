"""Domain workflows over REST: health, provision, deprovision and renewal, through the gate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from policies.gate import CallContext
from policies.outcome import NOT_READY
from policies.outcome import Status as OutcomeStatus
from tools.domains.rows import checked, normalise_target
from ui.web.api import Caller, ErrorBody, _errors
from ui.web.apikeys import ApiKeyView
from ui.web.domains.common import NOT_FOUND, PREFIX, DomainRef, resolve
from ui.web.state import get_state

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=150,
        description="Repeat a request with the same key and it runs at most once",
    ),
]
GATED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    202: {"description": "The policy asks first: an approval is waiting (see approval_id)"},
    403: {"model": ErrorBody, "description": "The policy denies this call"},
    502: {"model": ErrorBody, "description": "The tool ran and failed"},
    503: {"model": ErrorBody, "description": "The tool is not available on this server"},
}

# Routes on the collection, and routes on one domain (`/{ref}/...`); see crud.
collection = APIRouter(prefix=PREFIX)
item = APIRouter(prefix=PREFIX)


class GatedOut(BaseModel):
    """The answer of a tool run through the gate: its result, or the approval it waits on."""

    status: OutcomeStatus
    tool: str
    resource: str
    approval_id: str | None = Field(description="Decide it at /api/v1/approvals/{id}/decision")
    data: dict[str, Any] | None = None
    message: str | None = None
    rule: str | None = None
    reason: str | None = None


class ProvisionIn(BaseModel):
    """Optional arguments of a provisioning run."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target: str | None = Field(default=None, description="A new upstream to publish")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        return None if value is None else checked(normalise_target, value)


@collection.get(
    "/health", summary="Check every domain's health (through the gate)", responses=GATED
)
async def health_all(
    caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Run `domains.health` for every domain through the gate as `user:<key name>`."""
    return await _gated(caller, response, "domains.health", {}, idempotency_key)


@item.get("/{ref}/health", summary="Check one domain's health (through the gate)", responses=GATED)
async def health_one(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Run `domains.health` for one domain through the gate."""
    async with _errors():
        domain = await resolve(ref)
    return await _gated(caller, response, "domains.health", {"fqdn": domain.fqdn}, idempotency_key)


@item.post(
    "/{ref}/provision",
    summary="Publish a domain: DNS, Caddy route, certificate (through the gate)",
    responses=GATED,
)
async def provision(
    ref: DomainRef,
    caller: Caller,
    response: Response,
    body: Annotated[ProvisionIn | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> GatedOut:
    """Call `domains.provision` through the gate; 202 with the approval id when it asks."""
    async with _errors():
        domain = await resolve(ref)
    args: dict[str, Any] = {"fqdn": domain.fqdn}
    if body is not None and body.target is not None:
        args["target"] = body.target
    return await _gated(caller, response, "domains.provision", args, idempotency_key)


@item.post(
    "/{ref}/deprovision",
    summary="Withdraw a domain: route, DNS records (through the gate)",
    responses=GATED,
)
async def deprovision(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Call `domains.deprovision` through the gate; 202 with the approval id when it asks."""
    async with _errors():
        domain = await resolve(ref)
    return await _gated(
        caller, response, "domains.deprovision", {"fqdn": domain.fqdn}, idempotency_key
    )


@item.post(
    "/{ref}/renew-ssl",
    summary="Renew a domain's certificate (through the gate)",
    responses=GATED,
)
async def renew_ssl(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Call `domains.renew_ssl` through the gate; 202 with the approval id when it asks."""
    async with _errors():
        domain = await resolve(ref)
    return await _gated(
        caller, response, "domains.renew_ssl", {"fqdn": domain.fqdn}, idempotency_key
    )


async def _gated(
    caller: ApiKeyView, response: Response, tool: str, args: dict[str, Any], key: str | None
) -> GatedOut:
    """Run `tool` through the gate as the key's owner and map its outcome to HTTP."""
    runtime = get_state().runtime
    if tool not in runtime.registry:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"{tool} is not available on this server"
        )
    async with _errors():
        outcome = await runtime.gate.invoke(
            CallContext(actor=f"user:{caller.name}", idempotency_key=key), tool, args
        )
    if outcome.status == "denied":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, outcome.reason or outcome.message or "denied by policy"
        )
    if outcome.status == "error" and outcome.reason == NOT_READY:
        raise HTTPException(status.HTTP_409_CONFLICT, outcome.message or f"{tool} cannot run yet")
    if outcome.status == "error":
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, outcome.message or f"{tool} failed")
    if outcome.status == "approval_required":
        response.status_code = status.HTTP_202_ACCEPTED
    return GatedOut(
        status=outcome.status,
        tool=tool,
        resource=outcome.invocation.resource,
        approval_id=outcome.approval_id,
        data=outcome.data,
        message=outcome.message,
        rule=outcome.rule,
        reason=outcome.reason,
    )
