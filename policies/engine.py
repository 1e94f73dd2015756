"""The policy engine: deny, then ask, then allow; first match wins within each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from memory.models import utcnow
from policies.rules import ALL_DAYS, Effect, Rule, Window

AUTONOMOUS = "agent:autonomous"

# (tool, resource or None for every resource, since) -> executions counted
CountRecent = Callable[[list[str], str | None, datetime], Awaitable[int]]
# (calendar as a rule names it, now) -> whether it has an event now (False when unreadable)
CalendarOn = Callable[[str, datetime], Awaitable[bool]]


class PolicyRequest(BaseModel):
    """What the engine needs to know about one call."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    risk: str | None  # None: the tool is not in the registry
    actor: str
    resource: str
    untrusted_values: list[str] = []
    labels: dict[str, str] = {}
    host: str | None = None  # a registered host the call acts on; None: this machine


class Decision(BaseModel):
    """The engine's answer, with the rule that produced it and why."""

    decision: Effect
    rule: str
    reason: str


def _in_window(window: Window, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(window.tz))
    day = ALL_DAYS[local.weekday()]
    t = local.time().replace(tzinfo=None)
    if window.start <= window.end:
        return day in window.days and window.start <= t < window.end
    # Wraps midnight: the part after midnight belongs to the previous day's window.
    if t >= window.start:
        return day in window.days
    previous = ALL_DAYS[(local.weekday() - 1) % 7]
    return t < window.end and previous in window.days


LOCAL_HOST = "local"


def host_of(args: dict[str, Any]) -> str | None:
    """The registered host a call acts on (its `host` argument); None: this machine."""
    host = args.get("host")
    return host if isinstance(host, str) else None


def _host_matches(rule: Rule, host: str | None) -> bool:
    """A rule that names no hosts allows on this machine only, but restricts everywhere: a
    rule written before other hosts existed never lets a call on one of them through."""
    if rule.hosts is None:
        return host is None or rule.effect != "allow"
    name = host or LOCAL_HOST
    return any(fnmatchcase(name, p.removeprefix("host:")) for p in rule.hosts)


def _matches(rule: Rule, req: PolicyRequest, now: datetime, on: frozenset[str]) -> bool:
    if not _targets(rule, req):
        return False
    if not rule.windows and not rule.calendars:
        return True
    # A weekly window or a calendar event: either opens the rule's window.
    return any(_in_window(w, now) for w in rule.windows) or any(
        c in on for c in rule.calendars or []
    )


def _targets(rule: Rule, req: PolicyRequest) -> bool:
    """The rule covers this call (tool, host, risk, actor, resource, labels), whenever it is."""
    if not any(fnmatchcase(req.tool, pattern) for pattern in rule.tools):
        return False
    if not _host_matches(rule, req.host):
        return False
    if rule.risks is not None and req.risk not in rule.risks:
        return False
    if not any(fnmatchcase(req.actor, pattern) for pattern in rule.actors):
        return False
    if not any(fnmatchcase(req.resource, pattern) for pattern in rule.resources):
        return False
    return not (rule.labels and any(req.labels.get(k) != v for k, v in rule.labels.items()))


class PolicyEngine:
    """Evaluates rules (data) for a call; the built-in escalations cannot be configured away."""

    def __init__(
        self,
        rules: list[Rule],
        clock: Callable[[], datetime] = utcnow,
        calendar_on: CalendarOn | None = None,
    ) -> None:
        self.rules = rules
        self._clock = clock
        # Reads the calendars rules name (wired by the runtime); None: no calendar is ever on.
        self.calendar_on = calendar_on

    @cached_property
    def named_values(self) -> frozenset[str]:
        """Names the policy's allow rules spell out (`container:plex` names `plex`)."""
        names = set()
        for rule in self.rules:
            if rule.effect != "allow":
                continue  # naming something in order to deny or ask is no vouching for it
            for pattern in rule.resources:
                _, _, value = pattern.partition(":")
                if value and not any(c in value for c in "*?[]"):
                    names.add(value.lower())
        return frozenset(names)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, if it is one of ours (not a built-in)."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def now(self) -> datetime:
        """The engine's clock."""
        return self._clock()

    def _first(
        self, effect: Effect, req: PolicyRequest, now: datetime, on: frozenset[str]
    ) -> Rule | None:
        for rule in self.rules:
            if rule.effect == effect and _matches(rule, req, now, on):
                return rule
        return None

    async def _calendars_on(self, req: PolicyRequest, now: datetime) -> frozenset[str]:
        """The calendars with an event now, asked only for rules that cover this call."""
        if self.calendar_on is None:
            return frozenset()
        names = {c for r in self.rules if r.calendars and _targets(r, req) for c in r.calendars}
        return frozenset([c for c in sorted(names) if await self.calendar_on(c, now)])

    async def evaluate(self, req: PolicyRequest, count_recent: CountRecent) -> Decision:
        """Decide allow / ask / deny for one call."""
        now = self._clock()
        if req.risk is None:
            return Decision(
                decision="deny", rule="builtin:unknown-tool", reason=f"{req.tool} is not a tool"
            )
        on = await self._calendars_on(req, now)
        rule = self._first("deny", req, now, on)
        if rule is not None:
            return Decision(decision="deny", rule=rule.id, reason=rule.description or "denied")
        rule = self._first("ask", req, now, on)
        if rule is not None:
            return Decision(decision="ask", rule=rule.id, reason=rule.description or "asked")
        rule = self._first("allow", req, now, on)
        if rule is None:
            if req.risk != "read" and req.actor == AUTONOMOUS:
                reason = "an autonomous run may not change anything without an allow rule"
                return Decision(decision="ask", rule="builtin:autonomous-write", reason=reason)
            return Decision(
                decision="ask", rule="builtin:no-rule", reason="no rule allows this call"
            )
        writes = req.risk != "read"
        if writes and req.actor == AUTONOMOUS and AUTONOMOUS not in rule.actors:
            # A wildcard written for people must not quietly let background runs act.
            reason = (
                f"rule {rule.id} does not name {AUTONOMOUS}; autonomous writes need one that does"
            )
            return Decision(decision="ask", rule="builtin:autonomous-write", reason=reason)
        if rule.rate_limit is not None:
            limit = rule.rate_limit
            since = now - timedelta(seconds=limit.per_seconds)
            scope = req.resource if limit.by == "resource" else None
            # The limit covers everything the rule allows (restart and start alike).
            done = await count_recent(rule.tools, scope, since)
            if done >= limit.max:
                what = f" on {req.resource}" if scope else ""
                reason = (
                    f"circuit breaker: {', '.join(rule.tools)} already ran {done} time(s){what} "
                    f"in the last {limit.per_seconds} s (limit {limit.max})"
                )
                return Decision(decision="ask", rule=rule.id, reason=reason)
        if writes and req.untrusted_values:
            shown = ", ".join(repr(v) for v in req.untrusted_values[:5])
            reason = (
                f"arguments {shown} came only from untrusted output (logs, web pages, DNS), "
                "never from you or the policy"
            )
            return Decision(decision="ask", rule="builtin:untrusted-provenance", reason=reason)
        return Decision(decision="allow", rule=rule.id, reason=rule.description or "allowed")
