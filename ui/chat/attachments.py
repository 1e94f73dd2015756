"""Files attached in the chat: a Compose file, a Caddyfile or a log, read and answered."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.router.format import clean, code_block, inline, token
from core.units import size
from policies.gate import CallContext, Gate
from policies.outcome import ToolOutcome

MAX_BYTES = 1 << 20  # what the chat reads of one file; larger files are refused
ERROR_LINE = re.compile(r"\b(?:error|err|fatal|panic|exception|traceback|critical)\b", re.I)
WARN_LINE = re.compile(r"\bwarn(?:ing)?\b", re.I)
STAMP = re.compile(r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})")
LAST_ERRORS = 5
WHAT_I_READ = "I read Compose files (.yml, .yaml), Caddyfiles (.caddyfile) and logs (.log, .txt)."


def kind_of(name: str, text: str) -> str:
    """compose, caddyfile or log, by the name first and then the content."""
    lower = name.lower()
    if "caddyfile" in lower:
        return "caddyfile"
    if lower.endswith((".yml", ".yaml")) or re.search(r"^services:\s*$", text, re.M):
        return "compose"
    return "log"


def summarise_log(name: str, text: str) -> str:
    """Lines, time span, errors and warnings, and the last error lines as data."""
    lines = text.splitlines()
    errors = [line for line in lines if ERROR_LINE.search(line)]
    warnings = sum(1 for line in lines if WARN_LINE.search(line) and not ERROR_LINE.search(line))
    stamps = [m.group(1) for line in lines if (m := STAMP.match(line))]
    span = f", from {stamps[0]} to {stamps[-1]}" if len(stamps) >= 2 else ""
    head = (
        f"{token(name)} is a log of {len(lines)} lines{span}: "
        f"{len(errors)} error line(s), {warnings} warning(s)."
    )
    if not errors:
        return head
    shown = min(len(errors), LAST_ERRORS)
    return f"{head}\n\nThe last {shown} error line(s):\n{code_block(errors[-LAST_ERRORS:])}"


def _compose_reply(name: str, data: Mapping[str, Any]) -> str:
    services = data.get("services") or []
    lines = [f"{token(name)} is a Compose file with {len(services)} service(s):"]
    for s in services:
        facts = [inline(s.get("image") or "build", 120)]
        if s.get("ports"):
            facts.append("ports " + ", ".join(clean(p, 60) for p in s["ports"]))
        facts.append(f"restart {clean(s['restart'], 40)}" if s.get("restart") else "no restart")
        facts.append("health check" if s.get("healthcheck") else "no health check")
        lines.append(f"- {token(s.get('name'))}: " + "; ".join(facts))
    warnings = data.get("warnings") or []
    if warnings:
        lines.append("\nWorth fixing:")
        lines += [f"- {clean(w, 200)}" for w in warnings]
    lines.append("\nNothing was started.")
    return "\n".join(lines)


def _caddy_reply(name: str, data: Mapping[str, Any]) -> str:
    sites = data.get("sites") or []
    lines = [f"{token(name)} is a valid Caddyfile (Caddy adapted it) with {len(sites)} site(s):"]
    for s in sites:
        hosts = ", ".join(clean(h, 80) for h in s.get("hosts") or []) or "(any host)"
        handlers = "; ".join(clean(h, 120) for h in s.get("handlers") or []) or "no handler"
        lines.append(f"- {hosts} → {handlers}")
    lines.append(
        "\nNothing was loaded; `caddy.import_caddyfile` would load it "
        "(a snapshot first, and only with your approval)."
    )
    return "\n".join(lines)


def _failed(name: str, what: str, outcome: ToolOutcome) -> str:
    return f"{token(name)} looks like a {what}, but I could not read it: {outcome.message}"


async def answer(gate: Gate, ctx: CallContext, name: str, path: Path) -> str:
    """What Jarvis makes of one attached file; nothing is changed."""
    stat = path.stat()
    if stat.st_size > MAX_BYTES:
        return f"{token(name)} is {size(stat.st_size)}; I read files up to {size(MAX_BYTES)}."
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return f"{token(name)} is not a text file. {WHAT_I_READ}"
    kind = kind_of(name, text)
    if kind == "log":
        return summarise_log(name, text)
    if kind == "compose":
        outcome = await gate.invoke(ctx, "docker.check_compose_file", {"content": text})
        if outcome.status != "ok" or outcome.data is None:
            return _failed(name, "Compose file", outcome)
        return _compose_reply(name, outcome.data)
    outcome = await gate.invoke(ctx, "caddy.check_caddyfile", {"caddyfile": text})
    if outcome.status != "ok" or outcome.data is None:
        return _failed(name, "Caddyfile", outcome)
    return _caddy_reply(name, outcome.data)
