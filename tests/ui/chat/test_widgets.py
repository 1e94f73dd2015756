"""Widget props built from real tool outcomes and approvals; the JSX files checked statically."""

from __future__ import annotations

import colorsys
import importlib.util
import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from policies.gate import CallContext, Gate
from policies.outcome import ApprovalView
from tests.testbed.docker_fixtures import MakeContainer, wait_for
from tools.docker.client import parse_time
from ui.chat import widgets
from ui.chat.widgets.docker import MAX_LOG_LINES

USER = CallContext(actor="user:evin")
ROOT = Path(__file__).resolve().parents[3]
ELEMENTS = ROOT / "public" / "elements"
THEME = ROOT / "public" / "theme.json"
JSX = sorted(ELEMENTS.glob("*.jsx"))
_SPEC = importlib.util.find_spec("chainlit")  # located, not imported (importing writes files)
CHAINLIT = Path(_SPEC.origin).parent if _SPEC and _SPEC.origin else ROOT / "missing"
UI_COMPONENTS = [
    "accordion",
    "aspect-ratio",
    "avatar",
    "badge",
    "button",
    "card",
    "carousel",
    "checkbox",
    "command",
    "dialog",
    "dropdown-menu",
    "form",
    "hover-card",
    "input",
    "label",
    "pagination",
    "popover",
    "progress",
    "scroll-area",
    "select",
    "separator",
    "sheet",
    "skeleton",
    "switch",
    "table",
    "tabs",
    "textarea",
    "tooltip",
]
ALLOWED_IMPORTS = {
    "react",
    "sonner",
    "zod",
    "recoil",
    "react-hook-form",
    "lucide-react",
    "@chainlit/react-client",
    "@/components/markdown",
    "@/components/renderer",
} | {f"@/components/ui/{n}" for n in UI_COMPONENTS}
TONES = {"ok", "warn", "bad", "neutral"}

# Hard-coded colours of the widgets: (background, text) pairs need 4.5:1; the graphics
# (bars, lines) need 3:1 against the card and the page in both themes.
TEXT_PAIRS = [
    ("#15803d", "#ffffff"),
    ("#b45309", "#ffffff"),
    ("#b91c1c", "#ffffff"),
    ("#4b5563", "#ffffff"),
    ("#fde047", "#111111"),
]
GRAPHICS = ["#16a34a", "#d97706", "#ef4444", "#3b82f6", "#a855f7"]
# Theme variable pairs (text, background) the widgets and the chat use.
THEME_PAIRS = [
    ("--foreground", "--background"),
    ("--card-foreground", "--card"),
    ("--foreground", "--card"),
    ("--foreground", "--muted"),
    ("--muted-foreground", "--background"),
    ("--muted-foreground", "--card"),
    ("--muted-foreground", "--muted"),
    ("--primary-foreground", "--primary"),
    ("--secondary-foreground", "--secondary"),
    ("--accent-foreground", "--accent"),
    ("--destructive-foreground", "--destructive"),
    ("--popover-foreground", "--popover"),
]


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only: the widgets do not depend on the database backend."""
    from memory.db import upgrade

    url = f"sqlite:///{tmp_path / 'jarvis.db'}"
    upgrade(url)
    yield url


def small_json(props: dict[str, Any], limit: int = 300_000) -> str:
    """The props as JSON (they must serialise), checked to be small."""
    text = json.dumps(props)
    assert len(text) < limit
    return text


def state_of(container: Any) -> dict[str, Any]:
    """A container's inspect `State`, read now."""
    container.reload()
    return dict(container.attrs["State"])


def mark() -> str:
    return uuid.uuid4().hex[:8]


# -- props from real outcomes ------------------------------------------------------------


@pytest.mark.docker
async def test_container_table_from_a_real_list(gate: Gate, make_container: MakeContainer) -> None:
    prefix = f"jarvis-test-w{mark()}"
    make_container(name=f"{prefix}-up", ports={"80/tcp": None})
    make_container("true", name=f"{prefix}-new", start=False)
    box_name = f"{prefix}-up"
    outcome = await gate.invoke(USER, "docker.list_containers", {"name_contains": prefix})
    assert outcome.status == "ok"
    stats = await gate.invoke(USER, "docker.container_stats", {"name": box_name})
    assert stats.status == "ok"

    props = widgets.container_table(
        outcome.model_dump(mode="json"), {box_name: stats.model_dump(mode="json")}
    )
    small_json(props)
    rows = {r["name"]: r for r in props["containers"]}
    assert set(rows) == {f"{prefix}-up", f"{prefix}-new"}
    assert (props["total"], props["running"], props["status"]) == (2, 1, "ok")
    up, new = rows[f"{prefix}-up"], rows[f"{prefix}-new"]
    assert (up["state"], up["state_tone"], up["buttons"]) == (
        "running",
        "ok",
        ["logs", "restart", "stop"],
    )
    assert up["image"] == "jarvis-test/busybox:1" and up["uptime"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+→80/tcp", up["ports"][0])
    assert up["cpu_percent"] is not None and up["memory"] and " / " in up["memory"]
    assert (new["state"], new["state_tone"], new["buttons"]) == (
        "created",
        "neutral",
        ["logs", "start"],
    )
    assert new["cpu_percent"] is None and new["memory"] is None
    assert props["action"] == widgets.ACTION_TOOL
    assert props["tools"] == widgets.BUTTON_TOOLS
    # The same props from a stats result given bare (not as an outcome).
    bare = widgets.container_table(
        outcome.model_dump(mode="json"), {box_name: stats.model_dump(mode="json")["data"]}
    )
    assert bare["containers"][1]["memory"] == up["memory"]


@pytest.mark.docker
async def test_container_table_of_an_unhealthy_and_a_failed_container(
    gate: Gate, make_container: MakeContainer
) -> None:
    prefix = f"jarvis-test-w{mark()}"
    sick = make_container(
        name=f"{prefix}-sick",
        healthcheck={"test": ["CMD", "false"], "interval": 200_000_000, "retries": 1},
    )
    crashed = make_container("sh -c 'exit 3'", name=f"{prefix}-crashed")
    assert wait_for(lambda: state_of(sick)["Health"]["Status"] == "unhealthy")
    assert wait_for(lambda: state_of(crashed)["Status"] == "exited")
    outcome = await gate.invoke(USER, "docker.list_containers", {"name_contains": prefix})
    props = widgets.container_table(outcome.model_dump(mode="json"))
    rows = {r["name"]: r for r in props["containers"]}
    assert rows[sick.name]["state_tone"] == "bad" and rows[sick.name]["health_tone"] == "bad"
    assert rows[crashed.name]["state_tone"] == "bad" and rows[crashed.name]["buttons"] == [
        "logs",
        "start",
    ]
    assert props["unhealthy"] == 1


@pytest.mark.docker
async def test_log_viewer_and_follow_replies_from_real_logs(
    gate: Gate, make_container: MakeContainer
) -> None:
    box = make_container("sh -c 'for i in $(seq 1 700); do echo line $i; done; sleep 600'")
    assert wait_for(lambda: b"line 700" in box.logs())
    outcome = await gate.invoke(USER, "docker.container_logs", {"name": box.name, "tail": 1000})
    assert outcome.status == "ok" and outcome.untrusted

    props = widgets.log_viewer(outcome.model_dump(mode="json"), str(box.name))
    small_json(props)
    assert props["name"] == box.name and props["untrusted"] is True
    assert len(props["lines"]) == MAX_LOG_LINES and props["truncated"] is True
    assert props["lines"][-1] == "line 700" and props["lines"][0] == "line 201"
    assert parse_time(props["since"]) is not None
    assert (props["action"], props["poll_seconds"]) == (widgets.ACTION_LOGS, 3)

    stamped = await gate.invoke(
        USER, "docker.container_logs", {"name": box.name, "tail": 5, "timestamps": True}
    )
    first = widgets.log_lines_reply(stamped.model_dump(mode="json"), None)
    assert first["lines"] == [f"line {i}" for i in range(696, 701)]
    assert first["status"] == "ok" and parse_time(first["since"]) is not None
    # Polling again from the newest line's time brings no line twice.
    again = await gate.invoke(
        USER,
        "docker.container_logs",
        {"name": box.name, "since": first["since"], "timestamps": True},
    )
    second = widgets.log_lines_reply(again.model_dump(mode="json"), first["since"])
    assert second["lines"] == [] and second["since"] == first["since"]
    payload = widgets.LogsPayload.model_validate({"name": box.name, "since": first["since"]})
    assert payload.since == first["since"]


def test_log_lines_reply_keeps_only_newer_lines() -> None:
    outcome = {
        "status": "ok",
        "invocation": {"tool": "docker.container_logs", "args": {}},
        "data": {
            "lines": [
                "2026-01-01T10:00:00.100000000Z old",
                "2026-01-01T10:00:00.300000000Z new one",
                "2026-01-01T10:00:01.000000000Z new two",
                "no time on this one",
            ]
        },
    }
    reply = widgets.log_lines_reply(outcome, "2026-01-01T10:00:00.200000Z")
    assert reply["lines"] == ["new one", "new two", "no time on this one"]
    assert reply["since"] == "2026-01-01T10:00:01.000000000Z"
    failed = widgets.log_lines_reply(
        {"status": "error", "message": "no container named 'x'", "invocation": {}}, None
    )
    assert failed == {
        "status": "error",
        "lines": [],
        "since": None,
        "message": "no container named 'x'",
    }


@pytest.mark.docker
async def test_system_overview_from_real_system_tools(gate: Gate) -> None:
    overview = await gate.invoke(USER, "system.overview", {})
    disks = await gate.invoke(USER, "system.disks", {})
    memory = await gate.invoke(USER, "system.memory", {"top": 3})
    assert overview.status == disks.status == memory.status == "ok"
    history: list[dict[str, Any]] = [
        {"t": 1000.0, "cpu": 10.0, "mem": 40.0},
        {"t": "1970-01-01T00:16:50Z", "cpu": 20, "mem": 41},
    ]

    props = widgets.system_overview(
        overview.model_dump(mode="json"),
        disks.model_dump(mode="json"),
        memory.model_dump(mode="json"),
        history,
    )
    small_json(props)
    data = overview.data or {}
    assert props["hostname"] == data["hostname"] and props["uptime"]
    assert props["cpu_percent"] == data["cpu_percent"] and props["cpu_tone"] in TONES
    assert len(props["load"]) == 3 and props["load_tone"] in TONES
    assert 0 <= props["memory"]["percent"] <= 100 and props["memory"]["tone"] in TONES
    assert props["memory"]["used"].endswith("iB")
    assert "/" in [d["path"] for d in props["disks"]]
    assert all(d["tone"] in TONES and d["used"] and d["total"] for d in props["disks"])
    assert [h["t"] for h in props["history"][:2]] == [1000.0, 1010.0]
    assert len(props["history"]) == 3 and props["history"][-1]["cpu"] == props["cpu_percent"]
    assert props["action"] == widgets.ACTION_REFRESH

    # The overview alone: the root disk stands in for the mount list.
    alone = widgets.system_overview(overview.model_dump(mode="json"))
    assert [d["path"] for d in alone["disks"]] == ["/"] and len(alone["history"]) == 1


def test_system_overview_of_a_failed_read() -> None:
    props = widgets.system_overview(
        {"status": "error", "message": "psutil failed", "invocation": {"tool": "system.overview"}}
    )
    assert props["status"] == "error" and props["message"] == "psutil failed"
    assert props["disks"] == [] and props["history"] == [] and props["memory"] is None


@pytest.mark.docker
async def test_approval_card_follows_a_real_approval(
    gate: Gate, make_container: MakeContainer
) -> None:
    box = make_container()
    payload = widgets.ToolActionPayload.model_validate(
        {"tool": "docker.restart_container", "args": {"name": box.name}}
    )
    outcome = await gate.invoke(USER, payload.tool, payload.args)
    assert outcome.status == "approval_required" and outcome.approval_id
    reply = widgets.tool_reply(outcome.model_dump(mode="json"))
    assert reply["text"] == "needs approval — see the card below"
    assert reply["approval_id"] == outcome.approval_id

    view = gate.approvals.view(await gate.approvals.get(outcome.approval_id))
    card = widgets.approval_card(view)
    small_json(card)
    assert card["approval_id"] == outcome.approval_id and card["status"] == "pending"
    assert (card["tool"], card["resource"]) == ("docker.restart_container", f"container:{box.name}")
    assert (card["risk"], card["risk_tone"], card["status_tone"]) == ("write", "warn", "warn")
    assert card["rule"] == "builtin:no-rule" and card["reason"]
    # Plain words first; the rule id is a detail.
    assert card["headline"] == f"Restart {box.name}"
    assert card["why"] == "no rule allows restarts without asking"
    assert card["asked"] == "asked by " + USER.actor.removeprefix("user:")
    assert card["diff"] and "running now" in card["diff"]
    assert json.loads(card["args_text"]) == card["args"] and card["args"]["name"] == box.name
    assert card["result"] is None and card["action"] == widgets.ACTION_DECIDE
    decide = widgets.DecidePayload.model_validate(
        {"approval_id": card["approval_id"], "approve": True}
    )

    done = widgets.approval_card(
        await gate.decide(decide.approval_id, approve=decide.approve, by="user:evin")
    )
    assert done["status"] == "executed" and done["status_tone"] == "ok"
    assert done["decided_by"] == "user:evin" and done["finished_at"]
    assert done["result"] == {"status": "ok", "text": f"{box.name}: running → running"}
    executed = await gate.approvals.get(outcome.approval_id)
    assert executed.result is not None
    assert widgets.tool_reply(executed.result) | {"approval_id": None} == {
        "status": "ok",
        "approval_id": None,
        "text": "restarted",
        "state": "running",
        "buttons": ["logs", "restart", "stop"],
    }


@pytest.mark.docker
async def test_approval_card_of_a_rejected_stop(gate: Gate, make_container: MakeContainer) -> None:
    box = make_container()
    outcome = await gate.invoke(USER, "docker.stop_container", {"name": box.name})
    assert outcome.approval_id
    card = widgets.approval_card(
        await gate.decide(outcome.approval_id, approve=False, by="user:evin")
    )
    assert (card["status"], card["status_tone"], card["result"]) == ("rejected", "neutral", None)
    box.reload()
    assert box.status == "running"


@pytest.mark.parametrize(
    ("tool", "resource", "actor", "headline", "asked"),
    [
        ("docker.prune", "docker:prune", "user:evin", "Prune", "asked by evin"),
        ("docker.reclaim_space", "docker:prune", "agent:autonomous", "Reclaim space",
         "asked by the background agent"),
        ("domains.provision", "domain:a.example.com", "user:evin", "Provision a.example.com",
         "asked by evin"),
        ("files.write_config", "file:/srv/caddy/Caddyfile", "agent:chat",
         "Write config /srv/caddy/Caddyfile", "asked by chat"),
    ],
)  # fmt: skip
def test_approval_cards_speak_plainly(
    tool: str, resource: str, actor: str, headline: str, asked: str
) -> None:
    now = datetime.now(UTC)
    view = ApprovalView(
        id="a1", tool=tool, args={}, risk="write", resource=resource, actor=actor,
        rule="builtin:no-rule", reason="no rule allows this call", diff=None, status="pending",
        created_at=now, expires_at=now, decided_by=None, decided_at=None, finished_at=None,
        thread_id=None, run_id=None,
    )  # fmt: skip
    words = widgets.approval.plain_words(view)
    assert (words["headline"], words["asked"]) == (headline, asked)
    verb = tool.split(".")[1].split("_", maxsplit=1)[0]
    assert words["why"] == f"no rule allows {verb}s without asking"


@pytest.mark.parametrize(
    ("tool", "resource", "args", "headline"),
    [
        ("db.create_database", "db:pg/nextcloud", {"server": "pg", "name": "nextcloud"},
         "Create database pg/nextcloud"),
        ("db.deploy_server", "db:pg2", {"engine": "postgresql", "name": "pg2"},
         "Deploy server pg2"),
        ("docker.prune", "docker:prune", {"all": True}, "Prune"),
    ],
)  # fmt: skip
def test_a_resource_filled_from_the_arguments_is_named(
    tool: str, resource: str, args: dict[str, Any], headline: str
) -> None:
    now = datetime.now(UTC)
    view = ApprovalView(
        id="a1", tool=tool, args=args, risk="write", resource=resource, actor="user:evin",
        rule="builtin:no-rule", reason="no rule allows this call", diff=None, status="pending",
        created_at=now, expires_at=now, decided_by=None, decided_at=None, finished_at=None,
        thread_id=None, run_id=None,
    )  # fmt: skip
    assert widgets.approval.plain_words(view)["headline"] == headline


def test_tool_reply_texts() -> None:
    def reply(status: str, tool: str = "docker.stop_container", **kw: Any) -> dict[str, Any]:
        return widgets.tool_reply({"status": status, "invocation": {"tool": tool}, **kw})

    assert reply("denied", reason="stopping plex is not allowed")["text"] == (
        "denied: stopping plex is not allowed"
    )
    assert reply("error", message="no container named 'plex'")["text"] == (
        "failed: no container named 'plex'"
    )
    assert reply("ok", "docker.container_logs", data={"lines": ["x"]})["text"] == "logs below"
    assert reply("no_data", "docker.container_logs", data={"lines": []})["text"] == "no log lines"
    stopped = reply("ok", data={"action": "stop", "state": "exited", "changed": False})
    assert (stopped["text"], stopped["buttons"]) == ("already stopped", ["logs", "start"])


# -- payloads ------------------------------------------------------------------------------


def test_action_payloads_refuse_what_a_button_cannot_send() -> None:
    ok = widgets.ToolActionPayload.model_validate(
        {"tool": "docker.stop_container", "args": {"name": "plex"}}
    )
    assert ok.args == {"name": "plex"}
    bad: list[tuple[type[Any], dict[str, Any]]] = [
        (widgets.ToolActionPayload, {"tool": "docker.remove_container", "args": {"name": "plex"}}),
        (widgets.ToolActionPayload, {"tool": "docker.prune", "args": {}}),
        (widgets.ToolActionPayload, {"tool": "docker.stop_container", "args": {"name": "-rf"}}),
        (widgets.ToolActionPayload, {"tool": "docker.stop_container", "args": {}}),
        (
            widgets.ToolActionPayload,
            {"tool": "docker.stop_container", "args": {"name": "plex", "timeout": 0}},
        ),
        (
            widgets.ToolActionPayload,
            {"tool": "docker.stop_container", "args": {"name": "plex"}, "extra": 1},
        ),
        (widgets.DecidePayload, {"approval_id": "../../etc", "approve": True}),
        (widgets.DecidePayload, {"approval_id": str(uuid.uuid4()), "approve": True, "by": "x"}),
        (widgets.LogsPayload, {"name": "plex", "since": "yesterday"}),
        (widgets.LogsPayload, {"name": "plex; rm -rf /"}),
        (widgets.RefreshPayload, {"anything": 1}),
    ]
    for model, payload in bad:
        with pytest.raises(ValidationError):
            model.model_validate(payload)
    assert widgets.RefreshPayload.model_validate({}) == widgets.RefreshPayload()
    assert widgets.LogsPayload.model_validate({"name": "plex"}).since is None


def test_a_row_of_another_host_sends_its_host() -> None:
    def tool_args(args: dict[str, Any], tool: str = "docker.restart_container") -> dict[str, Any]:
        return widgets.ToolActionPayload.model_validate({"tool": tool, "args": args}).args

    assert tool_args({"name": "plex", "host": "nas"}) == {"name": "plex", "host": "nas"}
    assert tool_args({"name": "plex", "host": "nas-2"}, "docker.container_logs") == {
        "name": "plex",
        "host": "nas-2",
    }
    # `local` is this machine, which the tools take as no host at all.
    assert tool_args({"name": "plex", "host": "local"}) == {"name": "plex"}
    refused: list[tuple[str, dict[str, Any]]] = [
        ("docker.stop_container", {"host": "nas"}),
        ("docker.stop_container", {"name": "plex", "host": "NAS"}),
        ("docker.stop_container", {"name": "plex", "host": "-nas"}),
        ("docker.stop_container", {"name": "plex", "host": "nas; rm -rf /"}),
        ("docker.stop_container", {"name": "plex", "host": "../nas"}),
        ("docker.stop_container", {"name": "plex", "host": "n" * 64}),
        ("docker.stop_container", {"name": "plex", "host": ""}),
        ("docker.stop_container", {"name": "plex", "host": None}),
        ("docker.stop_container", {"name": "plex", "host": ["nas"]}),
        ("docker.stop_container", {"name": "plex", "host": 7}),
        ("docker.stop_container", {"name": "plex", "host": "nas", "timeout": 0}),
        ("docker.stop_container", {"name": "-rf", "host": "nas"}),
        ("docker.remove_container", {"name": "plex", "host": "nas"}),
        ("domains.health", {"fqdn": "plex.example.com", "host": "nas"}),
        ("ha.call_service", {"domain": "light", "service": "toggle",
                             "entity_id": "light.desk", "host": "nas"}),
    ]  # fmt: skip
    for tool, args in refused:
        with pytest.raises(ValidationError):
            widgets.ToolActionPayload.model_validate({"tool": tool, "args": args})

    logs = widgets.LogsPayload.model_validate({"name": "plex", "host": "nas", "since": None})
    assert (logs.host, logs.args()) == ("nas", {"name": "plex", "host": "nas"})
    here = widgets.LogsPayload.model_validate({"name": "plex", "host": "local"})
    assert (here.host, here.args()) == (None, {"name": "plex"})
    assert widgets.LogsPayload.model_validate({"name": "plex"}).args() == {"name": "plex"}
    for bad in ({"name": "plex", "host": "NAS"}, {"name": "plex", "host": None},
                {"name": "plex", "host": "nas", "grep": "x"}, {"host": "nas"}):  # fmt: skip
        with pytest.raises(ValidationError):
            widgets.LogsPayload.model_validate(bad)


def test_log_viewer_names_the_host_its_lines_come_from() -> None:
    def props(host: str | None, args: dict[str, Any]) -> dict[str, Any]:
        data = {"name": "plex", "lines": ["a"], "truncated": False}
        data |= {"host": host} if host else {}
        outcome = {"status": "ok", "data": data,
                   "invocation": {"tool": "docker.container_logs", "args": args}}  # fmt: skip
        return widgets.log_viewer(outcome, "plex")

    assert props("nas", {"name": "plex", "host": "nas"})["host"] == "nas"
    assert props(None, {"name": "plex", "host": "nas"})["host"] == "nas"
    assert props("local", {"name": "plex"})["host"] is None
    assert props(None, {"name": "plex"})["host"] is None


def test_every_widget_has_its_element() -> None:
    names = {p.stem for p in JSX}
    # SpeakReply is no tool's widget: it reads a reply aloud when the person asked for it.
    assert set(widgets.WIDGET_FOR_TOOL.values()) | {widgets.APPROVAL_CARD, "SpeakReply"} == names
    assert widgets.WIDGET_FOR_TOOL == {
        "docker.list_containers": "ContainerTable",
        "system.overview": "SystemOverview",
        "docker.container_logs": "LogViewer",
        "domains.list": "DomainTable",
        "domains.status": "ProvisioningProgress",
        "domains.provision": "ProvisioningProgress",
        "ssl.check_certificate": "CertificateCard",
        "findings.list": "FindingsPanel",
        "checks.run": "FindingsPanel",
        "runs.list": "RunsPanel",
        "db.list_servers": "DatabasePanel",
        "db.list_databases": "DatabasePanel",
        "db.server_info": "DatabasePanel",
        "db.list_backups": "DatabasePanel",
        "hosts.list": "HostsPanel",
        "ha.get_entity": "EntityCard",
        "ha.list_entities": "EntityCard",
        "plex.now_playing": "PlexNowPlaying",
        "n8n.list_workflows": "N8nWorkflows",
        "sunshine.clients": "SunshineClients",
        "stacks.list": "StacksPanel",
    }


# -- the JSX files -----------------------------------------------------------------------


def _imports(source: str) -> list[str]:
    return re.findall(r"^\s*import\s[^;]*?from\s+'([^']+)'", source, flags=re.M | re.S)


@pytest.mark.parametrize("path", JSX, ids=lambda p: p.name)
def test_jsx_imports_only_what_chainlit_provides(path: Path) -> None:
    source = path.read_text()
    found = _imports(source)
    assert found and set(found) <= ALLOWED_IMPORTS, set(found) - ALLOWED_IMPORTS
    assert len(re.findall(r"^\s*import\b", source, flags=re.M)) == len(found)
    assert re.search(rf"^export default function {path.stem}\(\)", source, flags=re.M)
    assert "require(" not in source and "dangerouslySetInnerHTML" not in source
    assert not re.search(r"https?://", source), "widgets must work offline"


def test_jsx_call_the_actions_and_carry_the_test_ids() -> None:
    text = {p.stem: p.read_text() for p in JSX}
    assert f"'{widgets.ACTION_TOOL}'" in text["ContainerTable"]
    assert f"'{widgets.ACTION_REFRESH}'" in text["SystemOverview"]
    assert f"'{widgets.ACTION_LOGS}'" in text["LogViewer"]
    assert f"'{widgets.ACTION_DECIDE}'" in text["ApprovalCard"]
    for tool in widgets.BUTTON_TOOLS.values():
        assert f"'{tool}'" in text["ContainerTable"]
    for snippet in ("'container-row-' + name", "key + '-' + name", "'row-status-' + name"):
        assert snippet in text["ContainerTable"]
    # A row of another host sends its host, and its state is kept under host and name.
    assert "{ name: row.name, host: row.host }" in text["ContainerTable"]
    assert "[rowKey(row)]" in text["ContainerTable"] and "[row.name]" not in text["ContainerTable"]
    assert "{ name, host }" in text["LogViewer"]
    for snippet in ("'approve-' + id", "'reject-' + id", "'approval-status-' + id"):
        assert snippet in text["ApprovalCard"]
    assert 'data-testid="refresh-overview"' in text["SystemOverview"]
    assert "'log-follow-' + name" in text["LogViewer"]
    assert "clearInterval(timer)" in text["LogViewer"]


def _stylesheet() -> str:
    found = sorted((CHAINLIT / "frontend" / "dist" / "assets").glob("index-*.css"))
    if not found:
        pytest.skip("Chainlit's built stylesheet is not installed")
    return found[0].read_text()


def test_jsx_classes_exist_in_chainlits_stylesheet() -> None:
    """Chainlit ships only the Tailwind classes its own code uses; others do nothing."""
    css = _stylesheet()
    missing = set()
    for path in JSX:
        for value in re.findall(r'className="([^"]*)"', path.read_text()):
            for cls in value.split():
                escaped = "." + re.sub(r"([^a-zA-Z0-9_-])", r"\\\1", cls)
                if not re.search(re.escape(escaped) + r"(?![a-zA-Z0-9_\\-])", css):
                    missing.add(f"{path.name}: {cls}")
    assert not missing, sorted(missing)


def test_jsx_icons_exist_in_chainlits_lucide() -> None:
    maps = sorted((CHAINLIT / "frontend" / "dist" / "assets").glob("index-*.js.map"))
    if not maps:
        pytest.skip("Chainlit's source map is not installed")
    sources = "\n".join(json.loads(maps[0].read_text())["sources"])
    for path in JSX:
        block = re.search(r"import \{([^}]*)\} from 'lucide-react'", path.read_text())
        assert block, path.name
        for name in (n.strip() for n in block.group(1).split(",") if n.strip()):
            kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
            assert f"/icons/{kebab}.js" in sources, f"{path.name}: {name}"


def test_jsx_syntax_with_esbuild_when_installed() -> None:
    esbuild = shutil.which("esbuild")
    if esbuild is None:
        pytest.skip("esbuild is not installed")
    for path in JSX:
        done = subprocess.run(
            [esbuild, str(path), "--loader:.jsx=jsx", "--log-level=error"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"{path.name}: {done.stderr}"


# -- colours -------------------------------------------------------------------------------


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours (channels 0..1)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def hex_rgb(value: str) -> tuple[float, float, float]:
    v = value.lstrip("#")
    return (int(v[0:2], 16) / 255, int(v[2:4], 16) / 255, int(v[4:6], 16) / 255)


def hsl_rgb(value: str) -> tuple[float, float, float]:
    """A shadcn theme value "H S% L%" as sRGB."""
    h, s, lightness = (float(x.rstrip("%")) for x in value.split())
    return colorsys.hls_to_rgb(h / 360, lightness / 100, s / 100)


def test_contrast_formula() -> None:
    assert contrast(hex_rgb("#000000"), hex_rgb("#ffffff")) == pytest.approx(21.0)
    assert contrast(hex_rgb("#777777"), hex_rgb("#ffffff")) == pytest.approx(4.48, abs=0.01)


def test_theme_is_offline_and_passes_aa_in_both_variants() -> None:
    theme = json.loads(THEME.read_text())
    assert theme["custom_fonts"] == []
    variants = theme["variables"]
    assert set(variants) == {"light", "dark"} and set(variants["light"]) == set(variants["dark"])
    assert "Inter" not in variants["light"]["--font-sans"]
    for name, v in variants.items():
        for text, background in THEME_PAIRS:
            ratio = contrast(hsl_rgb(v[text]), hsl_rgb(v[background]))
            assert ratio >= 4.5, f"{name}: {text} on {background} is {ratio:.2f}:1"
        for edge, background in [("--ring", "--background"), ("--input", "--background")]:
            ratio = contrast(hsl_rgb(v[edge]), hsl_rgb(v[background]))
            assert ratio >= 3, f"{name}: {edge} on {background} is {ratio:.2f}:1"
        ratio = contrast(hsl_rgb(v["--input"]), hsl_rgb(v["--card"]))
        assert ratio >= 3, f"{name}: input borders and switches on cards are {ratio:.2f}:1"


def test_hard_coded_colours_pass_aa() -> None:
    used = {c.lower() for p in JSX for c in re.findall(r"#[0-9a-fA-F]{6}\b", p.read_text())}
    palette = {c for pair in TEXT_PAIRS for c in pair} | set(GRAPHICS)
    assert used <= palette, used - palette
    for background, text in TEXT_PAIRS:
        assert contrast(hex_rgb(background), hex_rgb(text)) >= 4.5, (background, text)
    surfaces = [
        hsl_rgb(v[k])
        for v in json.loads(THEME.read_text())["variables"].values()
        for k in ("--background", "--card")
    ]
    for colour in GRAPHICS:
        for surface in surfaces:
            assert contrast(hex_rgb(colour), surface) >= 3, colour
