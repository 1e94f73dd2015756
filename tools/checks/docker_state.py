"""What the container checks read from the Docker Engine: containers, stop events, log tails."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from typing import Any, Literal

import docker
from pydantic import BaseModel

from core.errors import JarvisError
from tools.checks.base import CheckContext
from tools.deps import ToolDeps
from tools.docker.base import Health, health_of
from tools.docker.client import Json, get_many, parse_time, run

IGNORE_LABEL = "jarvis.ignore"
HEALTH_OUTPUT_MAX = 500
LOG_LINES = 10
LOG_LINE_MAX = 300
EVENTS_TIMEOUT_SECONDS = 10.0
# `docker stop` sends SIGTERM, waits up to its timeout (10 s by default), then kills: the
# `kill` event can come that long before `die`, and `stop` comes right after it.
EVENTS_BEFORE = timedelta(seconds=120)
EVENTS_AFTER = timedelta(seconds=10)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

StopHow = Literal["stopped", "killed", "oom", "exited", "unknown"]


class ContainerState(BaseModel):
    """One container as the checks see it (from the list and one inspect)."""

    name: str
    id: str
    image: str
    labels: dict[str, str]
    status: str
    running: bool
    restarting: bool
    exit_code: int
    oom_killed: bool
    error: str
    started_at: datetime | None
    finished_at: datetime | None
    health: Health
    failing_streak: int
    health_output: str | None
    restart_count: int
    restart_policy: str

    @property
    def ignored(self) -> bool:
        """The owner asked Jarvis to leave it alone (label jarvis.ignore=true)."""
        return self.labels.get(IGNORE_LABEL, "").strip().lower() == "true"

    @property
    def resource(self) -> str:
        """The findings' resource name."""
        return f"container:{self.name}"


class StopInfo(BaseModel):
    """How a container came to stop, as the engine's event stream tells it."""

    how: StopHow
    signal: str | None = None
    exit_code: int | None = None
    actions: list[str] = []  # the events seen, oldest first

    @property
    def known(self) -> bool:
        """The events were still in the engine's buffer."""
        return self.how != "unknown"


def _trim(text: str, limit: int) -> str:
    text = _ANSI.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _state(row: Json, detail: Json) -> ContainerState:
    state: Json = detail.get("State") or {}
    config: Json = detail.get("Config") or {}
    policy: Json = (detail.get("HostConfig") or {}).get("RestartPolicy") or {}
    health: Json = state.get("Health") or {}
    probes: list[Json] = health.get("Log") or []
    output = _trim(str(probes[-1].get("Output") or ""), HEALTH_OUTPUT_MAX) if probes else None
    return ContainerState(
        name=str(detail.get("Name") or row["Id"][:12]).lstrip("/"),
        id=str(row["Id"]),
        image=str(config.get("Image") or row.get("Image") or ""),
        labels={str(k): str(v) for k, v in (config.get("Labels") or {}).items()},
        status=str(state.get("Status") or row.get("State") or "unknown"),
        running=bool(state.get("Running")),
        restarting=bool(state.get("Restarting")),
        exit_code=int(state.get("ExitCode") or 0),
        oom_killed=bool(state.get("OOMKilled")),
        error=_trim(str(state.get("Error") or ""), HEALTH_OUTPUT_MAX),
        started_at=parse_time(state.get("StartedAt")),
        finished_at=parse_time(state.get("FinishedAt")),
        health=health_of(state),
        failing_streak=int(health.get("FailingStreak") or 0),
        health_output=output,
        restart_count=int(detail.get("RestartCount") or 0),
        restart_policy=str(policy.get("Name") or "no"),
    )


def read_containers(client: docker.DockerClient) -> list[ContainerState]:
    """Every container, each inspected once (blocking); ones removed meanwhile are left out."""
    rows: list[Json] = get_many(client, ["/containers/json?all=1"])[0] or []
    ids = [str(r["Id"]) for r in rows]
    details = get_many(client, [f"/containers/{cid}/json" for cid in ids])
    found = [_state(r, d) for r, d in zip(rows, details, strict=True) if d is not None]
    return sorted(found, key=lambda c: c.name)


async def containers(ctx: CheckContext) -> list[ContainerState]:
    """The containers of this pass (read once, whichever checks ask)."""
    found: list[ContainerState] = await ctx.shared(
        "containers", lambda: run(ctx.deps, read_containers)
    )
    return found


async def watched(ctx: CheckContext) -> list[ContainerState]:
    """The containers the checks look at: all but those labelled jarvis.ignore=true."""
    return [c for c in await containers(ctx) if not c.ignored]


def _stamp(when: datetime) -> str:
    return f"{when.timestamp():.6f}"


def _read_events(
    client: docker.DockerClient, cid: str, since: datetime, until: datetime
) -> list[Json]:
    api: Any = client.api  # the SDK's stubs take whole seconds; the engine takes fractions
    stream = api.events(
        since=_stamp(since),
        until=_stamp(until),
        filters={"container": cid, "type": "container"},
        decode=True,
    )
    # `until` in the past ends the stream, but a stuck engine must not hold the thread.
    timer = threading.Timer(EVENTS_TIMEOUT_SECONDS, stream.close)
    timer.start()
    out: list[Json] = []
    try:
        for event in stream:
            out.append(event)
            if len(out) >= 1000:
                break
    except Exception:
        if not out:
            raise
    finally:
        timer.cancel()
        stream.close()
    return sorted(out, key=lambda e: int(e.get("timeNano") or 0))


def stop_info(events: list[Json]) -> StopInfo:
    """How the last run ended, from its events (`die` last; `stop` means on purpose)."""
    actions = [str(e.get("Action") or e.get("status") or "") for e in events]
    dies = [i for i, a in enumerate(actions) if a == "die"]
    if not dies:
        # The engine's short event buffer may keep the `stop` and have lost the `die`.
        starts = [i for i, a in enumerate(actions) if a == "start"]
        after = actions[starts[-1] + 1 :] if starts else actions
        return StopInfo(how="stopped" if "stop" in after else "unknown", actions=actions)
    starts = [i for i, a in enumerate(actions[: dies[-1]]) if a == "start"]
    first = starts[-1] + 1 if starts else 0
    cycle = events[first:]
    names = actions[first:]
    attrs = [(e.get("Actor") or {}).get("Attributes") or {} for e in cycle]
    code = str(attrs[names.index("die")].get("exitCode") or "")
    exit_code = int(code) if code.lstrip("-").isdigit() else None
    signals = [str(a.get("signal")) for a, n in zip(attrs, names, strict=True) if n == "kill"]
    how: StopHow = "exited"
    if "oom" in names:
        how = "oom"
    elif "stop" in names:
        how = "stopped"
    elif signals:
        how = "killed"
    return StopInfo(how=how, signal=signals[-1] if signals else None, exit_code=exit_code,
                    actions=names)  # fmt: skip


async def how_it_stopped(deps: ToolDeps, c: ContainerState, now: datetime) -> StopInfo:
    """Read the engine's events around the container's last exit; unknown if they are gone."""
    if c.finished_at is None:
        return StopInfo(how="unknown")
    since = c.finished_at - EVENTS_BEFORE
    until = min(c.finished_at + EVENTS_AFTER, now)
    if until <= since:
        return StopInfo(how="unknown")
    events = await run(deps, lambda client: _read_events(client, c.id, since, until))
    return stop_info(events)


def _log_tail(client: docker.DockerClient, cid: str) -> str:
    raw: Any = client.api.logs(cid, stdout=True, stderr=True, tail=LOG_LINES, timestamps=False)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    lines = [_trim(line, LOG_LINE_MAX) for line in text.splitlines()[-LOG_LINES:]]
    return "\n".join(lines)


async def log_tail(deps: ToolDeps, c: ContainerState) -> str | None:
    """The container's last log lines (untrusted text), or None if they cannot be read."""
    try:
        return await run(deps, lambda client: _log_tail(client, c.id))
    except JarvisError:  # logs are evidence, not the finding: a logging driver may refuse
        return None


async def docker_root(ctx: CheckContext) -> str | None:
    """Where the engine keeps images and containers (DockerRootDir); None if unreachable."""

    async def load() -> str | None:
        try:
            info: Json = await run(ctx.deps, lambda client: client.info())
        except JarvisError:  # without an engine the disk checks still run, only without remedy
            return None
        root = info.get("DockerRootDir")
        return str(root) if root else None

    found: str | None = await ctx.shared("docker_root", load)
    return found
