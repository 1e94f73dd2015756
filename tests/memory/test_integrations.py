"""The integrations registry on SQLite and PostgreSQL: credentials only in the vault."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import BadInput, Conflict, NotFound
from core.settings import Settings
from memory import integrations
from memory.db import Database
from memory.estate_models import Integration
from memory.models import VaultSecret
from memory.vault import Vault, load_key
from tests.conftest import TEST_SALT

TOKEN = "ha-token-8c1f0e5a9b7d4f21"


@pytest.fixture
def vault(settings: Settings) -> Vault:
    return Vault(load_key(settings))


async def test_add_keeps_the_token_in_the_vault_only(database: Database, vault: Vault) -> None:
    view, replaced = await integrations.save(
        database, vault, TEST_SALT, kind="homeassistant", url="http://h", secrets={"token": TOKEN}
    )
    assert (view.name, view.kind, view.credentials, replaced) == (
        "homeassistant",
        "homeassistant",
        ["token"],
        False,
    )
    assert TOKEN not in view.model_dump_json()
    async with database.session() as session:
        row = await session.get(Integration, "homeassistant")
        assert row is not None and TOKEN not in str(row.secret_refs)
        stored = list((await session.execute(select(VaultSecret.ciphertext))).scalars())
    assert stored and all(TOKEN not in c for c in stored)
    assert await integrations.reveal_secrets(database, vault, "homeassistant") == {"token": TOKEN}


async def test_adding_a_kind_again_replaces_it(database: Database, vault: Vault) -> None:
    await integrations.save(
        database, vault, TEST_SALT, kind="homeassistant", url="http://a", secrets={"token": "t1"}
    )
    await integrations.record_test(database, "homeassistant", "ok")
    view, replaced = await integrations.save(
        database, vault, TEST_SALT, kind="homeassistant", url="http://b", secrets={"token": "t2"}
    )
    assert replaced and view.url == "http://b" and view.test_result is None
    assert [v.name for v in await integrations.list_all(database)] == ["homeassistant"]
    assert await integrations.reveal_secrets(database, vault, "homeassistant") == {"token": "t2"}


async def test_names_kinds_and_lookups(database: Database, vault: Vault) -> None:
    for name in ("upstairs", "cabin"):
        await integrations.save(
            database, vault, TEST_SALT, kind="homeassistant", url="http://h", secrets={}, name=name
        )
    with pytest.raises(BadInput, match="several homeassistant"):
        await integrations.get(database, "homeassistant")
    assert (await integrations.get(database, "cabin")).name == "cabin"
    with pytest.raises(NotFound, match="did you mean cabin"):
        await integrations.get(database, "cabn")
    with pytest.raises(Conflict, match="is a homeassistant"):
        await integrations.save(
            database, vault, TEST_SALT, kind="plex", url="http://p", secrets={}, name="cabin"
        )
    with pytest.raises(BadInput, match="not allowed"):
        await integrations.save(
            database, vault, TEST_SALT, kind="plex", url="http://p", secrets={}, name="Bad Name"
        )
    assert (await integrations.remove(database, "cabin")).name == "cabin"
    assert [v.name for v in await integrations.list_all(database)] == ["upstairs"]
    # The only one of its kind is found by the kind.
    assert (await integrations.get(database, "homeassistant")).name == "upstairs"
    tested = await integrations.record_test(database, "upstairs", "the token was refused")
    assert tested.tested_at is not None and not tested.ok
    with pytest.raises(NotFound):
        await integrations.remove(database, "cabin")
