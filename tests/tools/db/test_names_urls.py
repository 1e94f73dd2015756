"""Server URLs and names: parsed strictly, with errors that never repeat a password."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from tools.db.names import check_ident, check_user_database, mysql_quote
from tools.db.urls import parse_server_url


def test_urls_of_each_engine() -> None:
    pg = parse_server_url("postgresql://admin:p%40ss@db.lan:5433/main")
    assert (pg.engine, pg.host, pg.port, pg.user, pg.password) == (
        "postgresql", "db.lan", 5433, "admin", "p@ss",
    )  # fmt: skip
    assert pg.options == {"maintenance_db": "main"}
    assert "p@ss" not in repr(pg)
    maria = parse_server_url("mysql://root@127.0.0.1")
    assert (maria.engine, maria.port, maria.password) == ("mariadb", 3306, None)
    assert parse_server_url("redis://:pw@127.0.0.1/2").options == {"db": 2}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://u:secretpw@h/x", "unknown URL scheme"),
        ("postgresql://u:secretpw@/x", "no host"),
        ("postgresql://u:secretpw@h:99999/x", "not valid"),
        ("postgresql://u:secretpw@h/x?sslmode=disable", "options"),
        ("postgresql://u:secretpw@h/bad;name", "plain name"),
        ("redis://u:secretpw@h/zero", "database number"),
    ],
)
def test_bad_urls_are_bad_input_without_the_password(url: str, says: str) -> None:
    with pytest.raises(BadInput, match=says) as err:
        parse_server_url(url)
    assert "secretpw" not in err.value.message


@pytest.mark.parametrize("name", ["Upper", "1abc", "a-b", "a b", "a`b", 'a"b', "a" * 64, ""])
def test_identifiers_are_plain(name: str) -> None:
    with pytest.raises(BadInput):
        check_ident(name)


def test_engine_and_scratch_databases_are_not_touched() -> None:
    for name in ("postgres", "template0", "mysql", "sys", "jarvis_verify_0f3c2a1b"):
        with pytest.raises(BadInput, match="system or scratch"):
            check_user_database(name)
    assert check_user_database("nextcloud") == "nextcloud"
    assert mysql_quote("n8n_data") == "`n8n_data`"
