"""Questions about the background agent: what is wrong, what it did, and running the checks.

"what's wrong" is answered from the open findings the checks recorded, "what did you do
today" from the runs, and "run a check" runs the diagnose checks now (they only read).
"""

from __future__ import annotations

from typing import Any

from agent.router.phrases import HOST, SHOW, RuleTable, compile_rules
from agent.router.types import PlannedCall

_PLACE = r"(?: (?:on|in|with) (?:the |my |our )?(?:" + HOST + r"|things|everything|it all|stuff))?"
_WHEN = (
    r"(?: (?P<when>today|so far today|tonight|overnight|last night|this morning|yesterday|"
    r"this week|lately|recently|while i was away|while i was gone|since yesterday|"
    r"in the last day|in the last (?:24|twenty four) hours|in the last week))?"
)
_GROUPS = r"(?P<group>container|host|disk|domain|caddy|workflow|audit)s?"
_TABLE: RuleTable = [
    # What is wrong: the open findings.
    (
        "problems",
        "none",
        r"(?:what is|whats) (?:wrong|broken|the problem|the problems|the issue|the issues|"
        r"failing|on fire|not working|amiss)" + _PLACE + r"(?: here| today| right now| now)?",
    ),
    (
        "problems",
        "none",
        r"(?:is |are )?(?:there )?(?:anything|something) (?:broken|wrong|down|failing|"
        r"unhealthy|amiss|off|on fire|not working|i should know about|to worry about|"
        r"that needs (?:my )?attention)" + _PLACE,
    ),
    (
        "problems",
        "none",
        r"(?:are there |any |are there any |got any |do we have any |do i have any )"
        r"(?:open )?(?:problems|issues|findings|alerts|warnings|failures)"
        r"(?: (?:on|in|with) (?:the |my )?" + HOST + r")?(?: anywhere| right now| today)?",
    ),
    (
        "problems",
        "none",
        r"(?:is |are )?(?:everything|all|it all|things|(?:the |my )?" + HOST + r") "
        r"(?:ok|okay|fine|alright|all right|good|healthy|in order|in good shape)",
    ),
    ("problems", "none", r"(?:is )?all good|all ok|everything (?:good|ok|okay|fine)"),
    (
        "problems",
        "none",
        SHOW + r"(?:the )?(?:open |current |active )?(?:findings|problems|issues|alerts)"
        r"(?: (?:on|in|with) (?:the |my )?" + HOST + r")?",
    ),
    ("problems", "none", r"what (?:needs|requires) (?:my |your )?(?:attention|fixing|a fix)"),
    (
        "problems",
        "none",
        SHOW + r"(?:the )?(?P<closed>closed|resolved|cleared|fixed|solved) "
        r"(?:findings|problems|issues|alerts)" + _WHEN,
    ),
    # What the background agent did: its runs.
    (
        "activity",
        "none",
        r"what (?:did you|have you|has jarvis|did jarvis|did the (?:background )?agent|"
        r"has the (?:background )?agent) (?:do|done|been doing|been up to|fix|fixed|repair|"
        r"repaired|change|changed)" + _WHEN,
    ),
    (
        "activity",
        "none",
        r"(?:what|anything) (?:happened|went on|ran|changed|broke|got fixed|was fixed)" + _WHEN,
    ),
    (
        "activity",
        "none",
        r"did (?:you|jarvis|the (?:background )?agent) (?:do|fix|repair|change|restart|start) "
        r"(?:anything|something)" + _WHEN,
    ),
    (
        "activity",
        "none",
        SHOW + r"(?:the )?(?:recent |latest |last |todays |background |agent |scheduled |"
        r"check |diagnose )*(?P<what>runs|run history|activity|background activity|"
        r"background jobs|jobs|repairs|repair history)" + _WHEN,
    ),
    ("activity", "none", r"(?:background|agent) (?:runs|activity|jobs|history)" + _WHEN),
    # Run the checks now.
    (
        "run_checks",
        "none",
        r"(?:run |do |perform |start |rerun |re run )?(?:a |an |the |all |all the )?"
        r"(?:quick |full |new |fresh )?(?:health ?checks?|healthchecks?|check ?up|sanity checks?|"
        r"system checks?|diagnostics?|diagnosis|triage|checks|check)"
        r"(?: (?:on|of))?(?: the| my)?(?: " + HOST + r"| everything| all)?",
    ),
    (
        "run_checks",
        "none",
        r"(?:check|diagnose|troubleshoot|verify|scan|recheck|re check) (?:the |my )?(?:"
        + HOST
        + r"|everything|it all|all|health|for problems|for issues)",
    ),
    ("run_checks", "none", r"diagnose|recheck|re check|check again|look again"),
    (
        "run_checks",
        "none",
        r"(?:run |do |rerun )?(?:the |a )?" + _GROUPS + r" (?:checks?|health ?checks?)",
    ),
]
RULES = compile_rules(_TABLE)
WATCH_INTENTS = frozenset(r.intent for r in RULES)
# How far back "today", "overnight" and the like look, in hours.
_HOURS = {
    "overnight": 12,
    "last night": 12,
    "tonight": 12,
    "this morning": 12,
    "yesterday": 48,
    "since yesterday": 48,
    "this week": 168,
    "lately": 168,
    "recently": 168,
    "in the last week": 168,
    "while i was away": 72,
    "while i was gone": 72,
}
_CHECK_GROUPS = {
    "container": "containers.*",
    "host": "host.*",
    "disk": "host.*",
    "domain": "domains.*",
    "caddy": "caddy.*",
    "workflow": "workflows.*",
    "audit": "audit.*",
}


def options(intent: str, groups: dict[str, str | None]) -> dict[str, Any]:
    """The arguments a matched phrasing implies."""
    when = groups.get("when")
    hours = _HOURS.get(when or "")
    if intent == "problems" and groups.get("closed"):
        return {"closed": True, **({"since_hours": hours} if hours else {})}
    if intent == "activity":
        out: dict[str, Any] = {"since_hours": hours} if hours else {}
        if (groups.get("what") or "").startswith("repair"):
            out["kind"] = "repair"
        return out
    if intent == "run_checks" and (group := groups.get("group")):
        return {"checks": [_CHECK_GROUPS[group]]}
    return {}


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The call one background question makes."""
    tool = {"problems": "findings.list", "activity": "runs.list", "run_checks": "checks.run"}
    return [PlannedCall(tool=tool[intent], args=dict(opts))]
