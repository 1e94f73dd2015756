"""Database requests made concrete: which server, which database, which backup; and their calls.

A name is never guessed: a database resolves against the ones Jarvis made or backed up, a
server against the registered ones, and when more than one fits the router asks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.router.format import when as when_text
from agent.router.types import BackupRef, Clarify, DbRef, DbServerRef, Inventory

# As tools/db/names.py has them (importing it loads every db tool, and a plan from the
# terminal imports the router alone); tests/agent/router/test_db_intents.py compares them.
IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SYSTEM_DATABASES = frozenset(
    {
        "postgres",
        "template0",
        "template1",
        "mysql",
        "information_schema",
        "performance_schema",
        "sys",
    }
)
SCRATCH_PREFIX = "jarvis_verify_"
CHOICE = "{choice}"  # where the answer goes in a retried request (as in intents)
ADD_SERVER = (
    "`jarvis databases add-server NAME --url postgresql://USER:PASSWORD@HOST:5432/postgres`"
)
_WHEN_PHRASE = {
    "night": "last night",
    "yesterday": "yesterday",
    "morning": "this morning",
    "latest": "the latest backup",
}


def _choices(names: list[str]) -> str:
    shown = names[:10]
    return ", ".join(shown[:-1]) + (f" or {shown[-1]}" if len(shown) > 1 else shown[0])


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def window(when: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The span a restore phrase means, in this machine's local time (None: the newest).

    Last night runs from 18:00 yesterday to 08:00 today; yesterday is the whole day before
    today; this morning is today until noon.
    """
    local = _aware(now).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if when == "night":
        return midnight - timedelta(hours=6), midnight + timedelta(hours=8)
    if when == "yesterday":
        return midnight - timedelta(days=1), midnight
    if when == "morning":
        return midnight, midnight + timedelta(hours=12)
    return None


def done_backups(db: DbRef) -> list[BackupRef]:
    """The finished backups of a database, newest first."""
    return [b for b in db.backups if b.status == "done"]


def pick_backup(db: DbRef, when: str, now: datetime) -> BackupRef | None:
    """The newest finished backup within the span `when` names."""
    span = window(when, now)
    for b in done_backups(db):
        if span is None or span[0] <= _aware(b.created_at) < span[1]:
            return b
    return None


def _key(typed: str) -> str:
    return re.sub(r"[\s-]+", "_", typed.strip())


def find_databases(typed: str, inv: Inventory, server: str | None = None) -> list[DbRef]:
    """Known databases the typed name means: exact first, else those it names a part of."""
    pool = [d for d in inv.databases if server is None or d.server == server]
    key = _key(typed)
    exact = [d for d in pool if d.name == key]
    if exact:
        return exact
    flat = key.replace("_", "")
    return [
        d
        for d in pool
        if key in re.split(r"[_-]", d.name)
        or d.name.startswith(key + "_")
        or d.name.endswith("_" + key)
        or d.name.replace("_", "") == flat
    ]


def _sql(inv: Inventory) -> list[DbServerRef]:
    return [s for s in inv.db_servers if s.engine != "redis"]


def phrase(intent: str, opts: dict[str, Any], db: str, server: str | None) -> str:
    """The request said plainly, so it routes again with an answer filled in."""
    on = f" on {server}" if server else ""
    if intent == "db_create":
        return f"create a database for {db}{on}"
    if intent == "db_backup":
        return f"back up the {db} database{on}"
    if intent == "db_restore":
        return f"restore the {db} database{on} from {_WHEN_PHRASE[opts.get('when', 'latest')]}"
    if intent == "db_verify":
        return f"verify the latest backup of the {db} database{on}"
    return f"show backups of the {db} database{on}"


def _no_server(inv: Inventory | None = None) -> Clarify:
    if inv is not None and inv.db_servers:
        redis = ", ".join(s.name for s in inv.db_servers)
        return Clarify(
            question=(
                f"Only Redis is registered ({redis}), and Redis has no databases to manage this "
                f"way; add a PostgreSQL or MariaDB server with {ADD_SERVER}."
            )
        )
    return Clarify(question=f"No database server is registered yet: add one with {ADD_SERVER}.")


def _which_server(intent: str, opts: dict[str, Any], db: str, pool: list[str], why: str) -> Clarify:
    retry = phrase(intent, opts, db, CHOICE)
    return Clarify(question=f"{why} {_choices(pool)}?", options=pool, retry=retry)


def _check_server(intent: str, opts: dict[str, Any], db: str, inv: Inventory) -> Clarify | None:
    """A server the person named must be registered (and hold SQL databases)."""
    named = opts.get("server")
    if named is None:
        return None
    names = [s.name for s in _sql(inv)]
    if named in names:
        return None
    if not names:
        return _no_server(inv)
    why = f"There is no database server called {named}. Which one do you mean:"
    return _which_server(intent, opts, db, names, why)


def _new_name(intent: str, opts: dict[str, Any], typed: str, inv: Inventory) -> Clarify | None:
    """A database not known yet: a valid name, on the server named or the only fitting one."""
    name = _key(typed)
    if not IDENT_RE.fullmatch(name) or name in SYSTEM_DATABASES or name.startswith(SCRATCH_PREFIX):
        return Clarify(
            question=(
                f"{typed!r} cannot be a database name here: use lower-case letters, digits and _ "
                "(and not one of the engine's own databases)."
            )
        )
    sql = _sql(inv)
    if not sql:
        return _no_server(inv)
    if (asked := _check_server(intent, opts, name, inv)) is not None:
        return asked
    if opts.get("server") is None:
        engine = opts.get("engine", "postgresql" if intent == "db_create" else None)
        fits = [s.name for s in sql if engine is None or s.engine == engine]
        if len(fits) == 1:
            opts["server"] = fits[0]
        else:
            kind = {"postgresql": "PostgreSQL ", "mariadb": "MariaDB "}.get(engine or "", "")
            pool = fits or [s.name for s in sql]
            why = (
                f"Which {kind}server should {name} be on:"
                if fits
                else f"No {kind}server is registered; which server should {name} be on:"
            )
            return _which_server(intent, opts, name, pool, why)
    opts["database"] = name
    return None


def _known(
    intent: str, opts: dict[str, Any], typed: str, inv: Inventory, *, need_backup: bool
) -> DbRef | Clarify | None:
    """The one known database the typed name means, a question, or None (not known)."""
    found = find_databases(typed, inv, opts.get("server"))
    if need_backup:
        found = [d for d in found if done_backups(d)]
    if not found:
        return None
    names = sorted({d.name for d in found})
    if len(names) > 1:
        retry = phrase(intent, opts, CHOICE, opts.get("server"))
        question = f"Which database do you mean: {_choices(names)}?"
        return Clarify(question=question, options=names, retry=retry)
    servers = sorted({d.server for d in found})
    if len(servers) > 1:
        why = f"{names[0]} is on several servers. Which one do you mean:"
        return _which_server(intent, opts, names[0], servers, why)
    return found[0]


def _restore(
    intent: str, opts: dict[str, Any], typed: str, inv: Inventory, now: datetime
) -> Clarify | None:
    if (asked := _check_server(intent, opts, _key(typed), inv)) is not None:
        return asked
    found = _known(intent, opts, typed, inv, need_backup=True)
    if isinstance(found, Clarify):
        return found
    if found is None:
        backed = sorted({d.name for d in inv.databases if done_backups(d)})
        head = f"I know of no backup of a database called {typed!r}."
        if not backed:
            return Clarify(question=head + ' Say "back up the NAME database" to take one.')
        retry = phrase(intent, opts, CHOICE, opts.get("server"))
        return Clarify(
            question=f"{head} There are backups of {_choices(backed)}.", options=backed, retry=retry
        )
    when = str(opts.get("when", "latest"))
    chosen = pick_backup(found, when, now)
    if chosen is None:
        newest = done_backups(found)[0]
        retry = phrase(intent, {"when": "latest"}, found.name, found.server)
        return Clarify(
            question=(
                f"There is no backup of {found.name} from {_WHEN_PHRASE[when]}; the newest is "
                f"from {when_text(_aware(newest.created_at).isoformat())} ({newest.id[:8]}). "
                "Should I restore that one?"
            ),
            options=[retry],
            retry=CHOICE,
        )
    opts.update(server=found.server, database=found.name, backup=chosen.id)
    return None


def settle(
    intent: str, opts: dict[str, Any], inv: Inventory, now: datetime | None = None
) -> Clarify | None:
    """Fill in server, database and backup in `opts`; or the question to ask first.

    A question's `retry` is this request alone, with `{choice}` where the answer goes.
    """
    now = now or datetime.now(UTC)
    typed = opts.pop("db", None)
    if intent in ("hosts_list", "db_list") or (intent == "db_backups" and typed is None):
        return _check_list(intent, opts, inv)
    if typed is None:  # "restore yesterday's" with no database named before it
        backed = sorted({d.name for d in inv.databases if done_backups(d)})
        if not backed:
            return Clarify(question="No backups have been taken yet, so there is none to restore.")
        retry = phrase(intent, opts, CHOICE, opts.get("server"))
        question = f"Which database should I restore: {_choices(backed)}?"
        return Clarify(question=question, options=backed, retry=retry)
    if intent == "db_create":
        return _new_name(intent, opts, typed, inv)
    if intent in ("db_restore", "db_verify"):
        if intent == "db_verify":
            opts["when"] = "latest"
        return _restore(intent, opts, typed, inv, now)
    found = _known(intent, opts, typed, inv, need_backup=False)
    if isinstance(found, Clarify):
        return found
    if found is None:
        return _new_name(intent, opts, typed, inv)
    opts.update(server=found.server, database=found.name)
    return None


def retried(asked: Clarify, texts: list[str], index: int) -> Clarify:
    """A question about one request of a message, its retry extended to the whole message."""
    if asked.retry is None:
        return asked
    texts = list(texts)
    texts[index] = asked.retry
    return asked.model_copy(update={"retry": " ; ".join(texts)})


def _check_list(intent: str, opts: dict[str, Any], inv: Inventory) -> Clarify | None:
    named = opts.get("server")
    if intent == "db_backups" and not any(done_backups(d) for d in inv.databases):
        return Clarify(question='No backups have been taken yet. Say "back up the NAME database".')
    if named is not None and named not in {s.name for s in inv.db_servers}:
        names = [s.name for s in inv.db_servers]
        if not names:
            return _no_server()
        why = f"There is no database server called {named}. Which one do you mean:"
        return Clarify(
            question=f"{why} {_choices(names)}?",
            options=names,
            retry=f"list databases on {CHOICE}",
        )
    return None
