"""The composition root: builds the database, registry, policy engine and gate once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from core.events import Event, EventBus
from core.paths import private_dir
from core.settings import Settings
from memory.audit_checkpoint import CheckpointLog
from memory.db import Database, upgrade_to_head
from memory.vault import Vault, derive, load_key
from policies.engine import PolicyEngine
from policies.gate import Gate
from policies.links import LinkSigner
from policies.rules import load_rules
from tools.deps import ToolDeps
from tools.google.windows import CalendarWindows
from tools.registry import Registry


@dataclass
class Runtime:
    """Everything a front end (CLI, web, worker) needs, made once at start-up."""

    settings: Settings
    db: Database
    registry: Registry
    engine: PolicyEngine
    deps: ToolDeps
    gate: Gate
    events: EventBus
    links: LinkSigner

    async def close(self) -> None:
        """Release clients and the database pool."""
        self.deps.close()
        await self.db.close()


def _connect(docker_host: str | None) -> Any:
    # The docker SDK loads with the first Docker call, not with every runtime.
    from tools.docker.client import connect

    return connect(docker_host)


def _hosts(db: Database | None, settings: Settings) -> Any:
    # Paramiko and the SSH pool load with the first call to another host.
    from tools.hosts.access import host_access

    return host_access(db, settings)


def _integrations(vault: Vault, db: Database | None, settings: Settings, salt: bytes) -> Any:
    # httpx and each kind's client load with the first call to an integration.
    from tools.integrations.access import Integrations

    return Integrations(db, settings, salt, vault)


def build_runtime(
    settings: Settings, *, migrate: bool = True, registry: Registry | None = None
) -> Runtime:
    """Wire the parts together; `migrate` brings the schema to the newest revision first.

    `registry` defaults to every tool; a caller that runs one tool may pass just its family.
    """
    url = settings.resolved_database_url
    private_dir(settings.data_dir)
    if migrate:
        upgrade_to_head(url)
    key = load_key(settings)
    audit_key = derive(key, "audit")
    checkpoints = CheckpointLog(
        settings.resolved_audit_checkpoint_file, audit_key, use_syslog=settings.audit_syslog
    )
    db = Database(url, audit_key=audit_key, checkpoints=checkpoints)
    if registry is None:
        # Imported here: every family's client libraries load with the catalog.
        from tools.catalog import build_registry

        registry = build_registry()
    engine = PolicyEngine(load_rules(settings.policy_file))
    salt = derive(key, "placeholders")
    # The environment is read here, once, and handed down.
    environ = {k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}
    # One vault for the gate and for integration clients, so secrets are decrypted once.
    vault = Vault(key)
    deps = ToolDeps(
        settings,
        environ=environ,
        redaction_salt=salt,
        db=db,
        docker_factory=_connect,
        hosts_factory=_hosts,
        integrations_factory=partial(_integrations, vault),
    )
    # Rules that name Google calendars read them through the configured integration.
    engine.calendar_on = CalendarWindows(deps).on
    events = EventBus()
    gate = Gate(
        db,
        registry,
        engine,
        deps,
        vault,
        approval_ttl=timedelta(seconds=settings.approval_ttl_seconds),
        on_approval=lambda view: events.publish(
            Event(kind="approval.created", data=view.model_dump(mode="json"))
        ),
        on_decided=lambda view: events.publish(
            Event(kind="approval.decided", data=view.model_dump(mode="json"))
        ),
    )
    links = LinkSigner(derive(key, "approval-links"))
    return Runtime(settings, db, registry, engine, deps, gate, events, links)
