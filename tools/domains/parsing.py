"""Reading a JSON or CSV file of domains: every row validated, every problem located."""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from core.errors import BadInput
from tools.domains.rows import COLUMNS, REQUIRED_COLUMNS, DomainRow

Format = Literal["json", "csv"]
FORMATS: tuple[Format, ...] = ("json", "csv")
ErrorKind = Literal["invalid", "duplicate", "conflict"]


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


def file_order(error: RowError) -> tuple[int, int]:
    """Sort key putting errors in the order of the file."""
    return (error.line or 0, error.item if error.item is not None else -1)


def check_format(format: str) -> None:
    """BadInput unless `format` is one of FORMATS."""
    if format not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(FORMATS)}, not {format!r}")


def format_for(filename: str) -> Format:
    """The format a file name implies (`.json` or `.csv`); BadInput otherwise."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise BadInput(f"cannot tell the format of {filename!r}; name it .json or .csv")
    return "json" if suffix == "json" else "csv"


def parse(text: str, format: Format) -> ParseResult:
    """Validate every row of a JSON or CSV file; duplicates within the file are errors."""
    check_format(format)
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
    result.errors.sort(key=file_order)
    return result


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
    except RecursionError:
        result.errors.append(
            RowError(
                line=None, location="file", field="file", message="the JSON is nested too deeply"
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
