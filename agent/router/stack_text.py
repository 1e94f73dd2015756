"""Replies about stacks: where each stands, what a pull would bring, how a deploy ended."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import clean, inline, token
from agent.router.types import PlannedCall

Data = dict[str, Any]
SHOWN = 10


def describe(call: PlannedCall) -> str | None:
    """What a stacks call does, as a gerund phrase; None for other tools."""
    name = token(call.args.get("name", "?"))
    return {
        "stacks.list": "listing the stacks",
        "stacks.git_status": f"reading where the {name} stack stands in git",
        "stacks.diff": f"reading what a pull of the {name} stack would bring",
        "stacks.deploy": f"deploying the {name} stack",
        "stacks.rollback": f"rolling the {name} stack back",
        "stacks.logs": f"reading the logs of the {name} stack",
    }.get(call.tool)


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)]


def _short(sha: object) -> str:
    return token(str(sha or "?")[:12])


def stacks(args: Data, data: Data) -> str:
    """stacks.list: each stack's services, health, commit and git status."""
    lines = []
    for s in _rows(data, "stacks"):
        services = _rows(s, "services")
        healthy = sum(1 for v in services if v.get("health") == "healthy")
        lines.append(
            f"- {token(s.get('name'))}: {healthy}/{len(services)} services healthy, at "
            f"{_short(s.get('commit'))}, {clean(s.get('git_status'), 80)}."
        )
    return f"{len(lines)} stack(s):\n" + "\n".join(lines)


def status(args: Data, data: Data) -> str:
    """stacks.git_status: the plain words."""
    return (
        f"The {token(data.get('name'))} stack is {clean(data.get('status'), 120)} "
        f"(at {_short(data.get('commit'))} on {token(data.get('branch') or 'a detached head')})."
    )


def diff(args: Data, data: Data) -> str:
    """stacks.diff: the commits a pull would bring and whether the compose file changes."""
    commits = _rows(data, "commits")
    lines = [f"- {_short(c.get('sha'))} {inline(c.get('subject'), 100)}" for c in commits[:SHOWN]]
    if len(commits) > SHOWN:
        lines.append(f"- and {len(commits) - SHOWN} more.")
    compose = "changes" if data.get("compose_diff") else "does not change"
    return (
        f"A pull of the {token(data.get('name'))} stack would bring {len(commits)} commit(s):\n"
        + "\n".join(lines)
        + f"\nThe compose file {compose}."
    )


def deployed(args: Data, data: Data) -> str:
    """stacks.deploy / stacks.rollback: the commit it runs now, healthy."""
    resumed = " (an interrupted run, finished)" if data.get("resumed") else ""
    return f"{clean(data.get('message'), 300)}{resumed}; now at {_short(data.get('commit'))}."


SUMMARIES = {
    "stacks.list": stacks,
    "stacks.git_status": status,
    "stacks.diff": diff,
    "stacks.deploy": deployed,
    "stacks.rollback": deployed,
}
EMPTY = {
    "stacks.list": lambda a, d: "No stacks were found (git checkouts with a compose file).",
    "stacks.diff": lambda a, d: (
        f"The {token(d.get('name'))} stack is up to date: a pull would bring nothing."
    ),
}
