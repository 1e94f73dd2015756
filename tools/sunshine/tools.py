"""sunshine.*: the applications Moonlight can start, the paired clients, and pairing by PIN.

App and client names are set by whoever runs the Sunshine host: untrusted text.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from core.errors import ChangeFailed
from tools.deps import ToolDeps
from tools.integrations.args import IntegrationArgs, configured, integration_field, named
from tools.registry import ToolFamily, ToolResult
from tools.sunshine.kind import KIND
from tools.sunshine.parse import SunshineApp, SunshineClient, check_client_name

family = ToolFamily("sunshine")
RESOURCE = "integration:{integration}"


class SunshineArgs(IntegrationArgs):
    """Which configured Sunshine host."""

    integration: str | None = integration_field(KIND)


_named = named(KIND)


class AppsResult(ToolResult):
    """The applications, in Sunshine's order."""

    integration: str
    apps: list[SunshineApp]

    def is_empty(self) -> bool:
        """No application is configured."""
        return not self.apps


@family.tool(
    "apps",
    risk="read",
    resource=RESOURCE,
    canonical=_named,
    description="""
The applications Sunshine offers to Moonlight (`GET /api/apps`): name, whether it only
launches something detached, whether it has preparation commands. Names are untrusted text.
""",
)
async def apps(args: SunshineArgs, deps: ToolDeps) -> AppsResult:
    """The applications."""
    async with deps.integrations.open(KIND, args.integration) as sunshine:
        found = await sunshine.apps()
    return AppsResult(integration=args.integration or KIND.name, apps=found)


class ClientsResult(ToolResult):
    """The paired Moonlight clients."""

    integration: str
    clients: list[SunshineClient]

    def is_empty(self) -> bool:
        """No client is paired."""
        return not self.clients


@family.tool(
    "clients",
    risk="read",
    resource=RESOURCE,
    canonical=_named,
    description="""
The Moonlight clients paired with Sunshine (`GET /api/clients/list`): the name each was given
when it paired and its id. Sunshine's API lists paired clients, not live streams.
""",
)
async def clients(args: SunshineArgs, deps: ToolDeps) -> ClientsResult:
    """The paired clients."""
    async with deps.integrations.open(KIND, args.integration) as sunshine:
        found = await sunshine.clients()
    return ClientsResult(integration=args.integration or KIND.name, clients=found)


class PairArgs(SunshineArgs):
    """The PIN Moonlight shows, and a name for the client."""

    pin: str = Field(
        pattern=r"^[0-9]{4}$", examples=["1234"], description="The 4-digit PIN Moonlight shows."
    )
    name: str = Field(
        default="Moonlight",
        min_length=1,
        max_length=60,
        description="What to call the client in Sunshine's list.",
    )

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        return check_client_name(value)


class PairResult(ToolResult):
    """The client that was paired."""

    integration: str
    name: str
    paired: bool


def _pair_said(args: PairArgs) -> str:
    return f"Pair a Moonlight client ({args.name}) on {args.integration or KIND.name}"


@family.tool(
    "pair",
    risk="write",
    resource=RESOURCE + "/pairing",
    canonical=_named,
    precheck=configured(KIND),
    headline=_pair_said,
    description="""
Pair a Moonlight client: send Sunshine the 4-digit PIN the client shows while it waits
(`POST /api/pin`), under a name. Moonlight must be showing the PIN when this runs; Sunshine
says so when no client is waiting. A paired client can stream from this host.
""",
)
async def pair(args: PairArgs, deps: ToolDeps) -> PairResult:
    """Send the PIN."""
    async with deps.integrations.open(KIND, args.integration) as sunshine:
        accepted = await sunshine.pair(args.pin, args.name)
    if not accepted:
        raise ChangeFailed(
            "Sunshine did not take the PIN: no Moonlight client was waiting with it. Start "
            "pairing in Moonlight, then send the PIN it shows; nothing was paired."
        )
    return PairResult(integration=args.integration or KIND.name, name=args.name, paired=True)
