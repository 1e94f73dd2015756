"""What the widgets share: action names and payloads, element names, tones, formatting."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.errors import BadInput
from core.fqdn import normalise_fqdn
from tools.docker.base import ContainerName
from tools.docker.client import parse_time
from tools.hosts.base import LOCAL, HostName
from tools.stacks.repo import NAME_PATTERN as STACK_NAME

# The Python action callbacks the widgets call with `callAction({name, payload})`.
ACTION_TOOL = "jarvis_tool"
ACTION_DECIDE = "jarvis_decide"
ACTION_LOGS = "jarvis_logs"
ACTION_REFRESH = "jarvis_refresh_overview"
ACTION_DOMAIN_STATUS = "jarvis_domain_status"

# Custom element names (public/elements/<name>.jsx).
CONTAINER_TABLE = "ContainerTable"
SYSTEM_OVERVIEW = "SystemOverview"
LOG_VIEWER = "LogViewer"
APPROVAL_CARD = "ApprovalCard"
DOMAIN_TABLE = "DomainTable"
PROVISIONING_PROGRESS = "ProvisioningProgress"
CERTIFICATE_CARD = "CertificateCard"
FINDINGS_PANEL = "FindingsPanel"
RUNS_PANEL = "RunsPanel"
DATABASE_PANEL = "DatabasePanel"
HOSTS_PANEL = "HostsPanel"
ENTITY_CARD = "EntityCard"
PLEX_NOW_PLAYING = "PlexNowPlaying"
N8N_WORKFLOWS = "N8nWorkflows"
SUNSHINE_CLIENTS = "SunshineClients"
STACKS_PANEL = "StacksPanel"

WIDGET_FOR_TOOL: dict[str, str] = {
    "docker.list_containers": CONTAINER_TABLE,
    "system.overview": SYSTEM_OVERVIEW,
    "docker.container_logs": LOG_VIEWER,
    "domains.list": DOMAIN_TABLE,
    "domains.status": PROVISIONING_PROGRESS,
    "domains.provision": PROVISIONING_PROGRESS,
    "ssl.check_certificate": CERTIFICATE_CARD,
    "findings.list": FINDINGS_PANEL,
    "checks.run": FINDINGS_PANEL,
    "runs.list": RUNS_PANEL,
    "db.list_servers": DATABASE_PANEL,
    "db.list_databases": DATABASE_PANEL,
    "db.server_info": DATABASE_PANEL,
    "db.list_backups": DATABASE_PANEL,
    "hosts.list": HOSTS_PANEL,
    "ha.get_entity": ENTITY_CARD,
    "ha.list_entities": ENTITY_CARD,
    "plex.now_playing": PLEX_NOW_PLAYING,
    "n8n.list_workflows": N8N_WORKFLOWS,
    "sunshine.clients": SUNSHINE_CLIENTS,
    "stacks.list": STACKS_PANEL,
}

ContainerButtonTool = Literal[
    "docker.container_logs",
    "docker.restart_container",
    "docker.stop_container",
    "docker.start_container",
]
DomainButtonTool = Literal["domains.health", "domains.renew_ssl"]
HaButtonTool = Literal["ha.call_service"]
StackButtonTool = Literal["stacks.deploy"]
ButtonTool = ContainerButtonTool | DomainButtonTool | HaButtonTool | StackButtonTool
DOMAIN_TOOLS = frozenset({"domains.health", "domains.renew_ssl"})
# Row button -> the tool it calls (the container table's buttons, in display order).
BUTTON_TOOLS: dict[str, ContainerButtonTool] = {
    "logs": "docker.container_logs",
    "restart": "docker.restart_container",
    "stop": "docker.stop_container",
    "start": "docker.start_container",
}
# The domain table's row buttons, in display order.
DOMAIN_BUTTON_TOOLS: dict[str, DomainButtonTool] = {
    "health": "domains.health",
    "renew": "domains.renew_ssl",
}

Tone = Literal["ok", "warn", "bad", "neutral"]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_TEXT = 2000  # characters of a message or result summary shown in a widget


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ContainerRef(_Payload):
    """A row's container, and the registered host it runs on (None: this machine)."""

    name: ContainerName
    host: HostName | None = None

    @field_validator("host", mode="before")
    @classmethod
    def _this_machine(cls, value: Any) -> Any:
        # `local` names this machine: the tools take it as no `host` at all.
        if value is None:
            raise ValueError("host must be a host name (leave it out for this machine)")
        return None if value == LOCAL else value

    def args(self) -> dict[str, str]:
        """The tool arguments: `name`, and `host` only for another host."""
        return {"name": self.name} | ({"host": self.host} if self.host else {})


def domain_name(value: Any) -> str:
    """A domain name as a widget may send it, normalised; ValueError when it is none."""
    if not isinstance(value, str) or len(value) > 253:
        raise ValueError("fqdn must be a domain name")
    try:
        return normalise_fqdn(value)
    except BadInput as exc:
        raise ValueError(exc.message) from None


class _HaToggle(_Payload):
    """The entity card's button: switch one entity on or off."""

    domain: Literal["light", "switch", "fan", "input_boolean"]
    service: Literal["turn_on", "turn_off", "toggle"]
    entity_id: str = Field(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$", max_length=255)
    integration: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,62}$")


class ToolActionPayload(_Payload):
    """`jarvis_tool`: a button asks for one tool call on its container, domain or entity."""

    tool: ButtonTool
    args: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _one_target(cls, data: Any) -> Any:
        """Docker tools take exactly `{"name"}` or `{"name", "host"}`, domain tools `{"fqdn"}`."""
        if not isinstance(data, dict) or not isinstance(data.get("args"), dict):
            return data
        args: dict[str, Any] = data["args"]
        if data.get("tool") == "ha.call_service":
            toggle = _HaToggle.model_validate(args)
            return {**data, "args": toggle.model_dump(exclude_none=True)}
        if data.get("tool") == "stacks.deploy":
            if set(args) != {"name"} or not re.fullmatch(STACK_NAME, str(args["name"])):
                raise ValueError('args must be exactly {"name": <stack folder name>}')
            return data
        if data.get("tool") in DOMAIN_TOOLS:
            if set(args) != {"fqdn"}:
                raise ValueError('args must be exactly {"fqdn": <domain name>}')
            return {**data, "args": {"fqdn": domain_name(args["fqdn"])}}
        if set(args) not in ({"name"}, {"name", "host"}):
            raise ValueError('args must be exactly {"name": <container>[, "host": <host name>]}')
        return {**data, "args": _ContainerRef.model_validate(args).args()}


class DomainStatusPayload(_Payload):
    """`jarvis_domain_status`: the provisioning progress polls its domain's latest task."""

    fqdn: str

    @field_validator("fqdn", mode="before")
    @classmethod
    def _fqdn(cls, value: Any) -> str:
        return domain_name(value)


class DecidePayload(_Payload):
    """`jarvis_decide`: the approval card's Approve / Reject button."""

    approval_id: str = Field(pattern=UUID_PATTERN)
    approve: bool


class LogsPayload(_ContainerRef):
    """`jarvis_logs`: the log viewer asks for the lines written after `since` (ISO 8601),
    from the container on `host` when it runs on another registered host."""

    since: str | None = Field(default=None, max_length=64)

    @field_validator("since")
    @classmethod
    def _iso_time(cls, value: str | None) -> str | None:
        if value is not None and parse_time(value) is None:
            raise ValueError("since must be an ISO 8601 time")
        return value


class RefreshPayload(_Payload):
    """`jarvis_refresh_overview`: the overview's Refresh button (no fields)."""


def widget_id() -> str:
    """A fresh id for one widget instance (keys its UI state in the browser)."""
    return uuid.uuid4().hex[:16]


def clip(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """`text` cut to `limit` characters (with an ellipsis), None stays None."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def human_bytes(value: float | None) -> str | None:
    """Bytes as people read them: 512 B, 3.4 MiB, 1.2 TiB (None stays None)."""
    return None if value is None else bytes_text(value)


def bytes_text(value: float) -> str:
    """Bytes as people read them: 512 B, 3.4 MiB, 1.2 TiB."""
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def human_duration(seconds: float | None) -> str | None:
    """A duration in its two largest units: 45s, 12m 3s, 5h 2m, 3d 4h."""
    if seconds is None:
        return None
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def usage_tone(percent: float | None) -> Tone:
    """How worrying a usage percentage is (below 75 ok, below 90 warn, else bad)."""
    if percent is None:
        return "neutral"
    if percent >= 90:
        return "bad"
    return "warn" if percent >= 75 else "ok"


def number(value: Any) -> float | None:
    """A JSON number as float (None for anything else, booleans included)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def outcome_head(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every result widget carries: status, message, tool, untrusted, widget id."""
    invocation = outcome.get("invocation") or {}
    status = str(outcome.get("status") or "error")
    return {
        "widget_id": widget_id(),
        "status": status,
        "message": clip(outcome.get("message")),
        "tool": invocation.get("tool"),
        "untrusted": bool(outcome.get("untrusted")),
    }


def outcome_data(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """The result data of an outcome that worked; empty for errors, denials and questions."""
    data = outcome.get("data")
    if outcome.get("status") in ("ok", "no_data") and isinstance(data, dict):
        return data
    return {}
