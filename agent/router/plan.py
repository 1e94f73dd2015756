"""From a recognised intent and its options to tool calls with valid arguments."""

from __future__ import annotations

import re
from typing import Any

from agent.router import domain_calls, domain_rules, host_targets, watch_rules
from agent.router.grammar import SERVICES
from agent.router.text import number
from agent.router.types import PlannedCall

_KINDS = [
    ("containers", {"container", "containers"}),
    ("images", {"image", "images"}),
    ("volumes", {"volume", "volumes"}),
    ("networks", {"network", "networks"}),
    ("build_cache", {"cache", "build"}),
]
# What `docker system prune` removes; volumes hold data and are pruned only when named.
DEFAULT_PRUNE = ["containers", "images", "networks", "build_cache"]
_FIXED: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "overview": [("system.overview", {}), ("docker.list_containers", {})],
    "check": [("docker.list_containers", {}), ("system.overview", {}), ("system.disks", {})],
    "compose": [("docker.list_compose_projects", {})],
    "volumes": [("docker.disk_usage", {})],
    "disk": [("system.disks", {}), ("docker.disk_usage", {})],
    "memory": [("system.memory", {})],
}
_SINGLE = {
    "logs": "docker.container_logs",
    "stats": "docker.container_stats",
    "restart": "docker.restart_container",
    "start": "docker.start_container",
    "stop": "docker.stop_container",
    "kill": "docker.stop_container",
    "remove": "docker.remove_container",
    "inspect": "docker.inspect_container",
}


def prune_args(what: str | None) -> dict[str, Any]:
    """docker.prune arguments for "prune", "prune unused images and volumes" and the like."""
    words = set((what or "").split())
    kinds = [kind for kind, names in _KINDS if words & names] or list(DEFAULT_PRUNE)
    args: dict[str, Any] = {"what": kinds}
    # Untagged images by default: "unused" images may be the only copy a container is
    # recreated from; every unused image only when asked for in so many words.
    wide = {"all", "-a", "--all", "-af", "everything"}
    if "images" in kinds and words & wide and not words & {"dangling", "untagged"}:
        args["all_images"] = True
    return args


def options(intent: str, groups: dict[str, str | None], text: str) -> dict[str, Any]:
    """The arguments a matched phrasing implies besides the container name."""
    for service in SERVICES:
        if intent in service.INTENTS:
            return service.options(intent, groups)
    if intent in watch_rules.WATCH_INTENTS:
        return watch_rules.options(intent, groups)
    if intent == "prune":
        return prune_args(groups.get("what"))
    if intent == "list":
        running = re.search(r"\b(?:running|up|active|online)\b", text)
        other = re.search(r"\b(?:stopped|exited|down|dead|all|not|offline|how many)\b", text)
        return {"all": False} if running and not other else {}
    if intent == "images":
        return {"dangling": True} if re.search(r"\b(?:dangling|untagged)\b", text) else {}
    if intent == "top":
        out: dict[str, Any] = {}
        if groups.get("sort") in ("memory", "ram", "mem"):
            out["sort"] = "memory"
        if groups.get("n"):
            out["limit"] = min(max(number(groups["n"], 10), 1), 100)
        return out
    if intent == "network":
        return {"interval": 1.0} if groups.get("rates") else {}
    if intent == "kill":
        return {"timeout": 0}
    if intent == "remove":
        out = {}
        if groups.get("force") or groups.get("force2"):
            out["force"] = True
        if groups.get("vols"):
            out["volumes"] = True
        return out
    return {}


def calls_for(intent: str, name: str | None, opts: dict[str, Any]) -> list[PlannedCall]:
    """The calls one recognised request makes, in order."""
    for service in SERVICES:
        if intent in service.INTENTS:
            return service.calls_for(intent, opts)
    if intent in domain_rules.DOMAIN_INTENTS:
        return domain_calls.calls_for(intent, opts)
    if intent in watch_rules.WATCH_INTENTS:
        return watch_rules.calls_for(intent, opts)
    if opts.get("host") and intent in host_targets.HOST_INTENTS:
        return host_targets.calls_for(intent, opts)
    if intent in _FIXED:
        return [PlannedCall(tool=t, args=dict(a)) for t, a in _FIXED[intent]]
    if intent == "list":
        return [PlannedCall(tool="docker.list_containers", args=dict(opts))]
    if intent == "images":
        return [PlannedCall(tool="docker.list_images", args=dict(opts))]
    if intent == "top":
        return [PlannedCall(tool="system.top_processes", args=dict(opts))]
    if intent == "network":
        return [PlannedCall(tool="system.network", args=dict(opts))]
    if intent == "prune":
        return [PlannedCall(tool="docker.prune", args=dict(opts))]
    if name is None:
        return []
    if intent == "diagnose":
        return [
            PlannedCall(tool="docker.inspect_container", args={"name": name}),
            PlannedCall(tool="docker.container_logs", args={"name": name, "tail": 50}),
        ]
    return [PlannedCall(tool=_SINGLE[intent], args={"name": name, **opts})]


def merge(calls: list[PlannedCall]) -> list[PlannedCall]:
    """Identical calls once; several prunes as one (the kinds together)."""
    out: list[PlannedCall] = []
    prune: PlannedCall | None = None
    for call in calls:
        if call.tool == "docker.prune":
            if prune is None:
                prune = call.model_copy(deep=True)
                out.append(prune)
            else:
                kinds = prune.args["what"] + [k for k in call.args["what"]]
                prune.args["what"] = [k for k, _ in _KINDS if k in kinds]
                if call.args.get("all_images"):
                    prune.args["all_images"] = True
            continue
        if call not in out:
            out.append(call)
    return out
