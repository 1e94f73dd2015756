"""The n8n check against the stand-in: failed executions of the last day become findings."""

from __future__ import annotations

import pytest

from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.integration_gate import IntegrationsGate
from tools.checks.base import CheckContext, CheckFailed
from tools.checks.catalog import all_checks
from tools.checks.n8n import failing


def context(ig: IntegrationsGate) -> CheckContext:
    return CheckContext(deps=ig.deps, db=ig.db)


async def test_failed_workflows_become_findings_one_each(
    integrations_gate: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    assert "n8n.failures" in {c.id for c in all_checks()}
    # Nothing configured: nothing to look at.
    assert (await failing.probe(context(integrations_gate))).observations == []
    await integrations_gate.add("n8n", fake_n8n.base_url, {"token": API_KEY})
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    photos = fake_n8n.add_workflow("Sync photos", active=True)
    quiet = fake_n8n.add_workflow("Weekly report", active=True)
    fake_n8n.add_execution(backup, "error", minutes_ago=120)
    fake_n8n.add_execution(backup, "crashed", minutes_ago=60)
    fake_n8n.add_execution(photos, "error", minutes_ago=90)
    fake_n8n.add_execution(photos, "success", minutes_ago=30)
    fake_n8n.add_execution(quiet, "error", minutes_ago=60 * 30)  # older than a day
    fake_n8n.add_execution(quiet, "success", minutes_ago=10)
    found = {o.resource: o for o in (await failing.probe(context(integrations_gate))).observations}
    assert set(found) == {
        f"integration:n8n/workflow/{backup}",
        f"integration:n8n/workflow/{photos}",
    }
    bad = found[f"integration:n8n/workflow/{backup}"]
    assert bad.severity == "warning" and bad.check == "n8n.failures"
    assert (
        bad.summary
        == "n8n workflow 'Nightly backup' failed 2 times in the last 24 h; its last run failed"
    )
    assert bad.evidence["failures"] == 2 and not bad.evidence["succeeded_since"]
    better = found[f"integration:n8n/workflow/{photos}"]
    assert better.severity == "info" and better.summary.endswith("it has succeeded since")


async def test_an_n8n_that_cannot_be_read_leaves_its_findings_alone(
    integrations_gate: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    await integrations_gate.add("n8n", fake_n8n.base_url, {"token": API_KEY})
    fake_n8n.api_key = "rotated"
    with pytest.raises(CheckFailed, match="API key was refused"):
        await failing.probe(context(integrations_gate))
