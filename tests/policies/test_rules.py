"""Policy files: valid ones load, typos are refused naming the file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import BadInput
from policies.rules import DEFAULT_POLICY, load_policy_file, load_rules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_default_policy_is_valid() -> None:
    doc = load_policy_file(DEFAULT_POLICY)
    assert {r.id for r in doc.rules} >= {"allow-reads", "ask-destructive"}


def test_typo_in_field_names_file_rule_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
version: 1
rules:
  - id: ok-rule
    effect: allow
    tools: ["system.*"]
  - id: restart-plex
    effect: allow
    tols: ["docker.restart_container"]
""",
    )
    with pytest.raises(BadInput) as err:
        load_policy_file(path)
    message = err.value.message
    assert str(path) in message
    assert "rule #2 ('restart-plex')" in message
    assert "'tols'" in message and "unknown field" in message


def test_bad_effect_value_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: x\n    effect: alow\n")
    with pytest.raises(BadInput, match=r"rule #1 \('x'\), field 'effect'"):
        load_policy_file(path)


def test_bad_window_and_timezone(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
rules:
  - id: night
    effect: allow
    windows: [{start: "02:00", end: "05:00", tz: "Mars/Olympus"}]
""",
    )
    with pytest.raises(BadInput, match=r"windows\.0\.tz.*unknown time zone"):
        load_policy_file(path)


def test_duplicate_ids_and_broken_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - {id: a, effect: allow}\n  - {id: a, effect: deny}\n")
    with pytest.raises(BadInput, match=r"'a'.*used twice"):
        load_policy_file(path)
    path.write_text("rules: [unclosed")
    with pytest.raises(BadInput, match="not valid YAML"):
        load_policy_file(path)


def test_missing_file_is_clear(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot be read"):
        load_policy_file(tmp_path / "nope.yaml")


def test_user_rules_come_first_and_replace_same_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
rules:
  - id: allow-reads
    effect: allow
    tools: ["system.*"]
  - id: mine
    effect: deny
    tools: ["docker.prune"]
""",
    )
    rules = load_rules(path)
    assert [r.id for r in rules][:2] == ["allow-reads", "mine"]
    assert [r.id for r in rules].count("allow-reads") == 1
    assert rules[0].tools == ["system.*"]
