"""Phrasings about Docker: pruning, listings, and acting on one named container."""

from __future__ import annotations

from agent.router.phrases import (
    DETAILS,
    HOST,
    PROBLEM,
    PRUNABLE_WORDS,
    QUALIFIED,
    REMOVE,
    RESTART,
    SHOW,
    START,
    STATS,
    STOP,
    RuleTable,
    T,
    compile_rules,
)

_PRUNE: RuleTable = [
    # Pruning is checked before removal: "remove unused images" is a prune.
    ("prune", "none", r"(?:docker )?(?:system )?prune(?: (?P<what>" + PRUNABLE_WORDS + r"))?"),
    ("prune", "none", r"(?:clean ?up|cleanup|clean)(?: (?P<what>" + PRUNABLE_WORDS + r"))?"),
    (
        "prune",
        "none",
        QUALIFIED + r"(?:remove|delete|get rid of|purge|wipe|clear|clear out|free) "
        r"(?P<what>" + PRUNABLE_WORDS + r")",
    ),
]
_LISTS: RuleTable = [
    # Containers.
    (
        "list",
        "none",
        SHOW + r"(?:(?:all|my|the|docker|running|stopped|exited|dead|active|current|of) )*"
        r"containers(?: list| status| overview)?(?: (?:that are |which are )?"
        r"(?:running|stopped|up|down))?",
    ),
    ("list", "none", r"(?:docker )?ps(?: -a)?"),
    (
        "list",
        "none",
        r"(?:what|which)(?: containers| services| apps)? (?:is|are)(?: currently| still)? "
        r"(?:running|up|stopped|down|not running|exited|dead|active|online|offline)"
        r"(?: right now| now| currently| at the moment)?",
    ),
    (
        "list",
        "none",
        r"(?:which|what) containers (?:do i have|are there|exist|have i got|are on the "
        + HOST
        + r")",
    ),
    (
        "list",
        "none",
        r"how many containers(?: are| do i have| are there| exist)?(?: running| stopped| up|"
        r" down)?(?: right now)?",
    ),
    ("list", "none", r"list (?:everything|all)(?: that is running)?"),
    # Images, compose, volumes.
    (
        "images",
        "none",
        SHOW + r"(?:(?:all|my|the|docker|local|downloaded|pulled|dangling|unused|untagged|old) )*"
        r"images(?: list| -a)?",
    ),
    ("images", "none", r"(?:what|which) images (?:do i have|are there|are downloaded|exist)"),
    ("images", "none", r"how (?:big|large) are (?:my |the )?(?:docker )?images"),
    (
        "compose",
        "none",
        SHOW + r"(?:(?:all|my|the|docker|running|compose) )*(?:compose )?(?:projects|stacks)"
        r"(?: status)?",
    ),
    ("compose", "none", r"docker(?: |-)compose (?:ps|ls|list|projects|status)"),
    ("compose", "none", SHOW + r"(?:docker )?compose(?: status| setup)?"),
    (
        "compose",
        "none",
        r"(?:which|what) (?:compose )?(?:stacks|projects) (?:are|do i have|are there|exist)"
        r"(?: running| up| deployed)?",
    ),
    ("volumes", "none", SHOW + r"(?:(?:all|my|the|docker) )*volumes"),
]

# Log requests, matched after their options (lines, since, filter) were taken out.
_LOG_RULES: RuleTable = [
    ("logs", "strong", SHOW + r"(?:(?:recent|latest|last|the|docker) )*(?:logs?|log output)"),
    (
        "logs",
        "strong",
        SHOW + r"(?:(?:recent|latest|last|new|newest|current|full|docker|container|error|the) )*"
        r"(?:logs?|log output|log lines|logfile|log file|output)(?: (?:of|for|from|in|on))? " + T,
    ),
    ("logs", "strong", SHOW + T + r" (?:logs?|log output|logfile|log file|output)"),
    (
        "logs",
        "strong",
        r"(?:what|anything) (?:does|do|did|is|are) (?:the )?" + T + r"(?: logs?)? "
        r"(?:say|show|log|saying|logging)",
    ),
    ("logs", "strong", r"(?:grep|search|scan|look through|check) (?:the )?" + T + r" logs?"),
    ("logs", "strong", r"tail(?: -f)? " + T),
]
# Error questions without the word "logs": only after an error word was taken out.
_ERROR_RULES: RuleTable = [
    ("logs", "weak", SHOW + T),
    (
        "logs",
        "weak",
        r"(?:does|did|has|have|is|are) " + T + r"(?: (?:have|had|got|log|logged|throw|thrown|"
        r"show|showing|getting|throwing))?",
    ),
]

_LATE_RULES: RuleTable = [
    # One container's resource use.
    ("stats", "strong", SHOW + STATS + r"(?: (?:of|for|on|by))? " + T),
    ("stats", "strong", SHOW + T + r" " + STATS),
    (
        "stats",
        "strong",
        r"how much (?:cpu|memory|ram|mem|resources|resource|power) "
        r"(?:is|does) " + T + r" (?:using|use|taking|take|consuming|consume|eating|need)",
    ),
    (
        "stats",
        "strong",
        r"(?:is|does) " + T + r" (?:using|use|eating|hogging|taking)(?: up)? (?:a lot of |"
        r"too much |much |so much |lots of |all the )?(?:cpu|memory|ram|resources|resource)",
    ),
    ("stats", "strong", r"docker stats " + T),
    ("stats", "strong", SHOW + r"(?:cpu|memory|ram|mem) (?:of|for|by|on) " + T),
    # Why a container misbehaves: its state and recent logs.
    (
        "diagnose",
        "strong",
        r"why (?:is|did|does|has|was|do|are|were) "
        + T
        + r" (?:keep |been )?"
        + PROBLEM
        + r"(?: again| so much| all the time| constantly| so often)?",
    ),
    # Alerts from monitors: "Alert: container worker exited with code 3".
    (
        "diagnose",
        "strong",
        r"(?:alert |warning |notice )?(?:docker )?container "
        + T
        + r" (?:has |is |was |just )?"
        + PROBLEM
        + r"(?: with (?:exit )?(?:code|status) \d+)?(?: \d+ times?)?(?: (?:just now|again))?",
    ),
    ("diagnose", "weak", T + r" " + PROBLEM + r" with (?:exit )?(?:code|status) \d+"),
    ("diagnose", "strong", r"(?:what is|whats) (?:wrong|going on|the problem|the issue) with " + T),
    (
        "diagnose",
        "strong",
        r"(?:diagnose|troubleshoot|debug|investigate|look into|figure out what is wrong with|"
        r"find out what is wrong with|check what is wrong with) " + T,
    ),
    ("diagnose", "weak", T + r" (?:is|keeps|has been|seems|seems to be) " + PROBLEM),
    (
        "diagnose",
        "weak",
        T + r" (?:crashed|died|stopped working|is not working|is broken|wont start|"
        r"will not start|does not start|fails to start|keeps crashing|keeps restarting)",
    ),
    # Lifecycle: explicit verbs only.
    ("restart", "strong", RESTART + r"(?: " + T + r")?(?: again)?"),
    ("restart", "strong", r"(?:give|do) " + T + r" a (?:quick )?(?:restart|reboot|kick|bounce)"),
    (
        "restart",
        "strong",
        T + r" (?:needs|could use|should get) a (?:quick )?(?:restart|reboot|kick)",
    ),
    ("start", "strong", START + r"(?: " + T + r")?(?: (?:back )?up| again| back)?"),
    ("start", "strong", r"(?:bring|start) " + T + r" (?:back )?(?:up|online)"),
    ("stop", "strong", STOP + r"(?: " + T + r")?"),
    ("stop", "strong", r"(?:shut|take|bring|turn) " + T + r" (?:down|off|offline)"),
    ("kill", "strong", r"(?:docker )?kill(?: " + T + r")?"),
    (
        "remove",
        "strong",
        r"(?P<force>force |forcefully |forcibly )?" + REMOVE + r"(?: the)?(?: container)?"
        r"(?: " + T + r")?(?P<vols> with (?:its |the |their )?(?:anonymous )?volumes)?"
        r"(?P<force2> forcefully| by force| with force| force| -f)?",
    ),
    # One container's details and state.
    ("inspect", "strong", r"(?:docker )?(?:inspect|describe)(?: " + T + r")?"),
    (
        "inspect",
        "strong",
        SHOW
        + r"(?:(?:full|more|all|the|container) )*"
        + DETAILS
        + r"(?: (?:of|for|on|about|from))? "
        + T,
    ),
    ("inspect", "strong", SHOW + T + r" " + DETAILS),
    (
        "inspect",
        "strong",
        r"(?:what|which) (?:ports?|volumes?|mounts?|image|version|network|networks|ip|env vars|"
        r"restart policy) (?:does|is|do) " + T + r" (?:use|using|have|expose|exposing|run|"
        r"running|on|listen on|mounted|mount)",
    ),
    ("inspect", "weak", r"tell me (?:more )?about " + T),
    (
        "inspect",
        "weak",
        r"(?:is|are) " + T + r" (?:running|up|down|ok|okay|fine|healthy|alive|working|online|"
        r"offline|dead|started|stopped|on|off|live|up and running|still running|still up)"
        r"(?: right now| now| at the moment)?",
    ),
    (
        "inspect",
        "strong",
        SHOW + r"(?:the )?(?:status|state|health|uptime)(?: (?:of|for|on))? " + T,
    ),
    ("inspect", "strong", SHOW + T + r" (?:status|state|health|uptime)"),
    ("inspect", "weak", r"how is " + T + r"(?: doing| going| looking| holding up| running)?"),
    ("inspect", "weak", r"(?:check|check on|look at|peek at) " + T),
    ("inspect", "weak", SHOW + T),
]

PRUNE = compile_rules(_PRUNE)
LISTS = compile_rules(_LISTS)
LOG_RULES = compile_rules(_LOG_RULES)
ERROR_RULES = compile_rules(_ERROR_RULES)
LATE_RULES = compile_rules(_LATE_RULES)
