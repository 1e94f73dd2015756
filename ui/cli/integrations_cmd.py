"""`jarvis integrations`: services Jarvis talks to; their credentials stay in the vault."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ui.cli.common import (
    EXIT_BAD_INPUT,
    JSON_OPT,
    default_actor,
    emit,
    fail,
    from_stdin,
    run_with_runtime,
)

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from memory.integrations import IntegrationView
    from tools.integrations.access import TestReport

app = typer.Typer(
    help="Services Jarvis talks to (Home Assistant ...): add, list, test, remove.",
    no_args_is_help=True,
)

KEY_ARG = typer.Argument(..., help="A name, or a kind")


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} takes FIELD=VALUE, got {item!r}", EXIT_BAD_INPUT)
        out[key.strip()] = value
    return out


def _secret_files(items: list[str]) -> dict[str, str]:
    out = {}
    for key, path in _pairs(items, "--secret-file").items():
        try:
            out[key] = Path(path).read_text().strip()
        except OSError as exc:
            fail(f"--secret-file {key}: cannot read {path}: {exc.strerror}", EXIT_BAD_INPUT)
    return out


def _line(row: dict[str, Any]) -> str:
    result = row["test_result"]
    state = "untested" if result is None else ("ok" if result == "ok" else f"failing: {result}")
    return f"{row['name']:<16} {row['kind']:<14} {row['url']}  ({state})"


@app.command("add")
def add(
    kind: str = typer.Argument(..., help="homeassistant (more kinds: `integrations kinds`)"),
    url: str = typer.Option(..., "--url", help="The service's base URL, e.g. https://home.lan"),
    token: str | None = typer.Option(None, "--token", help="API token (- reads it from stdin)"),
    user: str | None = typer.Option(None, "--user", help="User name, for kinds that take one"),
    password: str | None = typer.Option(
        None, "--password", help="Password, for kinds that take one (- reads it from stdin)"
    ),
    option: list[str] = typer.Option(
        [], "--option", help="Another setting the kind takes, FIELD=VALUE (repeatable)"
    ),
    secret_file: list[str] = typer.Option(
        [], "--secret-file", help="A credential read from a file, FIELD=PATH (repeatable)"
    ),
    name: str | None = typer.Option(
        None, "--name", help="Name it (default: the kind; adding a kind again replaces it)"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Add or replace an integration: tested first; a refused credential stores nothing.

    A service that does not answer is stored anyway (it may be down) and the reason is shown.
    """
    # Imported here: the database stack is slow to import and `--help` must not wait for it.
    from tools.integrations import admin

    fields = {
        "token": from_stdin(token, "--token"),
        "user": user,
        "password": from_stdin(password, "--password"),
        **_pairs(option, "--option"),
        **_secret_files(secret_file),
    }
    given = {k: v for k, v in fields.items() if v}
    actor = default_actor()

    async def go(rt: Runtime) -> tuple[IntegrationView, TestReport, bool]:
        return await admin.add(rt.deps.integrations, kind, url, given, name=name, actor=actor)

    view, report, replaced = run_with_runtime(go, publish=False)
    row = {**admin.public(view), "replaced": replaced, "reachable": report.ok}
    verb = "replaced" if replaced else "added"
    said = report.detail if report.ok else f"stored, but it did not answer: {report.detail}"
    emit(row, as_json, lambda: f"{verb} {_line(row)}\n{said}; credentials are in the vault")


@app.command("list")
def list_integrations(as_json: bool = JSON_OPT) -> None:
    """List the integrations (which credentials are set, never their values)."""
    from tools.integrations.admin import public

    async def go(rt: Runtime) -> list[IntegrationView]:
        return await rt.deps.integrations.list()

    rows = [public(v) for v in run_with_runtime(go, publish=False)]
    emit(rows, as_json, lambda: "\n".join(_line(r) for r in rows) or "no integrations")


@app.command("test")
def test(
    key: str = typer.Argument(..., help="A name, or a kind"), as_json: bool = JSON_OPT
) -> None:
    """Ask the service whether it answers and takes the credentials; exit 1 when not."""
    from tools.integrations.admin import public

    async def go(rt: Runtime) -> TestReport:
        return await rt.deps.integrations.test(key)

    report = run_with_runtime(go, publish=False)
    row = {**public(report.view), "ok": report.ok, "detail": report.detail, "error": report.error}
    if as_json:
        emit(row, True, str)
    elif report.ok:
        typer.echo(f"{report.view.name}: ok ({report.detail})")
    else:
        typer.echo(f"{report.view.name}: failed: {report.detail}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    key: str = typer.Argument(..., help="A name, or a kind"), as_json: bool = JSON_OPT
) -> None:
    """Forget an integration (its credentials are no longer used)."""
    from tools.integrations import admin

    actor = default_actor()

    async def go(rt: Runtime) -> IntegrationView:
        return await admin.remove(rt.deps.integrations, key, actor=actor)

    row = admin.public(run_with_runtime(go, publish=False))
    emit(row, as_json, lambda: f"removed {_line(row)}")


@app.command("kinds")
def kinds(as_json: bool = JSON_OPT) -> None:
    """The kinds of integration and the fields each takes."""
    from tools.integrations import catalog

    rows = []
    for name in catalog.names():
        kind = catalog.kind(name)
        rows.append(
            {
                "kind": name,
                "title": kind.title,
                "credentials": list(kind.secrets),
                "options": list(kind.options),
                "required": list(kind.required),
                "fields": list(kind.fields),
                "url_example": kind.url_example,
            }
        )
    emit(
        rows,
        as_json,
        lambda: "\n".join(
            f"{r['kind']:<14} {r['title']:<16} takes {', '.join(r['fields'])}" for r in rows
        ),
    )
