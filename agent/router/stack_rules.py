"""Stack requests: what a pull would bring, deploy, roll back, where the stacks stand.

The stack is said as people say it ("the stream bot"); the tools resolve it against the live
stack folders (exact, then ignoring case and punctuation, then the closest), as container
names are resolved.
"""

from __future__ import annotations

import re
from typing import Any

from agent.router.phrases import SHOW, RuleTable, compile_rules
from agent.router.types import PlannedCall

# A stack name of one to three words, never a database or domain request ("deploy a postgres
# server" is the database family's, "deploy plex.example.com to ..." the domains').
_NAME = (
    r"(?:the |my |our )?(?!(?:a|an|new|my|the)\b)"
    r"(?P<stack>[a-z0-9][\w.-]*(?: [a-z0-9][\w.-]*){0,2}?)(?: stack| project| compose project)?"
)
_NOT_DB = r"(?!.*\b(?:postgres|postgresql|mariadb|mysql|redis|database|db|server)\b)"
_CHANGED = (
    r"(?:what(?:s| has| is)? (?:changed|new|coming|incoming|pending)|what would (?:a )?"
    r"(?:pull|deploy|update) (?:bring|change)|what changes are (?:there|waiting|pending)|"
    r"whats changed|whats new)"
)
_TABLE: RuleTable = [
    ("stack_list", "none", SHOW + r"stacks(?: status| state)?"),
    ("stack_list", "none", r"(?:are|is) (?:my |the |any )?stacks? (?:behind|up to date|in sync)"),
    ("stack_diff", "none", _CHANGED + r" (?:in|for|on|to|upstream (?:in|for)) " + _NAME),
    (
        "stack_diff",
        "none",
        SHOW + r"(?:the )?(?:pending |new |incoming )?(?:changes|commits|diff) "
        r"(?:in|for|of|to) " + _NAME,
    ),
    ("stack_status", "none", r"(?:is|are) " + _NAME + r" (?:behind|up to date|in sync|dirty)"),
    ("stack_status", "none", SHOW + r"(?:the )?git status (?:of|for) " + _NAME),
    (
        "stack_deploy",
        "none",
        _NOT_DB
        + r"(?:deploy|redeploy|update|pull and deploy|pull) "
        + _NAME
        + r"(?: (?:again|now|to the latest(?: commit)?))?",
    ),
    (
        "stack_rollback",
        "none",
        _NOT_DB
        + r"(?:roll ?back|revert|undo the (?:last )?deploy of) "
        + _NAME
        + r"(?: to (?:the )?(?:last good|previous)(?: commit| version)?)?",
    ),
    ("stack_rollback", "none", _NOT_DB + r"roll " + _NAME + r" back"),
]
RULES = compile_rules(_TABLE)
INTENTS = frozenset(r.intent for r in RULES)
_TOOLS = {
    "stack_list": "stacks.list",
    "stack_diff": "stacks.diff",
    "stack_status": "stacks.git_status",
    "stack_deploy": "stacks.deploy",
    "stack_rollback": "stacks.rollback",
}


def spoken_name(said: str) -> str:
    """ "stream bot" as a name the tools take ("stream-bot"); they match it loosely."""
    return re.sub(r"[^a-z0-9._-]+", "-", said.strip().lower()).strip("-._")


def options(intent: str, groups: dict[str, str | None]) -> dict[str, Any]:
    """The arguments a matched phrasing implies."""
    said = groups.get("stack")
    return {"name": spoken_name(said)} if said and intent != "stack_list" else {}


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The call one stack request makes."""
    return [PlannedCall(tool=_TOOLS[intent], args=dict(opts))]
