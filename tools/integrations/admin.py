"""Adding, testing and removing integrations: what a person does directly (audited).

These are not tools (the model never calls them): `jarvis integrations` uses them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from core.errors import AuthFailed, BadInput
from memory import audit, integrations
from memory.integrations import IntegrationView
from memory.models import utcnow
from tools.integrations import catalog
from tools.integrations.access import Integrations, TestReport, probe
from tools.integrations.kinds import Connection, Kind

# Failures that mean the configuration itself is wrong: nothing is stored.
REFUSED = frozenset({"auth_failed", "bad_reply", "bad_input"})


def clean_url(url: str, kind: Kind[Any]) -> str:
    """The base URL as typed by its owner, checked: http(s), a host, no credentials, no query."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"{url!r} is not an http(s) URL; e.g. {kind.url_example}")
    if parts.username or parts.password:
        raise BadInput("put credentials in --token/--user/--password, not in the URL")
    if parts.query or parts.fragment:
        raise BadInput(f"{url!r} has a query or fragment; give the service's base URL")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def split_fields(kind: Kind[Any], given: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The given fields as (credentials for the vault, settings), checked against the kind."""
    values = {k: v for k, v in given.items() if v}
    unknown = sorted(set(values) - set(kind.fields))
    if unknown:
        accepted = ", ".join(kind.fields) or "none"
        raise BadInput(f"{kind.name} takes no {', '.join(unknown)} (it takes: {accepted})")
    missing = [f for f in kind.required if f not in values]
    if missing:
        raise BadInput(f"{kind.name} needs {', '.join('--' + f for f in missing)}")
    secrets = {k: v for k, v in values.items() if k in kind.secrets}
    options = {k: v for k, v in values.items() if k not in kind.secrets}
    return secrets, options


async def add(
    access: Integrations,
    kind_name: str,
    url: str,
    fields: dict[str, str],
    *,
    name: str | None,
    actor: str,
) -> tuple[IntegrationView, TestReport, bool]:
    """Test the configuration, then store it (credentials in the vault); True when it replaced.

    A refused credential or a reply that is not the service stores nothing; a service that
    does not answer is stored anyway (it may just be down) with the reason as its test result.
    """
    kind = catalog.kind(kind_name)
    integrations.check_name(name or kind.name)
    base = clean_url(url, kind)
    secrets, options = split_fields(kind, fields)
    draft = IntegrationView(
        name=name or kind.name,
        kind=kind.name,
        url=base,
        credentials=sorted(secrets),
        options=options,
        created_at=utcnow(),
    )
    if kind.enrol is not None:
        learnt = await kind.enrol(Connection(draft, secrets, access.settings.integrations))
        options = {**options, **learnt}
        draft = draft.model_copy(update={"options": options})
    report = await probe(kind, Connection(draft, secrets, access.settings.integrations))
    if not report.ok and report.error in REFUSED:
        if report.error == "auth_failed":
            raise AuthFailed(f"not added: {report.detail}")
        raise BadInput(f"not added: {report.detail}")
    view, replaced = await integrations.save(
        access.store,
        access.vault,
        access.salt,
        kind=kind.name,
        url=base,
        secrets=secrets,
        options=options,
        name=name,
    )
    view = await integrations.record_test(
        access.store, view.name, "ok" if report.ok else report.detail
    )
    await audit.record(
        access.store,
        actor=actor,
        event="integration_replaced" if replaced else "integration_added",
        resource=f"integration:{view.name}",
        data={"kind": view.kind, "url": view.url, "credentials": view.credentials},
    )
    return view, report, replaced


async def remove(access: Integrations, key: str, *, actor: str) -> IntegrationView:
    """Forget an integration (by name, or by kind when only one has it)."""
    view = await integrations.remove(access.store, key)
    await audit.record(
        access.store,
        actor=actor,
        event="integration_removed",
        resource=f"integration:{view.name}",
        data={"kind": view.kind},
    )
    return view


def public(view: IntegrationView) -> dict[str, Any]:
    """What commands show of an integration: never a credential, only which are set."""

    def when(at: datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "name": view.name,
        "kind": view.kind,
        "url": view.url,
        "credentials": {f: "in the vault" for f in view.credentials},
        "options": view.options,
        "created_at": when(view.created_at),
        "tested_at": when(view.tested_at),
        "test_result": view.test_result,
    }
