"""Phrasings about databases and other hosts: create, back up, restore, verify, list.

Each pattern matches a whole clause. Database and server names are taken as typed here and
resolved against the registered servers and the databases Jarvis knows in `db_targets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.router.phrases import SHOW, RuleTable, compile_rules

_N = r"[a-z_][a-z0-9_-]*"
# A database as typed: one or two words ("bot", "stream bot" for stream_bot).
_DB = rf"(?:the |my |our )?(?P<db>{_N}(?: {_N})??)"
_DBWORD = r"(?:database|db|data ?base)"
_ON = r"(?: (?:on|in|at) (?:the )?(?P<server>[a-z][a-z0-9_-]*)(?: (?:server|instance))?)?"
_ENGINE = r"(?:(?P<engine>postgres|postgresql|pg|mariadb|mysql|maria) )?"
_MAKE = r"(?:create|make|add|set up|setup|provision|spin up|give me|get me|new|build)"
_WHEN_WORDS = (
    r"last night|last nights?(?: backup)?|(?:backup|dump) (?:from|of) last night|"
    r"tonight|overnight|(?:the )?night(?:ly)? backup|yesterday|yesterdays?(?: backup)?|"
    r"(?:backup|dump) (?:from|of) yesterday|this morning|this mornings?(?: backup)?|"
    r"latest|newest|last|most recent|latest backup|newest backup|last backup|"
    r"most recent backup|backup|latest dump|last dump"
)
_FROM = r"(?:from|to|as of|using|with|back to)"
_WHEN = rf"(?: {_FROM} (?:the |a |an )?(?P<when>{_WHEN_WORDS}))?"
_RESTORE = r"(?:restore|recover|roll back|rollback|bring back|revert)"
_WHICH = r"(?:the )?(?:(?P<latest>latest|last|newest|most recent|recent) )?"

_TABLE: RuleTable = [
    # Create a database (with its own user) on a server.
    (
        "db_create",
        "none",
        rf"(?:{_MAKE}(?: me| us)? )?(?:a |an |one )?(?:new |fresh |empty )?{_ENGINE}{_DBWORD} "
        rf"(?:for|called|named) {_DB}(?: (?:app|service|container))?{_ON}",
    ),
    (
        "db_create",
        "none",
        rf"{_MAKE}(?: me| us)? (?:a |an |the )?(?:new )?{_ENGINE}(?P<db>{_N}) {_DBWORD}{_ON}",
    ),
    ("db_create", "none", rf"{_MAKE} (?:a |the )?{_DBWORD} (?P<db>{_N}){_ON}"),
    # Back up a database now.
    (
        "db_backup",
        "none",
        rf"(?:back up|backup|dump|snapshot|save) {_DB} {_DBWORD}{_ON}",
    ),
    ("db_backup", "none", rf"(?:back up|backup|dump) (?:the )?{_DBWORD} (?P<db>{_N}){_ON}"),
    (
        "db_backup",
        "none",
        rf"(?:take|make|do|run|create|start) (?:a |an )?(?:new |fresh |quick )?"
        rf"(?:backup|dump|snapshot) of {_DB}(?: {_DBWORD})?{_ON}",
    ),
    # Restore a database from one of its backups.
    (
        "db_restore",
        "none",
        rf"(?:restore|roll back|rollback|recover|bring back|reload|revert) {_DB} "
        rf"(?:{_DBWORD}|data){_ON}{_WHEN}",
    ),
    (
        "db_restore",
        "none",
        rf"(?:restore|recover|revert) (?:the )?{_DBWORD} (?P<db>{_N}){_ON}{_WHEN}",
    ),
    # "restore yesterday's", "restore it from last night": the database said before.
    ("db_restore", "none", rf"{_RESTORE} (?:it|them|that|the data|the database|everything){_WHEN}"),
    ("db_restore", "none", rf"{_RESTORE} (?:{_FROM} )?(?:the |a |an )?(?P<when>{_WHEN_WORDS})"),
    # Verify the newest backup of a database.
    (
        "db_verify",
        "none",
        rf"(?:verify|check|test|prove) {_WHICH}(?:backup|dump) (?:of|for) {_DB}"
        rf"(?: {_DBWORD})?{_ON}",
    ),
    (
        "db_verify",
        "none",
        rf"(?:is|are) {_DB}(?: {_DBWORD})? (?:backups?|dumps?) (?:ok|okay|good|fine|working|valid)",
    ),
    # Backups of a database (or of every database Jarvis knows).
    (
        "db_backups",
        "none",
        SHOW + rf"(?:(?:latest|last|recent|newest|database|db) )*(?:backups|backup list|dumps)"
        rf"(?: (?:of|for) {_DB}(?: {_DBWORD})?{_ON})?",
    ),
    (
        "db_backups",
        "none",
        rf"when was {_DB}(?: {_DBWORD})? (?:last )?backed up",
    ),
    # The databases on every registered server.
    (
        "db_list",
        "none",
        SHOW + r"(?:(?:the|my|all|our|registered) )*(?:databases|dbs|database servers|"
        r"db servers|database list|list of databases)"
        r"(?: (?:on|of|in) (?:the )?(?P<server>[a-z][a-z0-9_-]*)(?: server)?)?",
    ),
    (
        "db_list",
        "none",
        r"(?:what|which) (?:databases|dbs|database servers) (?:do i have|do we have|are there|"
        r"exist|are running|are registered|do you know)",
    ),
    # The other hosts Jarvis reaches over SSH.
    (
        "hosts_list",
        "none",
        SHOW + r"(?:(?:the|my|all|our|other|remote|registered|ssh|known) )*(?:hosts|machines|"
        r"other hosts|ssh hosts|remote hosts|other machines|host list|list of hosts)",
    ),
    (
        "hosts_list",
        "none",
        r"(?:what|which) (?:other )?(?:hosts|machines) (?:do you know|can you reach|"
        r"are registered|do i have|do we have)(?: about)?",
    ),
]
RULES = compile_rules(_TABLE)
DB_INTENTS = frozenset(r.intent for r in RULES)
# "the stream bot data is gone": what happened, said before the request that deals with it.
_LOSS = re.compile(
    rf"(?:the |my |our )?(?P<db>{_N}(?: {_N})??)(?: (?:database|db|data|tables?))? "
    r"(?:is|are|was|were|has been|have been|got|seems|looks) (?:gone|lost|missing|broken|empty|"
    r"corrupt|corrupted|deleted|wiped|wiped out|dropped|messed up)(?: again)?"
)


def is_remark(text: str) -> bool:
    """A clause that only says a database lost its data (the request comes with it)."""
    return _LOSS.fullmatch(text) is not None


def lost(text: str) -> str | None:
    """The database a remark says lost its data: "stream bot" in "the stream bot data is gone"."""
    m = _LOSS.fullmatch(text)
    return None if m is None else m.group("db")


@dataclass
class DbMatch:
    """A recognised database or hosts request, names as typed."""

    intent: str
    opts: dict[str, Any] = field(default_factory=dict)


def match(text: str) -> DbMatch | None:
    """The database request a whole clause makes, if any."""
    for rule in RULES:
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        opts: dict[str, Any] = {}
        if "db" in groups:
            opts["db"] = groups["db"]
        if "server" in groups:
            opts["server"] = groups["server"]
        if "engine" in groups:
            postgres = groups["engine"] in ("postgres", "postgresql", "pg")
            opts["engine"] = "postgresql" if postgres else "mariadb"
        if "when" in groups:
            opts["when"] = _when(groups["when"])
        return DbMatch(rule.intent, opts)
    return None


def _when(said: str) -> str:
    """Which backup a restore phrase asks for: night, yesterday, morning or latest."""
    if "night" in said or "overnight" in said:
        return "night"
    if "yesterday" in said:
        return "yesterday"
    if "morning" in said:
        return "morning"
    return "latest"
