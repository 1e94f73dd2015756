"""`jarvis databases`: register database servers (passwords go to the vault), list, remove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from ui.cli.common import JSON_OPT, default_actor, emit, from_stdin, run_with_runtime

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from memory.databases import ServerView

app = typer.Typer(
    help="Database servers Jarvis manages: add, list, remove; show a created password once.",
    no_args_is_help=True,
)


def _public(view: ServerView) -> dict[str, Any]:
    users = view.options.get("users", {})
    options = {k: v for k, v in view.options.items() if k != "users"}
    return {
        "name": view.name,
        "engine": view.engine,
        "address": view.address,
        "port": view.port,
        "username": view.username,
        "password": "in the vault" if view.password_ref else None,
        "options": options,
        "databases_created": sorted(users),
        "container": view.container,
        "created_at": view.created_at.isoformat(),
    }


def _line(row: dict[str, Any]) -> str:
    user = f"{row['username']}@" if row["username"] else ""
    return f"{row['name']:<20} {row['engine']:<11} {user}{row['address']}:{row['port']}"


@app.command("add-server")
def add_server(
    name: str = typer.Argument(..., help="A short name, e.g. main"),
    url: str = typer.Option(
        ...,
        "--url",
        help="postgresql://user:pass@host:5432/db, mariadb://, mysql:// or redis://; "
        "- reads it from standard input (keeps the password out of the process list)",
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Register a server: it is contacted once to check the credentials, then stored."""
    # Imported here: the database stack is slow to import and `--help` must not wait for it.
    from tools.db.admin import register_server

    actor = default_actor()
    given = from_stdin(url, "--url") or ""

    async def go(rt: Runtime) -> tuple[ServerView, str]:
        return await register_server(rt.deps, rt.gate.vault, name, given, actor=actor)

    view, version = run_with_runtime(go, publish=False)
    row = {**_public(view), "version": version}
    kept = "the password is in the vault" if view.password_ref else "no password given"
    emit(row, as_json, lambda: f"added {_line(row)} ({version}); {kept}")


@app.command("list")
def list_servers(as_json: bool = JSON_OPT) -> None:
    """List the registered servers (never their passwords)."""
    from memory.databases import list_servers as stored

    async def go(rt: Runtime) -> list[ServerView]:
        return await stored(rt.db)

    rows = [_public(v) for v in run_with_runtime(go, publish=False)]
    emit(rows, as_json, lambda: "\n".join(_line(r) for r in rows) or "no database servers")


@app.command("remove-server")
def remove_server(name: str, as_json: bool = JSON_OPT) -> None:
    """Forget a server; its databases and backup files are left as they are."""
    from tools.db.admin import remove_server as remove

    actor = default_actor()

    async def go(rt: Runtime) -> ServerView:
        return await remove(rt.deps, name, actor=actor)

    row = _public(run_with_runtime(go, publish=False))
    emit(row, as_json, lambda: f"removed {_line(row)}")


@app.command("reveal")
def reveal(
    server: str,
    database: str,
    again: bool = typer.Option(False, "--again", help="Show it although it was shown before."),
    as_json: bool = JSON_OPT,
) -> None:
    """Show the password of the user made with `db.create_database`, once, on this terminal."""
    from tools.db.admin import reveal_password

    actor = default_actor()

    async def go(rt: Runtime) -> dict[str, Any]:
        return await reveal_password(
            rt.deps, rt.gate.vault, server, database, actor=actor, again=again
        )

    row = run_with_runtime(go, publish=False)
    emit(
        row,
        as_json,
        lambda: (
            f"{row['user']}@{row['host']}:{row['port']}/{row['database']}\n"
            f"password: {row['password']}\n(shown once; store it now)"
        ),
    )
