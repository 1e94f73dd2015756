"""Import and export of domains as JSON or CSV: all or nothing, or the good rows only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from pydantic import BaseModel, Field

from core.errors import Conflict
from memory.db import Database
from memory.domains import ImportedDomain, list_domains, notes_of, register_imported
from tools.domains.parsing import (
    Format,
    ParsedRow,
    ParseResult,
    RowError,
    check_format,
    file_order,
)
from tools.domains.rows import COLUMNS, DomainRow


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


def _conflict(parsed: ParsedRow, message: str) -> RowError:
    return RowError(
        line=parsed.line,
        item=parsed.item,
        location=parsed.location,
        field="fqdn",
        message=message,
        kind="conflict",
    )


def _imported(row: DomainRow) -> ImportedDomain:
    return ImportedDomain(
        fqdn=row.fqdn,
        zone=row.resolved_zone(),
        target=row.target,
        provider=row.resolved_provider(),
        notes=row.notes,
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
    report.errors.sort(key=file_order)
    if report.errors and not partial:
        report.unchanged = []
        return report
    if not partial:
        try:
            await register_imported(db, [_imported(item.row) for item in wanted], source=source)
        except Conflict:
            raise Conflict(
                "a domain in the file was registered meanwhile; nothing was imported"
            ) from None
        report.created = [item.row.fqdn for item in wanted]
        return report
    for item in wanted:
        try:
            await register_imported(db, [_imported(item.row)], source=source)
        except Conflict:
            report.errors.append(_conflict(item, f"{item.row.fqdn} was registered meanwhile"))
            continue
        report.created.append(item.row.fqdn)
    report.errors.sort(key=file_order)
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
    check_format(format)
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
