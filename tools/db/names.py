"""Names of servers, databases and users: strict patterns checked before anything runs."""

from __future__ import annotations

import re

from core.errors import BadInput

# Database and user names: lower case, as both engines fold or keep them the same way, so a
# name means one thing everywhere. Quoted with the driver's identifier quoting as well.
IDENT_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"
SERVER_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
IDENT_RE = re.compile(IDENT_PATTERN)
SERVER_RE = re.compile(SERVER_PATTERN)
# The engines' own databases, and the scratch databases verification makes.
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


def check_ident(value: str, what: str = "name") -> str:
    """`value` if it is a plain identifier, else BadInput saying what a name may hold."""
    if not IDENT_RE.fullmatch(value):
        raise BadInput(
            f"{what} {value!r} is not allowed: use lower-case letters, digits and _ "
            "(starting with a letter or _, at most 63)"
        )
    return value


def check_user_database(value: str) -> str:
    """A name Jarvis may create, drop or restore into: not an engine's own database."""
    check_ident(value, "database name")
    if value in SYSTEM_DATABASES or value.startswith(SCRATCH_PREFIX):
        raise BadInput(f"{value!r} is a system or scratch database; Jarvis does not change it")
    return value


def mysql_quote(ident: str) -> str:
    """A MariaDB/MySQL identifier in backticks (the name was checked; backticks doubled)."""
    return "`" + check_ident(ident).replace("`", "``") + "`"
