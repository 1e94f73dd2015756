"""Import and export of domains as JSON or CSV, validated row by row before anything is written."""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadInput, Conflict
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import (
    DomainEvent,
    DomainRecord,
    DomainStatus,
    EventCategory,
    EventLevel,
)
from memory.domains import NewEvent, add_event, list_domains
from memory.models import utcnow

Format = Literal["json", "csv"]
FORMATS: tuple[Format, ...] = ("json", "csv")
ErrorKind = Literal["invalid", "duplicate", "conflict"]

DEFAULT_PROVIDER = "zoneedit"
REQUIRED_COLUMNS = ("fqdn", "target")
COLUMNS = ("fqdn", "target", "provider", "zone", "notes")
NOTES_MAX = 2000
# Notes live in the domain's history: the newest event carrying this key holds them.
NOTES_KEY = "notes"
_NOTE_CATEGORIES = (EventCategory.IMPORT.value, EventCategory.WORKFLOW.value)
_TARGET = re.compile(
    r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?)"
    r":(?P<port>[0-9]{1,5})$"
)
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def normalise_target(value: str) -> str:
    """`host:port` or `container:port` with a port in 1-65535; BadInput otherwise."""
    if not isinstance(value, str):
        raise BadInput("a target must be text")
    match = _TARGET.match(value.strip())
    if match is None:
        raise BadInput(f"{value!r} is not host:port or container:port")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise BadInput(f"port {port} in {value!r} is not between 1 and 65535")
    host = match["host"]
    if host.startswith("["):
        try:
            host = f"[{ipaddress.IPv6Address(host[1:-1])}]"
        except ValueError:
            raise BadInput(f"{host} in {value!r} is not an IPv6 address") from None
    return f"{host}:{port}"


def normalise_provider(value: str) -> str:
    """A DNS provider's name in lower case; BadInput when it is not one."""
    name = value.strip().lower() if isinstance(value, str) else ""
    if not _PROVIDER.match(name):
        raise BadInput(f"{value!r} is not a provider name (letters, digits, . _ -)")
    return name


def default_zone(fqdn: str) -> str:
    """The zone assumed for a name when none is given: its last two labels."""
    return ".".join(fqdn.split(".")[-2:])


class DomainRow(BaseModel):
    """One domain as imported and exported: name, upstream, DNS provider, zone and notes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fqdn: str = Field(max_length=254, description="The name to publish, e.g. app.example.com")
    target: str = Field(
        max_length=500, description="Where Caddy sends it: host:port or container:port"
    )
    provider: str | None = Field(
        default=None, description=f"The DNS provider (default {DEFAULT_PROVIDER})"
    )
    zone: str | None = Field(
        default=None, description="The DNS zone holding the name (default: its last two labels)"
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="Free text")

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, value: str) -> str:
        return _checked(normalise_fqdn, value)

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        return _checked(normalise_target, value)

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str | None:
        return _checked(normalise_provider, value) if value else None

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        zone = _checked(normalise_fqdn, value)
        fqdn = info.data.get("fqdn")
        if isinstance(fqdn, str) and fqdn != zone and not fqdn.endswith("." + zone):
            raise ValueError(f"{fqdn} is not inside the zone {zone}")
        return zone

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: str | None) -> str | None:
        return value or None

    def resolved_zone(self) -> str:
        """The zone given, or the default one for the name."""
        return self.zone or default_zone(self.fqdn)

    def resolved_provider(self) -> str:
        """The provider given, or the default one."""
        return self.provider or DEFAULT_PROVIDER


def _checked(fn: Any, value: str) -> str:
    try:
        result: str = fn(value)
    except BadInput as exc:
        raise ValueError(exc.message) from None
    return result


class RowError(BaseModel):
    """What is wrong with one row (or the file), and where."""

    line: int | None = Field(description="CSV line (the header is line 1), or JSON text line")
    item: int | None = Field(default=None, description="Index in the JSON array, from 0")
    location: str = Field(description="`line N`, `item N` or `file`")
    field: str = Field(description="The column or key at fault (`row`, `header` or `file`)")
    message: str
    kind: ErrorKind = "invalid"


class ParsedRow(BaseModel):
    """A valid row and where it was in the file."""

    location: str
    line: int | None = None
    item: int | None = None
    row: DomainRow


class ParseResult(BaseModel):
    """Every valid row of a file and every problem found, in file order."""

    rows: list[ParsedRow] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)


class ImportReport(BaseModel):
    """What an import did: names created, names already there unchanged, rows refused."""

    partial: bool
    created: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.errors


def format_for(filename: str) -> Format:
    """The format a file name implies (`.json` or `.csv`); BadInput otherwise."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise BadInput(f"cannot tell the format of {filename!r}; name it .json or .csv")
    return "json" if suffix == "json" else "csv"


def parse(text: str, format: Format) -> ParseResult:
    """Validate every row of a JSON or CSV file; duplicates within the file are errors."""
    if format not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    text = text.removeprefix("\ufeff")
    result = _parse_json(text) if format == "json" else _parse_csv(text)
    seen: dict[str, str] = {}
    unique: list[ParsedRow] = []
    for parsed in result.rows:
        first = seen.get(parsed.row.fqdn)
        if first is None:
            seen[parsed.row.fqdn] = parsed.location
            unique.append(parsed)
            continue
        result.errors.append(
            RowError(
                line=parsed.line,
                item=parsed.item,
                location=parsed.location,
                field="fqdn",
                message=f"{parsed.row.fqdn} appears already in {first}",
                kind="duplicate",
            )
        )
    result.rows = unique
    result.errors.sort(key=_order)
    return result


def _order(error: RowError) -> tuple[int, int]:
    return (error.line or 0, error.item if error.item is not None else -1)


def _validation_errors(
    exc: ValidationError, *, line: int | None, item: int | None, location: str
) -> list[RowError]:
    errors = []
    for problem in exc.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "row"
        message = str(problem["msg"]).removeprefix("Value error, ")
        errors.append(
            RowError(line=line, item=item, location=location, field=field, message=message)
        )
    return errors


def _parse_json(text: str) -> ParseResult:
    result = ParseResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.errors.append(
            RowError(
                line=exc.lineno,
                location=f"line {exc.lineno}",
                field="file",
                message=f"not valid JSON: {exc.msg} (column {exc.colno})",
            )
        )
        return result
    if not isinstance(data, list):
        result.errors.append(
            RowError(
                line=None, location="file", field="file", message="expected a JSON array of rows"
            )
        )
        return result
    for index, item in enumerate(data):
        location = f"item {index}"
        if not isinstance(item, dict):
            result.errors.append(
                RowError(
                    line=None,
                    item=index,
                    location=location,
                    field="row",
                    message="each item must be an object with fqdn and target",
                )
            )
            continue
        try:
            row = DomainRow.model_validate(item)
        except ValidationError as exc:
            result.errors.extend(_validation_errors(exc, line=None, item=index, location=location))
            continue
        result.rows.append(ParsedRow(location=location, item=index, row=row))
    return result


def _header_errors(header: list[str]) -> list[str]:
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.append(f"the header lacks {', '.join(missing)} (it needs {','.join(COLUMNS)})")
    unknown = sorted({c for c in header if c not in COLUMNS})
    if unknown:
        problems.append(
            f"unknown column(s) {', '.join(repr(c) for c in unknown)} (known: {', '.join(COLUMNS)})"
        )
    repeated = sorted({c for c in header if header.count(c) > 1 and c in COLUMNS})
    if repeated:
        problems.append(f"column(s) {', '.join(repeated)} appear more than once")
    return problems


def _parse_csv(text: str) -> ParseResult:
    result = ParseResult()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = previous + 1
            result.errors.append(
                RowError(
                    line=line, location=f"line {line}", field="row", message=f"not valid CSV: {exc}"
                )
            )
            return result
        line, previous = previous + 1, reader.line_num
        location = f"line {line}"
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            problems = _header_errors(header)
            if problems:
                result.errors.extend(
                    RowError(line=line, location=location, field="header", message=problem)
                    for problem in problems
                )
                return result
            continue
        if len(cells) != len(header):
            result.errors.append(
                RowError(
                    line=line,
                    location=location,
                    field="row",
                    message=f"has {len(cells)} field(s); the header has {len(header)}",
                )
            )
            continue
        values = {col: cell for col, cell in zip(header, cells, strict=True) if cell.strip()}
        try:
            row = DomainRow.model_validate(values)
        except ValidationError as exc:
            result.errors.extend(_validation_errors(exc, line=line, item=None, location=location))
            continue
        result.rows.append(ParsedRow(location=location, line=line, row=row))
    if header is None:
        result.errors.append(
            RowError(
                line=1,
                location="line 1",
                field="header",
                message=f"the file is empty; the first line must be a header ({','.join(COLUMNS)})",
            )
        )
    return result


async def notes_of(db: Database, domain_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The current notes of each domain that has any (all domains, or the given ones)."""
    query = (
        select(DomainEvent.domain_id, DomainEvent.data)
        .where(DomainEvent.category.in_(_NOTE_CATEGORIES))
        .order_by(DomainEvent.id)
    )
    if domain_ids is not None:
        query = query.where(DomainEvent.domain_id.in_(list(domain_ids)))
    notes: dict[int, str | None] = {}
    async with db.session() as session:
        for domain_id, data in (await session.execute(query)).all():
            if isinstance(data, dict) and NOTES_KEY in data:
                value = data[NOTES_KEY]
                notes[domain_id] = value if isinstance(value, str) and value else None
    return {domain_id: text for domain_id, text in notes.items() if text is not None}


async def set_notes(db: Database, domain_id: int, notes: str | None) -> None:
    """Replace a domain's notes (None or empty removes them), as an event in its history."""
    text = (notes or "").strip() or None
    if text is not None and len(text) > NOTES_MAX:
        raise BadInput(f"notes are at most {NOTES_MAX} characters")
    await add_event(
        db,
        domain_id,
        NewEvent(
            category=EventCategory.WORKFLOW,
            message="notes changed" if text else "notes removed",
            data={NOTES_KEY: text},
        ),
    )


async def _insert(session: AsyncSession, row: DomainRow, source: str) -> None:
    now = utcnow()
    record = DomainRecord(
        fqdn=row.fqdn,
        zone=row.resolved_zone(),
        target=row.target,
        provider=row.resolved_provider(),
        records={},
        status=DomainStatus.PENDING.value,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    await session.flush()
    session.add(
        DomainEvent(
            domain_id=record.id,
            category=EventCategory.IMPORT.value,
            level=EventLevel.INFO.value,
            message=f"imported from {source}",
            data={NOTES_KEY: row.notes} if row.notes else None,
            created_at=now,
        )
    )
    await session.flush()


def _conflict(parsed: ParsedRow, message: str) -> RowError:
    return RowError(
        line=parsed.line,
        item=parsed.item,
        location=parsed.location,
        field="fqdn",
        message=message,
        kind="conflict",
    )


async def import_domains(
    db: Database, parsed: ParseResult, *, partial: bool = False, source: str = "a file"
) -> ImportReport:
    """Register the parsed rows: all or nothing, or with `partial` the good ones only."""
    report = ImportReport(partial=partial, errors=list(parsed.errors))
    existing = {domain.fqdn: domain for domain in await list_domains(db)}
    wanted: list[ParsedRow] = []
    for item in parsed.rows:
        known = existing.get(item.row.fqdn)
        if known is None:
            wanted.append(item)
        elif known.target == item.row.target:
            report.unchanged.append(item.row.fqdn)
        else:
            report.errors.append(
                _conflict(
                    item,
                    f"{item.row.fqdn} is already registered with target {known.target}",
                )
            )
    report.errors.sort(key=_order)
    if report.errors and not partial:
        report.unchanged = []
        return report
    if not partial:
        try:
            async with db.session() as session:
                for item in wanted:
                    await _insert(session, item.row, source)
        except IntegrityError:
            raise Conflict(
                "a domain in the file was registered meanwhile; nothing was imported"
            ) from None
        report.created = [item.row.fqdn for item in wanted]
        return report
    for item in wanted:
        try:
            async with db.session() as session:
                await _insert(session, item.row, source)
        except IntegrityError:
            report.errors.append(_conflict(item, f"{item.row.fqdn} was registered meanwhile"))
            continue
        report.created.append(item.row.fqdn)
    report.errors.sort(key=_order)
    return report


async def export_rows(db: Database) -> list[DomainRow]:
    """Every domain as an import row, by name."""
    domains = await list_domains(db)
    notes = await notes_of(db)
    return [
        DomainRow(
            fqdn=domain.fqdn,
            target=domain.target,
            provider=domain.provider,
            zone=domain.zone,
            notes=notes.get(domain.id),
        )
        for domain in domains
    ]


def render(rows: Iterable[DomainRow], format: Format) -> str:
    """Rows as a JSON array or a CSV file with a header, in a stable layout."""
    if format == "json":
        data = [row.model_dump(include=set(COLUMNS)) for row in rows]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format != "csv":
        raise BadInput(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = row.model_dump()
        writer.writerow(["" if values[col] is None else values[col] for col in COLUMNS])
    return buffer.getvalue()


async def export_domains(db: Database, format: Format) -> str:
    """Every domain as JSON or CSV; importing it into an empty database exports the same."""
    return render(await export_rows(db), format)
