"""Reading Sunshine's replies (Boost writes every value as a string) and checking a PIN."""

from __future__ import annotations

import pytest

from tools.sunshine import parse


def test_apps_clients_and_pin_replies() -> None:
    apps = parse.apps(
        {"env": {}, "apps": [{"name": "Desktop"}, {"name": "Steam", "detached": ["steam"],
                                                   "prep-cmd": [{"do": "x"}]}]}
    )  # fmt: skip
    assert [(a.index, a.name, a.detached, a.has_prep) for a in apps] == [
        (0, "Desktop", False, False),
        (1, "Steam", True, True),
    ]
    assert parse.apps({"apps": ""}) == []
    clients = parse.clients(
        {"status": "true", "named_certs": [{"name": "Deck", "uuid": "U1", "cert": "..."}]}
    )
    assert [(c.name, c.uuid) for c in clients] == [("Deck", "U1")]
    assert parse.clients({"status": True, "named_certs": ""}) == []
    assert parse.pin_accepted({"status": "true"}) and not parse.pin_accepted({"status": "false"})


@pytest.mark.parametrize(
    "body", [[], {"apps": {"name": "x"}}, "text", {"status": "false", "named_certs": []}]
)
def test_replies_that_are_not_sunshine_are_refused(body: object) -> None:
    with pytest.raises(ValueError):
        parse.apps(body) if "apps" in str(body) else parse.clients(body)


@pytest.mark.parametrize("pin", ["1234", "0000"])
def test_a_pin_is_four_digits(pin: str) -> None:
    assert parse.check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", " 1234", "١٢٣٤"])
def test_anything_else_is_not_a_pin(pin: str) -> None:
    with pytest.raises(ValueError, match="4 digits"):
        parse.check_pin(pin)
