"""Replies about the background agent: open findings, what its runs did, a check run now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agent.router.format import clean, inline, token
from agent.router.types import PlannedCall
from core.units import duration

Data = dict[str, Any]
SHOWN = 8  # findings or runs listed one by one; the rest are counted
GERUNDS = {
    "findings.list": "reading the open findings",
    "runs.list": "listing what the background agent did",
    "checks.run": "running the checks",
}
# A remedy's tool as a noun ("asked you to approve a start") and a past verb ("started web").
_ACTS = {
    "docker.start_container": ("a start", "started", "start"),
    "docker.restart_container": ("a restart", "restarted", "restart"),
    "docker.stop_container": ("a stop", "stopped", "stop"),
    "docker.reclaim_space": ("reclaiming Docker space", "reclaimed Docker space in", "reclaim"),
}


def describe(call: PlannedCall) -> str | None:
    """What a watch call does, as a gerund phrase; None for other tools."""
    if call.tool == "findings.list" and call.args.get("closed"):
        return "reading the findings cleared lately"
    return GERUNDS.get(call.tool)


def _rows(data: Data, key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)]


def _time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ago(value: Any, now: datetime | None = None) -> str:
    """ "5 min ago" for an ISO time; "at an unknown time" if it is none."""
    moment = _time(value)
    if moment is None:
        return "at an unknown time"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    return "just now" if seconds < 60 else f"{duration(seconds)} ago"


def resource(value: Any) -> str:
    """A resource as inline code: markdown would take "container:web" for a link."""
    return inline(value or "?", 120)


def _short(value: Any) -> str:
    """ "container:web" -> "web" for the repairs' verbs."""
    text = str(value or "?")
    return token(text[len("container:") :]) if text.startswith("container:") else resource(text)


def repair_text(f: Mapping[str, Any]) -> str | None:
    """What was done about one finding, in words (None when nothing was tried)."""
    remedy = f.get("remedy") if isinstance(f.get("remedy"), Mapping) else None
    tool = str(remedy.get("tool")) if remedy else ""
    noun = _ACTS.get(tool, (f"a repair ({token(tool)})" if tool else "a repair", "", ""))[0]
    status, approval = f.get("repair_status"), f.get("approval_status")
    if status == "approval_required" or approval:
        if approval in ("approved", "executed"):
            return f"you approved {noun}"
        if approval == "rejected":
            return f"you rejected {noun}"
        if approval == "expired":
            return f"I asked you to approve {noun}, but the approval expired"
        return f"I asked you to approve {noun}" + (
            f" (approval {token(str(f['approval_id'])[:8])})" if f.get("approval_id") else ""
        )
    words = {
        "ok": f"I tried {noun}; the next check confirms it",
        "started": f"{noun} is under way",
        "denied": f"policy does not allow {noun}",
        "failed": f"{noun} failed (attempt {f.get('repair_attempt') or 1})",
        "error": f"{noun} failed (attempt {f.get('repair_attempt') or 1})",
    }
    return words.get(str(status)) if status else None


def finding_line(f: Mapping[str, Any]) -> str:
    """One finding: severity, resource, summary, how long it lasts, what was done."""
    line = f"{clean(f.get('severity') or '?', 20)}: {resource(f.get('resource'))} — "
    line += clean(f.get("summary") or "", 200)
    count = f.get("count")
    if isinstance(count, int) and count > 1:
        line += f" (seen {count} times since {ago(f.get('first_seen'))})"
    if repair := repair_text(f):
        line += f"; {repair}"
    return line


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _listing(rows: list[Mapping[str, Any]]) -> str:
    lines = [f"- {finding_line(f)}." for f in rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines.append(f"- and {len(rows) - SHOWN} more.")
    return "\n".join(lines)


def findings(args: Data, data: Data) -> str:
    """findings.list: the open problems (or those cleared lately), and when checks last ran."""
    rows = _rows(data, "findings")
    last = data.get("last_checked")
    checked = f"checks last ran {ago(last)}" if last else "no check has run yet"
    if data.get("status") == "closed" or args.get("closed"):
        if not rows:
            return "No problem was cleared in that time."
        head = f"{_plural(len(rows), 'problem')} cleared:"
        return (
            head
            + "\n"
            + "\n".join(
                f"- {resource(f.get('resource'))} — {clean(f.get('summary') or '', 200)} "
                f"(cleared {ago(f.get('closed_at'))})."
                for f in rows[:SHOWN]
            )
        )
    if not rows:
        if not last:
            return "No problems recorded, but no check has run yet: say “run a check” to look now."
        return f"Nothing is wrong: no open problems ({checked})."
    levels = [str(f.get("severity")) for f in rows]
    counts = ", ".join(
        f"{levels.count(s)} {s}" for s in ("critical", "warning", "info") if s in levels
    )
    head = f"{_plural(len(rows), 'problem')} ({counts}; {checked}):"
    return head + "\n" + _listing(rows)


def repair_done(r: Mapping[str, Any]) -> str:
    """One repair a run made or asked for: "started web", "asked to restart db"."""
    _, past, verb = _ACTS.get(str(r.get("tool")), ("", f"ran {token(r.get('tool'))} on", "repair"))
    target = _short(r.get("resource"))
    status = str(r.get("status") or "?")
    if status == "ok":
        return f"{past} {target}"
    if status == "approval_required":
        return f"asked you to approve: {verb} {target}"
    if status == "denied":
        return f"was not allowed to {verb} {target}"
    return f"could not {verb} {target} ({clean(status, 40)})"


def _period(hours: Any) -> str:
    h = int(hours) if isinstance(hours, int) else 24
    if h == 24:
        return "In the last 24 hours"
    if h % 24 == 0:
        return f"In the last {h // 24} days"
    return f"In the last {h} hours"


def _run_line(r: Mapping[str, Any]) -> str:
    took = f" in {duration(r['seconds'])}" if isinstance(r.get("seconds"), int | float) else ""
    when = ago(r.get("queued_at"))
    line = f"{token(r.get('kind') or '?')} ({token(r.get('trigger') or '?')}, {when}): "
    line += f"{token(r.get('status') or '?')}{took}"
    if r.get("summary"):
        line += " — " + clean(r["summary"], 200)
    return line


def runs(args: Data, data: Data) -> str:
    """runs.list: how many runs, which failed, what was repaired, then the latest few."""
    rows = _rows(data, "runs")
    period = _period(data.get("since_hours", args.get("since_hours", 24)))
    if not rows:
        kind = f" {token(data['kind'])}" if data.get("kind") else ""
        return (
            f"{period} the background agent recorded no{kind} runs. It runs with the server "
            "or `jarvis worker`; say “run a check” to look now."
        )
    failed = [r for r in rows if r.get("status") == "failed"]
    repairs = [x for r in rows for x in _rows(dict(r), "repairs")]
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[str(r.get("kind"))] = kinds.get(str(r.get("kind")), 0) + 1
    head = f"{period}: {_plural(len(rows), 'run')}"
    head += f" ({', '.join(f'{n} {token(k)}' for k, n in kinds.items())})"
    if failed:
        head += f", {len(failed)} failed"
    if repairs:
        head += f"; {_plural(len(repairs), 'repair')}: " + "; ".join(
            repair_done(x) for x in repairs[:SHOWN]
        )
    else:
        head += "; no repairs"
    lines = [f"- {_run_line(r)}." for r in rows[:5]]
    more = f"\n- and {len(rows) - 5} earlier." if len(rows) > 5 else ""
    return head + ".\n" + "\n".join(lines) + more


def checks_run(args: Data, data: Data) -> str:
    """checks.run: the pass's problems, what cleared, and checks that could not look."""
    rows = _rows(data, "findings")
    n = data.get("checks") or 0
    head = f"Ran {_plural(int(n), 'check')} (run {token(str(data.get('run_id', '?'))[:8])}): "
    if rows:
        text = head + f"{_plural(len(rows), 'problem')}:\n" + _listing(rows)
    else:
        text = head + "nothing is wrong."
    cleared = [str(c) for c in data.get("closed") or []]
    if cleared:
        text += f"\nCleared since the last check: {', '.join(map(resource, cleared[:12]))}."
    errors = [clean(e, 160) for e in data.get("errors") or []]
    if errors:
        text += "\nCould not check: " + "; ".join(errors) + "."
    return text


SUMMARIES = {"findings.list": findings, "runs.list": runs, "checks.run": checks_run}
