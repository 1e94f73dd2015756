"""n8n requests: the workflows, their recent executions, and the ones that failed.

Every phrasing names n8n: "did any workflow fail" alone is about Jarvis's own provisioning
workflows (the background checks), not n8n's.
"""

from __future__ import annotations

from typing import Any

from agent.router.phrases import SHOW, RuleTable, compile_rules
from agent.router.types import PlannedCall

_FLOWS = r"(?:workflows?|automations?|flows?|executions?|runs?|jobs?)"
_WHEN = (
    r"(?: (?P<when>today|so far today|tonight|overnight|last night|this morning|yesterday|"
    r"since yesterday|this week|in the last day|in the last (?:24|twenty four) hours|"
    r"in the last week|lately|recently))?"
)
_IN = r" (?:on|in|from|with) (?:my |our |the )?n8n"
_FAILED = r"(?:fail|failed|error|errored|break|broke|crash|crashed|go wrong|went wrong)"
_TABLE: RuleTable = [
    (
        "n8n_failed",
        "none",
        r"(?:did|have|has) (?:any|an|some|one of (?:my|the)|one of my|my|the)? ?n8n "
        + _FLOWS
        + r" "
        + _FAILED
        + _WHEN,
    ),
    (
        "n8n_failed",
        "none",
        r"(?:did|has) (?:anything|something|any|a) ?(?:workflow |automation )?"
        + _FAILED
        + _IN
        + _WHEN,
    ),
    (
        "n8n_failed",
        "none",
        SHOW + r"(?:any )?(?:failed|failing|broken|errored|crashed) n8n " + _FLOWS + _WHEN,
    ),
    (
        "n8n_failed",
        "none",
        SHOW + r"(?:any )?(?:failed|failing|broken|errored) " + _FLOWS + _IN + _WHEN,
    ),
    ("n8n_failed", "none", SHOW + r"(?:any )?n8n (?:failures|errors|problems)" + _WHEN),
    (
        "n8n_workflows",
        "none",
        SHOW + r"(?:n8n )(?:workflows|automations|flows)(?: (?:and|with) (?:their )?"
        r"(?:last |latest )?(?:runs|executions|status))?",
    ),
    ("n8n_workflows", "none", SHOW + r"(?:workflows|automations|flows)" + _IN),
    (
        "n8n_workflows",
        "none",
        r"(?:what|which) (?:workflows|automations|flows) (?:do i have|are there|exist|run|"
        r"are running)" + _IN,
    ),
    (
        "n8n_activate",
        "none",
        r"(?:activate|enable|switch on|turn on) (?:the |my )?n8n (?:workflow|automation|flow) "
        r"(?P<workflow>\S.{0,119}?)",
    ),
    (
        "n8n_deactivate",
        "none",
        r"(?:deactivate|disable|switch off|turn off|pause) (?:the |my )?n8n (?:workflow|automation|"
        r"flow) (?P<workflow>\S.{0,119}?)",
    ),
    (
        "n8n_executions",
        "none",
        SHOW + r"(?:the )?(?:recent |latest |last |todays )?n8n (?:executions|runs|history|"
        r"activity)" + _WHEN,
    ),
]
RULES = compile_rules(_TABLE)
INTENTS = frozenset(r.intent for r in RULES)
# How far back "today", "this week" and the like look, in hours.
_HOURS = {
    "today": 24,
    "so far today": 24,
    "tonight": 12,
    "overnight": 12,
    "last night": 12,
    "this morning": 12,
    "in the last day": 24,
    "in the last 24 hours": 24,
    "in the last twenty four hours": 24,
    "yesterday": 48,
    "since yesterday": 48,
    "this week": 168,
    "in the last week": 168,
    "lately": 168,
    "recently": 168,
}


def options(intent: str, groups: dict[str, str | None]) -> dict[str, Any]:
    """The arguments a matched phrasing implies."""
    if intent in ("n8n_activate", "n8n_deactivate"):
        # As said; n8n.activate resolves a name to its id (case aside) before anyone is asked.
        return {"workflow": str(groups.get("workflow") or "").strip()}
    out: dict[str, Any] = {}
    hours = _HOURS.get(groups.get("when") or "")
    if intent == "n8n_failed":
        out["status"] = "error"
    if intent in ("n8n_failed", "n8n_executions") and hours:
        out["since_hours"] = hours
    return out


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The call one n8n request makes."""
    if intent == "n8n_workflows":
        return [PlannedCall(tool="n8n.list_workflows", args=dict(opts))]
    if intent in ("n8n_activate", "n8n_deactivate"):
        return [PlannedCall(tool=f"n8n.{intent[4:]}", args=dict(opts))]
    return [PlannedCall(tool="n8n.executions", args=dict(opts))]
