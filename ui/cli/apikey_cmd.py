"""`jarvis apikey`: keys for the REST API, shown once, stored only as a hash."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ui.cli.common import default_actor, emit, run_with_runtime

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from ui.web.apikeys import ApiKeyView

app = typer.Typer(help="Keys for the REST API (/api/v1).", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print one JSON document.")
ONCE = (
    "This key is shown only once; store it now. Send it as `Authorization: Bearer <key>` "
    "or `X-API-Key: <key>`."
)


def _line(k: ApiKeyView) -> str:
    used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
    state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
    return (
        f"{k.name:<24} {k.prefix}_…  {state:<24} created {k.created_at:%Y-%m-%d} "
        f"by {k.created_by}, last used {used}"
    )


@app.command("create")
def create(name: str, as_json: bool = JSON_OPT) -> None:
    """Create a key; it is printed once and cannot be shown again."""
    # Imported here, as in the commands below: the key store (SQLAlchemy) is slow to import.
    from ui.web.apikeys import ApiKeyStore

    creator = default_actor()

    async def go(rt: Runtime) -> tuple[ApiKeyView, str]:
        return await ApiKeyStore(rt.db).create(name, creator)

    view, key = run_with_runtime(go)
    if as_json:
        emit({**view.model_dump(mode="json"), "key": key, "warning": ONCE}, True, str)
        return
    typer.echo(key)
    typer.echo(f"API key {view.name!r} created. {ONCE}", err=True)


@app.command("list")
def list_keys(as_json: bool = JSON_OPT) -> None:
    """List keys (names and prefixes only), newest first."""
    from ui.web.apikeys import ApiKeyStore

    async def go(rt: Runtime) -> list[ApiKeyView]:
        return await ApiKeyStore(rt.db).list()

    keys = run_with_runtime(go)
    emit(
        [k.model_dump(mode="json") for k in keys],
        as_json,
        lambda: "\n".join(_line(k) for k in keys) or "no API keys",
    )


@app.command("revoke")
def revoke(name: str, as_json: bool = JSON_OPT) -> None:
    """Revoke a key at once; requests with it are refused from now on."""
    from ui.web.apikeys import ApiKeyStore

    by = default_actor()

    async def go(rt: Runtime) -> ApiKeyView:
        return await ApiKeyStore(rt.db).revoke(name, by=by)

    view = run_with_runtime(go)
    emit(view.model_dump(mode="json"), as_json, lambda: f"revoked: {_line(view)}")
