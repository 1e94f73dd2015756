"""The homelab's words: container names and their parts, then zones, as prompt and hotwords."""

from __future__ import annotations

from agent.router.types import Inventory
from agent.voice.vocabulary import COMMAND_WORDS, MAX_WORDS, vocabulary


def test_names_their_spoken_parts_and_zones() -> None:
    inventory = Inventory(
        containers=["plex", "immich-server-1", "immich_redis", "3f2a9b7c1d0e4f5a", "n8n"]
    )
    words = vocabulary(inventory, ["home.example.net."]).words
    assert words == [
        "plex",
        "immich-server-1",
        "immich",
        "server",
        "immich_redis",
        "redis",
        "3f2a9b7c1d0e4f5a",
        "n8n",
        "home.example.net",
    ]


def test_prompt_leads_with_the_command_verbs_and_hotwords_are_the_words() -> None:
    words = vocabulary(Inventory(containers=["plex", "n8n"]))
    assert words.prompt() == COMMAND_WORDS + "plex, n8n."
    assert words.hotwords() == "plex n8n"


def test_an_empty_homelab_biases_nothing_and_a_large_one_is_capped() -> None:
    empty = vocabulary(Inventory(containers=[]))
    assert empty.prompt() is None and empty.hotwords() is None
    many = vocabulary(Inventory(containers=[f"svc{i}" for i in range(200)]))
    assert len(many.words) == MAX_WORDS
