"""The shared `integration` argument and its hooks, against integrations stored for real."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.errors import BadInput, NotReady
from tests.testbed.fake_plex import TOKEN, FakePlex
from tests.testbed.integration_gate import IntegrationsGate
from tools.integrations.args import IntegrationArgs, configured, integration_field, named
from tools.plex.kind import KIND
from tools.sunshine.kind import KIND as SUNSHINE


class PlexArgs(IntegrationArgs):
    """A Plex tool's arguments."""

    integration: str | None = integration_field(KIND)


def test_the_description_names_the_kind_and_a_long_name_is_refused() -> None:
    field = PlexArgs.model_json_schema()["properties"]["integration"]
    assert field["description"] == (
        "The name of the Plex integration; omit it when only one is configured."
    )
    assert PlexArgs().integration is None
    with pytest.raises(ValidationError, match="at most 63 characters"):
        PlexArgs(integration="x" * 64)
    with pytest.raises(ValidationError, match="Extra inputs"):
        PlexArgs.model_validate({"integration": "den", "server": "den"})


async def test_named_fills_in_the_only_one_and_leaves_args_when_none_is_configured(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    fill, deps = named(KIND), integrations_gate.deps
    assert (await fill(PlexArgs(), deps)).integration is None
    with pytest.raises(NotReady, match="jarvis integrations add plex"):
        await configured(KIND)(PlexArgs(), deps)
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN}, name="den")
    assert (await fill(PlexArgs(), deps)).integration == "den"
    await configured(KIND)(PlexArgs(integration="den"), deps)
    # A name of another kind is refused, by either hook.
    with pytest.raises(BadInput, match="is a plex, not a sunshine"):
        await named(SUNSHINE)(PlexArgs(integration="den"), deps)
    with pytest.raises(BadInput, match="is a plex, not a sunshine"):
        await configured(SUNSHINE)(PlexArgs(integration="den"), deps)
