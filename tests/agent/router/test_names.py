"""Resolving typed container names against the live inventory."""

from __future__ import annotations

import pytest

from agent.router import Clarify, Inventory, answer
from agent.router.names import is_quantifier, resolve, suggestions
from tests.agent.router.conftest import HOMELAB

POSTGRES = Inventory(containers=["postgres-a1-1", "postgres-a1-2", "web-a1"])
GRAFANA = Inventory(containers=["grafana-9f3c1e", "prometheus-9f3c1e"])


@pytest.mark.parametrize(
    ("typed", "inventory", "name"),
    [
        ("plex", HOMELAB, "plex"),
        ("PLEX", HOMELAB, "plex"),
        ("sonar", HOMELAB, "sonarr"),
        ("radar", HOMELAB, "radarr"),
        ("postgress", HOMELAB, "postgres"),
        ("home assistant", HOMELAB, "home-assistant"),
        ("homeassistant", HOMELAB, "home-assistant"),
        ("home_assistant", HOMELAB, "home-assistant"),
        ("grafnaa-9f3c1e", GRAFANA, "grafana-9f3c1e"),
        ("plx", Inventory(containers=["plex", "n8n"]), "plex"),
        ("pelx", Inventory(containers=["plex", "n8n"]), "plex"),
    ],
)
def test_resolves_to_one_container(typed: str, inventory: Inventory, name: str) -> None:
    assert resolve(typed, inventory).name == name


@pytest.mark.parametrize(
    ("typed", "inventory", "candidates"),
    [
        ("plx", HOMELAB, ["plex", "plex-db"]),
        ("db", HOMELAB, ["nextcloud-db", "plex-db"]),
        ("postgres-a1", POSTGRES, ["postgres-a1-1", "postgres-a1-2"]),
        ("assistant", HOMELAB, ["home-assistant"]),
    ],
)
def test_close_calls_are_candidates_not_matches(
    typed: str, inventory: Inventory, candidates: list[str]
) -> None:
    found = resolve(typed, inventory)
    assert found.name is None
    assert found.ambiguous
    assert found.candidates == candidates


def test_a_part_of_a_name_alone_is_never_a_match() -> None:
    found = resolve("plex", Inventory(containers=["plex-db", "n8n"]))
    assert found.name is None
    assert found.candidates == ["plex-db"]


@pytest.mark.parametrize("typed", ["jellyfin", "n8", "x", "the server"])
def test_unknown_names_resolve_to_nothing(typed: str) -> None:
    found = resolve(typed, HOMELAB)
    assert found.name is None
    assert not found.ambiguous


def test_suggestions_are_real_names() -> None:
    assert suggestions("nextclud", HOMELAB)[0] == "nextcloud"
    assert all(s in HOMELAB.names() for s in suggestions("plexx", HOMELAB))


@pytest.mark.parametrize(
    ("typed", "many"),
    [("all", True), ("everything", True), ("all stopped", True), ("plex", False), ("it", False)],
)
def test_quantifiers(typed: str, many: bool) -> None:
    assert is_quantifier(typed) is many


CLARIFY = Clarify(question="Which one?", options=["plex", "plex-db"], retry="restart {choice}")


@pytest.mark.parametrize(
    ("reply", "resumed"),
    [
        ("plex-db", "restart plex-db"),
        ("plex", "restart plex"),
        ("the first one", "restart plex"),
        ("second", "restart plex-db"),
        ("2", "restart plex-db"),
        ("plex-db please", "restart plex-db"),
        ("I meant plex-db", "restart plex-db"),
        ("n8n", "restart n8n"),
        ("yes", None),
        ("never mind", None),
        ("show me the disks", None),
    ],
)
def test_answers_to_a_question_resume_the_request(reply: str, resumed: str | None) -> None:
    assert answer(reply, CLARIFY, HOMELAB) == resumed


def test_yes_answers_a_single_suggestion() -> None:
    single = Clarify(question="Did you mean plex-db?", options=["plex-db"], retry="stop {choice}")
    assert answer("yes", single, HOMELAB) == "stop plex-db"


def test_a_question_without_retry_is_not_resumed() -> None:
    assert answer("plex", Clarify(question="?", options=["plex"]), HOMELAB) is None
