"""The REST API for domains: records, history, health, gated workflows, import and export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete

from core.errors import BadInput, Conflict, NotFound
from memory import audit
from memory.db import Database
from memory.domain_models import (
    DomainEvent,
    DomainRecord,
    DomainStatus,
    DomainTask,
    EventCategory,
    EventLevel,
)
from memory.domains import (
    NOTES_MAX,
    Domain,
    DomainChanges,
    Event,
    NewDomain,
    NewEvent,
    add_event,
    create_domain,
    find_domain,
    get_domain,
    list_domains,
    list_events,
    notes_of,
    set_notes,
    update_domain,
)
from policies.gate import CallContext
from policies.outcome import Status as OutcomeStatus
from tools.domains.parsing import Format, RowError, parse
from tools.domains.rows import DomainRow, normalise_provider, normalise_target
from tools.domains.transfer import ImportReport, export_domains, import_domains
from ui.web.api import ERRORS, Caller, ErrorBody, _errors
from ui.web.apikeys import ApiKeyView
from ui.web.state import get_state

EXPIRY_WINDOW_DAYS = 21
IMPORT_MAX_BYTES = 5 * 1024 * 1024
# A domain in one of these states has nothing published (or nothing left) and may be dropped.
DELETABLE = frozenset({DomainStatus.PENDING.value, DomainStatus.REMOVED.value})
HEALTHY = frozenset({"healthy", "degraded"})
MEDIA: dict[str, str] = {"json": "application/json", "csv": "text/csv; charset=utf-8"}

DomainRef = Annotated[
    str,
    Path(min_length=1, max_length=254, description="The domain's numeric id or its name"),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=150,
        description="Repeat a request with the same key and it runs at most once",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No domain with this id or name"}
}
GATED: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    202: {"description": "The policy asks first: an approval is waiting (see approval_id)"},
    403: {"model": ErrorBody, "description": "The policy denies this call"},
    502: {"model": ErrorBody, "description": "The tool ran and failed"},
    503: {"model": ErrorBody, "description": "The tool is not available on this server"},
}

router = APIRouter(prefix="/api/v1/domains", tags=["domains"], responses=ERRORS)


class DomainOut(BaseModel):
    """A domain as the API shows it."""

    id: int
    fqdn: str
    zone: str
    target: str
    provider: str
    notes: str | None
    records: dict[str, list[str]]
    status: DomainStatus
    cert: dict[str, Any] | None
    health: dict[str, Any] | None
    checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DomainIn(DomainRow):
    """A domain to register: name and upstream; provider, zone and notes are optional."""


class DomainPatch(BaseModel):
    """Fields of a domain to change; those left out stay as they are (null notes clear them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target: str | None = Field(default=None, description="host:port or container:port")
    provider: str | None = Field(default=None, description="The DNS provider")
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="Free text")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("a domain's target cannot be removed")
        try:
            return normalise_target(value)
        except BadInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("a domain's provider cannot be removed")
        try:
            return normalise_provider(value)
        except BadInput as exc:
            raise ValueError(exc.message) from None


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


class ExpiringCertificate(BaseModel):
    """A certificate that runs out within the summary's window."""

    fqdn: str
    not_after: datetime
    days_left: int


class SummaryOut(BaseModel):
    """Counts over every domain: by status, unhealthy ones, certificates expiring soon."""

    total: int
    by_status: dict[DomainStatus, int]
    unhealthy: int = Field(description="Domains whose last health check was not healthy")
    expiring_within_days: int
    expiring_certificates: list[ExpiringCertificate]


class ImportRefused(BaseModel):
    """Why nothing was imported, with every refused row and where it is in the file."""

    detail: str
    errors: list[RowError]


def _db() -> Database:
    return get_state().runtime.db


async def _audit(caller: ApiKeyView, event: str, fqdn: str, data: dict[str, Any]) -> None:
    """Record a change to the domain records made through the API."""
    await audit.record(
        _db(), actor=f"user:{caller.name}", event=event, resource=f"domain:{fqdn}", data=data
    )


async def _resolve(ref: str) -> Domain:
    """The domain named by id or fqdn; NotFound otherwise."""
    db = _db()
    if ref.isdigit():
        return await get_domain(db, int(ref))
    try:
        found = await find_domain(db, ref)
    except BadInput:
        found = None
    if found is None:
        raise NotFound(f"no domain {ref!r}")
    return found


def _out(domain: Domain, notes: dict[int, str]) -> DomainOut:
    return DomainOut(**domain.model_dump(), notes=notes.get(domain.id))


async def _one(domain: Domain) -> DomainOut:
    return _out(domain, await notes_of(_db(), [domain.id]))


@router.get("", summary="List domains by name, optionally of one status")
async def list_all(
    _caller: Caller,
    status_: Annotated[DomainStatus | None, Query(alias="status")] = None,
) -> list[DomainOut]:
    """Every domain by name, optionally of one status."""
    async with _errors():
        domains = await list_domains(_db(), status=status_)
        notes = await notes_of(_db(), [d.id for d in domains])
    return [_out(domain, notes) for domain in domains]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a domain (nothing is published until it is provisioned)",
    responses={409: {"model": ErrorBody, "description": "The name is already registered"}},
)
async def create(body: DomainIn, caller: Caller) -> DomainOut:
    """Register a domain as pending; 409 when the name is taken."""
    db = _db()
    async with _errors():
        domain = await create_domain(
            db,
            NewDomain(
                fqdn=body.fqdn,
                zone=body.resolved_zone(),
                target=body.target,
                provider=body.resolved_provider(),
            ),
        )
        if body.notes:
            await set_notes(db, domain.id, body.notes)
        await _audit(caller, "domain_created", domain.fqdn, {"target": domain.target})
        return await _one(domain)


@router.get("/summary", summary="Counts by status, unhealthy domains, certificates expiring soon")
async def summary(_caller: Caller) -> SummaryOut:
    """Counts by status, unhealthy domains, and certificates expiring within 21 days."""
    async with _errors():
        domains = await list_domains(_db())
    now = datetime.now(UTC)
    by_status = dict.fromkeys(DomainStatus, 0)
    expiring: list[ExpiringCertificate] = []
    unhealthy = 0
    for domain in domains:
        by_status[domain.status] += 1
        if _is_unhealthy(domain.health):
            unhealthy += 1
        not_after = _not_after(domain)
        if not_after is not None and not_after - now <= timedelta(days=EXPIRY_WINDOW_DAYS):
            expiring.append(
                ExpiringCertificate(
                    fqdn=domain.fqdn,
                    not_after=not_after,
                    days_left=(not_after - now).days,
                )
            )
    expiring.sort(key=lambda cert: (cert.not_after, cert.fqdn))
    return SummaryOut(
        total=len(domains),
        by_status=by_status,
        unhealthy=unhealthy,
        expiring_within_days=EXPIRY_WINDOW_DAYS,
        expiring_certificates=expiring,
    )


def _is_unhealthy(health: dict[str, Any] | None) -> bool:
    if not health:
        return False
    if health.get("ok") is False or health.get("healthy") is False:
        return True
    for key in ("classification", "status"):
        value = health.get(key)
        if isinstance(value, str):
            return value not in HEALTHY and value != "ok"
    return False


def _not_after(domain: Domain) -> datetime | None:
    for source in (domain.cert, (domain.health or {}).get("certificate")):
        value = source.get("not_after") if isinstance(source, dict) else None
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return None


@router.get(
    "/export",
    summary="Every domain as JSON or CSV (import it elsewhere to get the same domains)",
    response_class=Response,
    responses={
        200: {
            "description": "The file",
            "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export(
    _caller: Caller, format_: Annotated[Format, Query(alias="format")] = "json"
) -> Response:
    """Every domain as a JSON array or a CSV file, by name."""
    async with _errors():
        text = await export_domains(_db(), format_)
    return Response(
        content=text,
        media_type=MEDIA[format_],
        headers={"Content-Disposition": f'attachment; filename="domains.{format_}"'},
    )


@router.post(
    "/import",
    summary="Import domains from a JSON or CSV file sent as the body",
    response_model=ImportReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/DomainIn"}}
                },
            },
        }
    },
    responses={
        409: {"model": ImportRefused, "description": "Names already registered elsewhere"},
        413: {"model": ErrorBody, "description": "The file is too large"},
        422: {"model": ImportRefused, "description": "Bad rows; nothing was imported"},
    },
)
async def import_file(
    request: Request,
    caller: Caller,
    partial: Annotated[bool, Query(description="Import the good rows, report bad ones")] = False,
    format_: Annotated[
        Format | None, Query(alias="format", description="Default: from the Content-Type")
    ] = None,
) -> ImportReport | JSONResponse:
    """Validate every row first; without `partial`, any bad row means nothing is imported."""
    raw = await request.body()
    if len(raw) > IMPORT_MAX_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            f"the file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MiB",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, "the file is not UTF-8 text"
        ) from None
    kind: Format = format_ or (
        "csv" if "csv" in request.headers.get("content-type", "").lower() else "json"
    )
    async with _errors():
        report = await import_domains(
            _db(), parse(text, kind), partial=partial, source=f"a {kind.upper()} import"
        )
    if report.errors and not partial:
        only_conflicts = all(error.kind == "conflict" for error in report.errors)
        code = status.HTTP_409_CONFLICT if only_conflicts else status.HTTP_422_UNPROCESSABLE_ENTITY
        refused = ImportRefused(
            detail=f"{len(report.errors)} problem(s) in the file; nothing was imported",
            errors=report.errors,
        )
        return JSONResponse(refused.model_dump(mode="json"), status_code=code)
    await audit.record(
        _db(),
        actor=f"user:{caller.name}",
        event="domains_imported",
        resource="domain:*",
        data={"format": kind, "partial": partial, "report": report.model_dump(mode="json")},
    )
    return report


@router.get("/health", summary="Check every domain's health (through the gate)", responses=GATED)
async def health_all(
    caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Run `domains.health` for every domain through the gate as `user:<key name>`."""
    return await _gated(caller, response, "domains.health", {}, idempotency_key)


@router.get("/{ref}", summary="One domain by id or name", responses=NOT_FOUND)
async def get_one(ref: DomainRef, _caller: Caller) -> DomainOut:
    """One domain by numeric id or by name."""
    async with _errors():
        return await _one(await _resolve(ref))


@router.patch(
    "/{ref}",
    summary="Change a domain's target, provider or notes",
    responses=NOT_FOUND,
)
async def patch(ref: DomainRef, body: DomainPatch, caller: Caller) -> DomainOut:
    """Change the fields given; a new target takes effect when the domain is provisioned again."""
    db = _db()
    async with _errors():
        domain = await _resolve(ref)
        fields = body.model_fields_set
        changes = DomainChanges.model_validate(
            {name: getattr(body, name) for name in fields & {"target", "provider"}}
        )
        if changes.model_fields_set:
            before = domain
            domain = await update_domain(db, domain.id, changes)
            if domain.target != before.target and before.status != DomainStatus.PENDING:
                await add_event(
                    db,
                    domain.id,
                    NewEvent(
                        category=EventCategory.WORKFLOW,
                        level=EventLevel.WARNING,
                        message=f"target changed from {before.target} to {domain.target}; "
                        "provision again to apply it",
                    ),
                )
        if "notes" in fields:
            await set_notes(db, domain.id, body.notes)
        changed = {name: getattr(body, name) for name in fields}
        await _audit(caller, "domain_updated", domain.fqdn, changed)
        return await _one(domain)


@router.delete(
    "/{ref}",
    summary="Forget a domain that is not provisioned",
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "It is provisioned: deprovision it first"},
    },
)
async def remove(ref: DomainRef, caller: Caller) -> DomainOut:
    """Delete the record (and its history) when nothing is published; 409 otherwise."""
    db = _db()
    async with _errors():
        domain = await _resolve(ref)
        shown = await _one(domain)
        async with db.session() as session:
            done = await session.execute(
                delete(DomainRecord)
                .where(DomainRecord.id == domain.id, DomainRecord.status.in_(DELETABLE))
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0) != 1:
                current = await session.get(DomainRecord, domain.id)
                if current is None:
                    raise NotFound(f"no domain {ref!r}")
                raise Conflict(
                    f"{domain.fqdn} is {current.status}; deprovision it first "
                    f"(POST /api/v1/domains/{domain.id}/deprovision)"
                )
            # Foreign keys cascade on PostgreSQL and SQLite alike; this covers a store without.
            await session.execute(delete(DomainEvent).where(DomainEvent.domain_id == domain.id))
            await session.execute(delete(DomainTask).where(DomainTask.domain_id == domain.id))
    await _audit(caller, "domain_deleted", domain.fqdn, {"target": domain.target})
    return shown


@router.get("/{ref}/events", summary="A domain's history, oldest first", responses=NOT_FOUND)
async def events(
    ref: DomainRef,
    _caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Event]:
    """A domain's events, oldest first."""
    async with _errors():
        domain = await _resolve(ref)
        return await list_events(_db(), domain.id, limit=limit)


@router.get(
    "/{ref}/health", summary="Check one domain's health (through the gate)", responses=GATED
)
async def health_one(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Run `domains.health` for one domain through the gate."""
    async with _errors():
        domain = await _resolve(ref)
    return await _gated(caller, response, "domains.health", {"fqdn": domain.fqdn}, idempotency_key)


class ProvisionIn(BaseModel):
    """Optional arguments of a provisioning run."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target: str | None = Field(default=None, description="A new upstream to publish")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_target(value)
        except BadInput as exc:
            raise ValueError(exc.message) from None


@router.post(
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
        domain = await _resolve(ref)
    args: dict[str, Any] = {"fqdn": domain.fqdn}
    if body is not None and body.target is not None:
        args["target"] = body.target
    return await _gated(caller, response, "domains.provision", args, idempotency_key)


@router.post(
    "/{ref}/deprovision",
    summary="Withdraw a domain: route, DNS records (through the gate)",
    responses=GATED,
)
async def deprovision(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Call `domains.deprovision` through the gate; 202 with the approval id when it asks."""
    async with _errors():
        domain = await _resolve(ref)
    return await _gated(
        caller, response, "domains.deprovision", {"fqdn": domain.fqdn}, idempotency_key
    )


@router.post(
    "/{ref}/renew-ssl",
    summary="Renew a domain's certificate (through the gate)",
    responses=GATED,
)
async def renew_ssl(
    ref: DomainRef, caller: Caller, response: Response, idempotency_key: IdempotencyKey = None
) -> GatedOut:
    """Call `domains.renew_ssl` through the gate; 202 with the approval id when it asks."""
    async with _errors():
        domain = await _resolve(ref)
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
