"""Redaction: secrets become stable placeholders, and placeholders resolve back."""

from __future__ import annotations

from policies.redaction import Redactor, find_placeholders, placeholder_for, substitute


def test_known_secret_shapes_are_replaced_and_recorded() -> None:
    found: dict[str, str] = {}
    r = Redactor(b"salt", sink=found.__setitem__)
    text = (
        "db postgresql://app:pg-pass-123456@db/app "
        "auth Authorization: Bearer abcdefghijklmnopqrstuvwxyz "
        "key -----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY----- "
        "gh ghp_abcdefghijklmnopqrstuvwxyz012345 MYSQL_ROOT_PASSWORD=rootpw99 "
        "plain words stay"
    )
    out = r.text(text)
    for secret in ("pg-pass-123456", "abcdefghijklmnopqrstuvwxyz", "AAAA", "ghp_", "rootpw99"):
        assert secret not in out
    assert "postgresql://app:[[secret:" in out and "plain words stay" in out
    assert set(found.values()) >= {"pg-pass-123456", "rootpw99"}


def test_keys_that_name_secrets_hide_whole_values() -> None:
    r = Redactor(b"salt")
    out = r.value({"password": "x1", "db": {"api_key": "k2"}, "name": "plex", "port": 32400})
    assert out["password"].startswith("[[secret:") and out["db"]["api_key"].startswith("[[secret:")
    assert out["name"] == "plex" and out["port"] == 32400


def test_placeholders_are_stable_salted_and_reversible() -> None:
    assert placeholder_for("v", b"a") == placeholder_for("v", b"a") != placeholder_for("v", b"b")
    found: dict[str, str] = {}
    redacted = Redactor(b"a", sink=found.__setitem__).value({"token": "tok-1234567890"})
    assert find_placeholders(redacted) == set(found)
    assert substitute(redacted, found) == {"token": "tok-1234567890"}
    # Already-redacted values are not redacted again.
    assert Redactor(b"a").value(redacted) == redacted
