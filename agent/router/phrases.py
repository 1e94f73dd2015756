"""The building blocks of the router's phrasings: fillers, a container name, verbs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Mode = Literal["none", "strong", "weak"]
RuleTable = list[tuple[str, Mode, str]]

SHOW = (
    r"(?:(?:show|list|get|give|display|print|view|see|fetch|check|pull up|open|tell|read|"
    r"me|us|all|the|my|our|a|an|some|current|quick|any|about|on|report|look at|look up|find|"
    r"what is|what are|how is|how are|i want to see|let me see|lets see) )*"
)
NAME = r"[a-z0-9][\w.-]*"
# A name never starts with a filler word ("show me logs" names no container "me").
NOT_FILLER = (
    r"(?!(?:me|us|the|my|our|a|an|some|what|is|are|of|for|in|on|to|i|please|show|list|get|"
    r"give|display|search|grep|scan|find|tail|check|restart|start|stop|remove|delete|kill|"
    r"inspect|describe|prune|tell|not|do|dont|never|anything|something|anyone|someone)\b)"
)
# Words naming things of another kind: "all my domains" is never a container.
OTHER_KINDS = (
    rf"(?!(?:{NAME} ){{0,2}}(?:domains|subdomains|sites|websites|hostnames|certificates|certs)"
    r"\b)"
)
T = (
    r"(?:the |my |our )?(?:(?:docker )?(?:container|service|app) )?"
    + NOT_FILLER
    + OTHER_KINDS
    + rf"(?P<target>{NAME}(?: {NAME}){{0,2}}?)"
    r"(?: (?:docker )?(?:container|service|app|stack)s?)?"
)
HOST = r"(?:server|host|system|machine|box|homelab|home lab|lab|setup|computer|pc|nas|node)"
# Words that name the host itself: never taken as a container name.
HOST_WORDS = frozenset(HOST[3:-1].split("|"))

RESTART = r"(?:docker )?(?:restart|reboot|bounce|recycle|cycle|kick|reload)"
START = (
    r"(?:docker )?(?:start|launch|boot|spin up|fire up|bring up|turn on|power on|start up|"
    r"wake up|wake)"
)
STOP = (
    r"(?:docker )?(?:stop|halt|shut down|shutdown|shut off|turn off|power off|take down|"
    r"bring down|spin down)"
)
REMOVE = r"(?:docker )?(?:remove|delete|rm|destroy|nuke|get rid of|trash|uninstall|erase)"
PRUNABLE_WORDS = (
    r"(?:(?:unused|dangling|untagged|old|stopped|exited|orphaned|leftover|docker|junk|stuff|"
    r"garbage|objects|all|everything|the|my|build|cache|images?|containers?|volumes?|"
    r"networks?|-a|--all|-af|system|and|of) ?)+"
)
QUALIFIED = (
    r"(?=.*\b(?:unused|dangling|untagged|old|stopped|exited|orphaned|leftover|junk|garbage|"
    r"build cache|cache)\b)"
)
PROBLEM = (
    r"(?:down|crash|crashed|crashing|crashes|restarting|restart|restarts|restarted|failing|"
    r"fail|failed|fails|broken|broke|stopped|stop|stops|exit|exited|exits|dying|dead|die|died|"
    r"unhealthy|not working|not running|not starting|not start|slow|erroring|error|"
    r"throwing errors|offline|acting up|keep restarting|keeps restarting|keep crashing|"
    r"keeps crashing|been restarting|so slow|unreachable|not responding)"
)
DETAILS = (
    r"(?:details|detail|info|information|config|configuration|settings|setup|specs|env|"
    r"environment|environment variables|env vars|mounts|volumes|ports|network|networks|image|"
    r"labels|restart policy|inspect)"
)
STATS = (
    r"(?:(?:resource|resources|cpu|memory|ram|mem|network|container|docker|current|live|the|"
    r"and) )*(?:stats|statistics|usage|use|consumption|utilization|utilisation|resources|resource)"
)


@dataclass(frozen=True)
class Rule:
    """One way of asking for an intent; `mode` says whether and how it names a container."""

    intent: str
    mode: Mode
    pattern: re.Pattern[str]


def compile_rules(rules: RuleTable) -> list[Rule]:
    """Compile (intent, mode, pattern) rows; each pattern must match a whole clause."""
    return [Rule(intent, mode, re.compile(p)) for intent, mode, p in rules]
