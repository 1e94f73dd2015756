"""The policy engine: order, matching, windows, rate limits and built-in escalations."""

from __future__ import annotations

from datetime import UTC, datetime

from policies.engine import AUTONOMOUS, PolicyEngine, PolicyRequest
from policies.rules import Rule, load_rules


class Counter:
    def __init__(self, n: int = 0) -> None:
        self.n = n
        self.calls: list[tuple[list[str], str | None]] = []

    async def __call__(self, tools: list[str], resource: str | None, since: datetime) -> int:
        self.calls.append((tools, resource))
        return self.n


def req(
    tool: str = "docker.restart_container",
    risk: str | None = "write",
    actor: str = "user:evin",
    resource: str = "container:plex",
    untrusted: list[str] | None = None,
    labels: dict[str, str] | None = None,
) -> PolicyRequest:
    return PolicyRequest(
        tool=tool,
        risk=risk,
        actor=actor,
        resource=resource,
        untrusted_values=untrusted or [],
        labels=labels or {},
    )


def rule(**kw: object) -> Rule:
    return Rule.model_validate(kw)


async def test_unknown_tool_is_denied() -> None:
    d = await PolicyEngine(load_rules(None)).evaluate(req(tool="x.y", risk=None), Counter())
    assert (d.decision, d.rule) == ("deny", "builtin:unknown-tool")


async def test_defaults_reads_allowed_writes_asked_destructive_asked() -> None:
    engine = PolicyEngine(load_rules(None))
    read = await engine.evaluate(req("docker.list_containers", "read"), Counter())
    write = await engine.evaluate(req(), Counter())
    destroy = await engine.evaluate(req("docker.remove_container", "destructive"), Counter())
    assert (read.decision, read.rule) == ("allow", "allow-reads")
    assert (write.decision, write.rule) == ("ask", "builtin:no-rule")
    assert (destroy.decision, destroy.rule) == ("ask", "ask-destructive")


async def test_deny_beats_ask_beats_allow() -> None:
    rules = [
        rule(id="a", effect="allow", tools=["docker.*"]),
        rule(id="b", effect="ask", tools=["docker.restart_*"]),
        rule(id="c", effect="deny", resources=["container:plex"]),
    ]
    engine = PolicyEngine(rules)
    assert (await engine.evaluate(req(), Counter())).rule == "c"
    other = await engine.evaluate(req(resource="container:n8n"), Counter())
    assert (other.decision, other.rule) == ("ask", "b")
    start = await engine.evaluate(
        req("docker.start_container", resource="container:n8n"), Counter()
    )
    assert (start.decision, start.rule) == ("allow", "a")


async def test_actor_and_resource_globs() -> None:
    engine = PolicyEngine(
        [rule(id="evin-plex", effect="allow", actors=["user:evin"], resources=["container:plex*"])]
    )
    assert (await engine.evaluate(req(), Counter())).decision == "allow"
    assert (await engine.evaluate(req(actor="user:guest"), Counter())).decision == "ask"
    assert (await engine.evaluate(req(resource="container:n8n"), Counter())).decision == "ask"


async def test_maintenance_window_including_midnight_wrap() -> None:
    window = {"days": ["sat"], "start": "23:00", "end": "02:00", "tz": "UTC"}
    rules = [rule(id="w", effect="allow", windows=[window])]
    saturday_late = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # a Saturday
    sunday_early = datetime(2026, 11, 29, 1, 30, tzinfo=UTC)
    sunday_late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    for now, expected in [
        (saturday_late, "allow"),
        (sunday_early, "allow"),
        (sunday_late, "ask"),
        (saturday_noon, "ask"),
    ]:
        engine = PolicyEngine(rules, clock=lambda now=now: now)
        assert (await engine.evaluate(req(), Counter())).decision == expected, now


async def test_background_repairs_need_the_autoheal_label() -> None:
    engine = PolicyEngine(load_rules(None))
    for labels in ({}, {"jarvis.autoheal": "false"}, {"other": "true"}):
        d = await engine.evaluate(req(actor=AUTONOMOUS, labels=labels), Counter())
        assert (d.decision, d.rule) == ("ask", "builtin:autonomous-write"), labels
    opted_in = req(actor=AUTONOMOUS, labels={"jarvis.autoheal": "true", "x": "y"})
    d = await engine.evaluate(opted_in, Counter())
    assert (d.decision, d.rule) == ("allow", "autonomous-restart-breaker")


async def test_a_rule_naming_a_container_opts_it_in() -> None:
    mine = rule(
        id="heal-plex",
        effect="allow",
        tools=["docker.start_container"],
        actors=[AUTONOMOUS],
        resources=["container:plex"],
    )
    engine = PolicyEngine([mine, *load_rules(None)])
    d = await engine.evaluate(req("docker.start_container", actor=AUTONOMOUS), Counter())
    assert (d.decision, d.rule) == ("allow", "heal-plex")
    other = req("docker.start_container", actor=AUTONOMOUS, resource="container:db")
    assert (await engine.evaluate(other, Counter())).decision == "ask"


async def test_rate_limit_escalates_to_ask_as_circuit_breaker() -> None:
    engine = PolicyEngine(load_rules(None))
    auto = req(actor=AUTONOMOUS, labels={"jarvis.autoheal": "true"})
    under = Counter(2)
    d = await engine.evaluate(auto, under)
    assert (d.decision, d.rule) == ("allow", "autonomous-restart-breaker")
    assert under.calls == [
        (["docker.restart_container", "docker.start_container"], "container:plex")
    ]
    d = await engine.evaluate(auto, Counter(3))
    assert d.decision == "ask" and "circuit breaker" in d.reason


async def test_autonomous_write_without_allow_rule_is_asked() -> None:
    engine = PolicyEngine(load_rules(None))
    d = await engine.evaluate(req("docker.stop_container", actor=AUTONOMOUS), Counter())
    assert (d.decision, d.rule) == ("ask", "builtin:autonomous-write")


async def test_wildcard_allow_does_not_cover_autonomous_writes() -> None:
    engine = PolicyEngine([rule(id="all", effect="allow")])
    people = await engine.evaluate(req(), Counter())
    robots = await engine.evaluate(req(actor=AUTONOMOUS), Counter())
    robot_read = await engine.evaluate(req("docker.list_containers", "read", AUTONOMOUS), Counter())
    assert people.decision == "allow"
    assert (robots.decision, robots.rule) == ("ask", "builtin:autonomous-write")
    assert robot_read.decision == "allow"
    agent_glob = PolicyEngine([rule(id="agents", effect="allow", actors=["agent:*"])])
    glob = await agent_glob.evaluate(req(actor=AUTONOMOUS), Counter())
    assert (glob.decision, glob.rule) == ("ask", "builtin:autonomous-write")


async def test_untrusted_arguments_escalate_even_with_allow_rule() -> None:
    engine = PolicyEngine([rule(id="all", effect="allow")])
    d = await engine.evaluate(req(untrusted=["evil-box"]), Counter())
    assert (d.decision, d.rule) == ("ask", "builtin:untrusted-provenance")
    assert "evil-box" in d.reason
