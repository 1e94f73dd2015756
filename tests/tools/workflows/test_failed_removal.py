"""A removal that fails leaves the domain as it found it (never "active" when it was not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from memory.db import Database
from memory.domain_models import DomainStatus, TaskStatus
from memory.domains import NewDomain, create_domain, find_domain
from tests.testbed.jarvis_server import free_port
from tools.workflows.domain_env import DomainEnv
from tools.workflows.maintenance import deprovision


@pytest.mark.parametrize("before", [DomainStatus.FAILED, DomainStatus.PENDING])
async def test_a_failed_removal_keeps_the_status_it_found(
    tmp_path: Path, database: Database, before: DomainStatus
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        domains={"caddy_admin_url": f"http://127.0.0.1:{free_port()}"},  # Caddy is not there
    )
    fqdn = "never-published.example.test"
    new = NewDomain(
        fqdn=fqdn, zone="example.test", target="127.0.0.1:9", provider="none", status=before
    )
    await create_domain(database, new)
    async with DomainEnv.from_settings(settings, database) as env:
        task = await deprovision(database, env, fqdn)
    assert task.status in (TaskStatus.FAILED, TaskStatus.ROLLED_BACK)
    domain = await find_domain(database, fqdn)
    assert domain is not None and domain.status == before
