"""Redaction: secrets become stable placeholders, and placeholders resolve back."""

from __future__ import annotations

from core.redaction import Redactor, find_placeholders, placeholder_for, substitute


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


def test_redaction_round_trips_and_never_nests() -> None:
    samples = [
        "url: postgres://app:hunter2@db/app",
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
        'POSTGRES_PASSWORD: "hunter2"',
        "password: 'swordfish99'",
        '{"api_key": "k-1234567890"}',
        "DB_PASS=letmein42 next",
        "token sk-abcdefghijklmnopqrstuvwxyz",
    ]
    for text in samples:
        found: dict[str, str] = {}
        out = Redactor(b"s", sink=found.__setitem__).text(text)
        assert found, text
        assert "[[secret:[[" not in out and out.count("[[secret:") == len(set(found)), out
        for secret in found.values():
            assert secret not in out and "]]" not in secret, (text, secret)
        assert substitute(out, found) == text
        assert Redactor(b"s").text(out) == out


def test_logs_get_an_opaque_marker_not_a_guessable_hash() -> None:
    from core.redaction import redact_text

    assert redact_text("PASSWORD=hunter2") == "PASSWORD=[[redacted]]"


def test_unsubstitute_is_one_pass_and_catches_escaped_forms() -> None:
    from core.redaction import unsubstitute

    long_ph, short_ph = placeholder_for("hunter2-long"), placeholder_for("a")
    mapping = {long_ph: "hunter2-long", short_ph: "a"}
    out = unsubstitute("pw: hunter2-long", mapping)
    assert out == f"pw: {long_ph}"  # the short secret is not replaced inside the placeholder
    tricky = {placeholder_for("b\\s'q\"x"): "b\\s'q\"x"}
    message = f"{'/etc/' + chr(98) + chr(92) + 's' + chr(39) + 'q' + chr(34) + 'x'!r} not allowed"
    assert "b\\\\s" in message
    assert "q" not in unsubstitute(message, tricky).replace("not allowed", "")
