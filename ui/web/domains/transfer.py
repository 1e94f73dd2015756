"""Domains import and export over REST: a JSON or CSV file in, every domain out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from memory import audit
from tools.domains.parsing import Format, RowError, parse
from tools.domains.transfer import ImportReport, export_domains, import_domains
from ui.web.api import Caller, ErrorBody, _errors
from ui.web.domains.common import PREFIX, db

IMPORT_MAX_BYTES = 5 * 1024 * 1024
MEDIA: dict[str, str] = {"json": "application/json", "csv": "text/csv; charset=utf-8"}

router = APIRouter(prefix=PREFIX)


class ImportRefused(BaseModel):
    """Why nothing was imported, with every refused row and where it is in the file."""

    detail: str
    errors: list[RowError]


async def _capped_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (never read whole)."""
    declared = request.headers.get("content-length", "")
    too_large = HTTPException(
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        f"the file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MiB",
    )
    if declared.isascii() and declared.isdecimal() and int(declared) > IMPORT_MAX_BYTES:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > IMPORT_MAX_BYTES:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)


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
        text = await export_domains(db(), format_)
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
    raw = await _capped_body(request)
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
            db(), parse(text, kind), partial=partial, source=f"a {kind.upper()} import"
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
        db(),
        actor=f"user:{caller.name}",
        event="domains_imported",
        resource="domain:*",
        data={"format": kind, "partial": partial, "report": report.model_dump(mode="json")},
    )
    return report
