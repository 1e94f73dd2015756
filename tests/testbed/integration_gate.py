"""The gate over every tool with configured integrations (Plex, n8n, Sunshine ...) on SQLite.

`integrations_gate` gives the real gate, its deps reaching integrations through the vault as
`jarvis serve` wires them, and `add()` configures one the way `jarvis integrations add` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.settings import IntegrationsSettings, Settings
from memory.db import Database, upgrade
from memory.integrations import IntegrationView
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.outcome import ApprovalView, ToolOutcome
from policies.rules import load_rules
from tests.conftest import TEST_SALT
from tests.testbed.db_fixtures import AUDIT_KEY
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.integrations import admin
from tools.integrations.access import Integrations

# Quick retries, so error paths do not slow the tests.
FAST = IntegrationsSettings(
    timeout_seconds=3, retries=2, backoff_seconds=0.01, max_retry_after_seconds=1.5
)


@dataclass
class IntegrationsGate:
    """The gate, the integrations it reaches, and the database both use."""

    gate: Gate
    access: Integrations
    db: Database
    deps: ToolDeps

    async def add(
        self, kind: str, url: str, fields: dict[str, str], name: str | None = None
    ) -> IntegrationView:
        """Configure an integration as `jarvis integrations add` does (probed first)."""
        view, _, _ = await admin.add(self.access, kind, url, fields, name=name, actor="user:evin")
        return view

    async def call(self, tool: str, args: dict[str, Any] | None = None, **kw: Any) -> ToolOutcome:
        """One call through the gate, as the person at the terminal."""
        ctx = CallContext(actor=kw.pop("actor", "user:evin"), **kw)
        return await self.gate.invoke(ctx, tool, args or {})

    @staticmethod
    def data(outcome: ToolOutcome) -> dict[str, Any]:
        """The data of an outcome that worked (fails the test otherwise)."""
        assert outcome.status == "ok" and outcome.data is not None, outcome
        return outcome.data

    async def approve(self, outcome: ToolOutcome) -> ApprovalView:
        """Approve the call an outcome waits on; the approval after it ran."""
        assert outcome.status == "approval_required", outcome
        assert outcome.approval_id is not None
        return await self.gate.decide(outcome.approval_id, approve=True, by="user:evin")


@pytest.fixture
async def integrations_gate(tmp_path: Path) -> AsyncIterator[IntegrationsGate]:
    """The real gate (default policy) with integrations on a fresh SQLite database."""
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(data_dir=data, integrations=FAST)
    url = f"sqlite:///{data / 'jarvis.db'}"
    upgrade(url)
    db = Database(url, audit_key=AUDIT_KEY)
    vault = Vault(load_key(settings))
    access = Integrations(db, settings, TEST_SALT, vault)
    deps = ToolDeps(
        settings,
        redaction_salt=TEST_SALT,
        db=db,
        integrations_factory=lambda _db, _settings, _salt: access,
    )
    gate = Gate(
        db,
        build_registry(),
        PolicyEngine(load_rules(None)),
        deps,
        vault,
        approval_ttl=timedelta(minutes=10),
    )
    try:
        yield IntegrationsGate(gate, access, db, deps)
    finally:
        deps.close()
        await db.close()
