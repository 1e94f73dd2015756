"""`jarvis hosts`: other machines reached over SSH, each with its host key pinned."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ui.cli.common import JSON_OPT, default_actor, emit, run_with_runtime

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from memory.hosts import HostRecord

app = typer.Typer(
    help="Other machines over SSH (host key pinned on first contact).", no_args_is_help=True
)


def _public(h: HostRecord) -> dict[str, object]:
    return h.model_dump(mode="json")


def _line(h: HostRecord) -> str:
    seen = f"{h.last_seen_at:%Y-%m-%d %H:%M}" if h.last_seen_at else "never"
    return (
        f"{h.name:<16} {h.username}@{h.address}:{h.port:<6} {h.host_key_type:<20} "
        f"{h.fingerprint}  last seen {seen}"
    )


@app.command("add")
def add(
    name: str = typer.Argument(..., help="A short name for the host, e.g. nas"),
    ssh: str = typer.Option(..., "--ssh", help="USER@ADDRESS to log in as"),
    key: str = typer.Option(..., "--key", help="Private key file to log in with"),
    port: int = typer.Option(22, "--port", help="SSH port"),
    known_host_key: str = typer.Option(
        None,
        "--known-host-key",
        help="The host key to expect ('ssh-ed25519 AAAA...'); without it the key the host "
        "offers now is trusted and pinned",
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Connect once, pin the host key (shown), and register the host."""
    # Imported here: paramiko and the database stack are slow to import; `--help` skips them.
    from tools.hosts.enrol import enrol

    actor = default_actor()

    async def go(rt: Runtime) -> HostRecord:
        return await enrol(rt.db, name, ssh, port, key, known_host_key, actor)

    host = run_with_runtime(go, publish=False)
    how = "as given with --known-host-key" if known_host_key else "trusted on first use"
    emit(
        {**_public(host), "pinned": how},
        as_json,
        lambda: (
            f"host {host.name} added: {host.username}@{host.address}:{host.port}\n"
            f"host key {host.host_key_type} {host.fingerprint} pinned ({how}); compare it "
            "with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the host. Any other key "
            "will be refused."
        ),
    )


@app.command("list")
def list_cmd(as_json: bool = JSON_OPT) -> None:
    """The registered hosts with their pinned host key fingerprints."""
    from memory.hosts import list_hosts

    async def go(rt: Runtime) -> list[HostRecord]:
        return await list_hosts(rt.db)

    hosts = run_with_runtime(go, publish=False)
    emit(
        [_public(h) for h in hosts],
        as_json,
        lambda: "\n".join(_line(h) for h in hosts) or "no hosts (add one: jarvis hosts add)",
    )


@app.command("remove")
def remove(name: str, as_json: bool = JSON_OPT) -> None:
    """Forget a host and its pinned key."""
    from tools.hosts.enrol import forget

    actor = default_actor()

    async def go(rt: Runtime) -> HostRecord:
        return await forget(rt.db, name, actor)

    host = run_with_runtime(go, publish=False)
    emit(_public(host), as_json, lambda: f"host {host.name} removed")
