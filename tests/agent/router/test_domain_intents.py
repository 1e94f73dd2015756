"""Phrasings about domains and certificates, routed onto calls, questions or help."""

from __future__ import annotations

from typing import Any

import pytest

from agent.router import Calls, Clarify, ContainerInfo, Inventory, NoMatch, PlannedCall, answer
from agent.router import route as route_text
from tests.agent.router.conftest import HOMELAB, REGISTRY, pairs

PORTS = {"plex": [32400], "n8n": [5678], "grafana": [3000], "home-assistant": [8123]}
PORTS |= {"sonarr": [8989], "nextcloud": [80, 443]}
LAB = Inventory(
    containers=[
        *(c.model_copy(update={"ports": PORTS.get(c.name, [])}) for c in HOMELAB.containers),
        ContainerInfo(name="stream-bot", state="running", ports=[3000]),
        ContainerInfo(name="discord-bot", state="running"),
        ContainerInfo(name="plex.db", state="exited"),
    ]
)
Expected = list[tuple[str, dict[str, Any]]]


def route(text: str, inventory: Inventory = LAB) -> Calls | Clarify | NoMatch:
    return route_text(text, inventory)


def validate(calls: list[PlannedCall]) -> None:
    """Every call names a registered tool and its arguments pass that tool's args model."""
    for call in calls:
        REGISTRY.get(call.tool).args_model.model_validate(call.args)


def one(tool: str, **args: Any) -> Expected:
    return [(tool, args)]


def provision(fqdn: str, target: str | None = None) -> Expected:
    args = {"fqdn": fqdn} if target is None else {"fqdn": fqdn, "target": target}
    return [("domains.provision", args)]


LIST = one("domains.list")
PLEX = "plex.evindrake.net"
N8N = "n8n.evindrake.net"
STREAM = "stream.rig-city.com"


def why(fqdn: str) -> Expected:
    return [("domains.health", {"fqdn": fqdn}), ("domains.status", {"fqdn": fqdn})]


CALLS: list[tuple[str, Expected]] = [
    # provisioning, the target resolved against the containers
    (
        "add stream.rig-city.com pointing to the stream bot",
        provision(STREAM, "stream-bot:3000"),
    ),
    ("provision app.example.com to n8n:5678", provision("app.example.com", "n8n:5678")),
    ("set up plex.evindrake.net for plex", provision(PLEX, "plex:32400")),
    ("Set up plex.evindrake.net for Plex, please.", provision(PLEX, "plex:32400")),
    ("point grafana.evindrake.net at grafana", provision("grafana.evindrake.net", "grafana:3000")),
    (
        "expose home assistant at ha.evindrake.net",
        provision("ha.evindrake.net", "home-assistant:8123"),
    ),
    ("publish n8n on n8n.evindrake.net", provision(N8N, "n8n:5678")),
    (
        "could you add ha.evindrake.net pointing to 192.168.1.20:8123",
        provision("ha.evindrake.net", "192.168.1.20:8123"),
    ),
    ("route app.example.com to localhost:3000", provision("app.example.com", "localhost:3000")),
    ("set up tv.evindrake.net for sonar", provision("tv.evindrake.net", "sonarr:8989")),
    ("add stream.rig-city.com for stream-bot port 8080", provision(STREAM, "stream-bot:8080")),
    (
        "create a subdomain for sonarr at tv.evindrake.net",
        provision("tv.evindrake.net", "sonarr:8989"),
    ),
    ("provision plex.evindrake.net", provision(PLEX)),
    ("retry the provisioning of plex.evindrake.net", provision(PLEX)),
    (
        "register app.example.com for n8n:5678 without provisioning",
        one("domains.add", fqdn="app.example.com", target="n8n:5678"),
    ),
    # every certificate
    ("is my ssl ok", LIST),
    ("Is my SSL OK?", LIST),
    ("check my certificates", LIST),
    ("when do my certs expire", LIST),
    ("are any certs expiring soon?", LIST),
    ("ssl status", LIST),
    ("show me all my ssl certificates", LIST),
    ("are my certificates valid", LIST),
    # one certificate
    ("check the cert for plex.evindrake.net", one("ssl.check_certificate", host=PLEX)),
    (
        "check the ssl certificate of https://plex.evindrake.net/",
        one("ssl.check_certificate", host=PLEX),
    ),
    ("when does the cert for n8n.evindrake.net expire", one("ssl.check_certificate", host=N8N)),
    ("is the cert for plex.evindrake.net valid?", one("ssl.check_certificate", host=PLEX)),
    ("plex.evindrake.net cert", one("ssl.check_certificate", host=PLEX)),
    (
        "check the cert for plex.evindrake.net:8443",
        one("ssl.check_certificate", host=PLEX, port=8443),
    ),
    # renewal
    ("renew the cert for plex.evindrake.net", one("domains.renew_ssl", fqdn=PLEX)),
    ("renew ssl for n8n.evindrake.net", one("domains.renew_ssl", fqdn=N8N)),
    ("please renew plex.evindrake.net's certificate", one("domains.renew_ssl", fqdn=PLEX)),
    (
        "renew the certs for a.example.com and b.example.com",
        [
            ("domains.renew_ssl", {"fqdn": "a.example.com"}),
            ("domains.renew_ssl", {"fqdn": "b.example.com"}),
        ],
    ),
    # health
    ("why is n8n.evindrake.net down", why(N8N)),
    ("why is n8n.evindrake.net down?", why(N8N)),
    ("what's wrong with plex.evindrake.net", why(PLEX)),
    ("plex.evindrake.net is not loading", why(PLEX)),
    ("is n8n.evindrake.net up", one("domains.health", fqdn=N8N)),
    ("Is n8n.evindrake.net up?", one("domains.health", fqdn=N8N)),
    ("check n8n.evindrake.net", one("domains.health", fqdn=N8N)),
    ("health of plex.evindrake.net", one("domains.health", fqdn=PLEX)),
    ("are my domains up", one("domains.health")),
    ("is any site down", one("domains.health")),
    # the list
    ("list my domains", LIST),
    ("show domains", LIST),
    ("what domains do I have", LIST),
    ("how many domains are there", LIST),
    # removal
    ("remove plex.evindrake.net", one("domains.deprovision", fqdn=PLEX)),
    ("deprovision plex.evindrake.net", one("domains.deprovision", fqdn=PLEX)),
    ("delete the domain plex.evindrake.net", one("domains.deprovision", fqdn=PLEX)),
    ("take down n8n.evindrake.net", one("domains.deprovision", fqdn=N8N)),
    # progress
    ("how is the provisioning of stream.rig-city.com going", one("domains.status", fqdn=STREAM)),
    ("status of stream.rig-city.com", one("domains.status", fqdn=STREAM)),
    ("is stream.rig-city.com provisioned yet?", one("domains.status", fqdn=STREAM)),
    ("stream.rig-city.com progress", one("domains.status", fqdn=STREAM)),
    # mixed with container requests
    (
        "restart plex and check the cert for plex.evindrake.net",
        [("docker.restart_container", {"name": "plex"}), ("ssl.check_certificate", {"host": PLEX})],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CALLS, ids=[t for t, _ in CALLS])
def test_domain_phrasing_becomes_calls(text: str, expected: Expected) -> None:
    routed = route(text)
    assert isinstance(routed, Calls), routed
    assert pairs(routed.calls) == expected
    validate(routed.calls)


def test_there_are_plenty_of_domain_phrasings() -> None:
    assert len(CALLS) >= 30


CONTAINERS_STAY_CONTAINERS: list[tuple[str, Expected]] = [
    ("restart plex", one("docker.restart_container", name="plex")),
    ("is plex running", one("docker.inspect_container", name="plex")),
    ("remove plex-db", one("docker.remove_container", name="plex-db")),
    # A container whose name has the shape of a domain is still that container.
    ("is plex.db running", one("docker.inspect_container", name="plex.db")),
    ("remove plex.db", one("docker.remove_container", name="plex.db")),
    ("restart the stream bot", one("docker.restart_container", name="stream-bot")),
]


@pytest.mark.parametrize(
    ("text", "expected"), CONTAINERS_STAY_CONTAINERS, ids=[t for t, _ in CONTAINERS_STAY_CONTAINERS]
)
def test_container_requests_are_not_taken_for_domains(text: str, expected: Expected) -> None:
    routed = route(text)
    assert isinstance(routed, Calls), routed
    assert pairs(routed.calls) == expected


def test_an_ambiguous_target_is_asked_about_and_the_answer_resumes() -> None:
    routed = route("add chat.example.com pointing to the bot")
    assert isinstance(routed, Clarify), routed
    assert routed.options == ["discord-bot", "stream-bot"]
    assert routed.retry is not None
    again = answer("the stream bot", routed, LAB)
    assert again is not None
    resumed = route(again)
    assert isinstance(resumed, Calls)
    assert pairs(resumed.calls) == provision("chat.example.com", "stream-bot:3000")


def test_an_unknown_target_is_asked_about() -> None:
    routed = route("add bots.example.com pointing to jellyfin")
    assert isinstance(routed, Clarify)
    assert "no container called" in routed.question and "jellyfin" in routed.question


def test_an_unknown_container_with_a_port_is_passed_as_typed() -> None:
    routed = route("provision app.example.com to nas:8080")
    assert isinstance(routed, Calls)
    assert pairs(routed.calls) == provision("app.example.com", "nas:8080")


def test_a_target_without_a_known_port_is_asked_about() -> None:
    routed = route("set up radarr.evindrake.net for radarr")
    assert isinstance(routed, Clarify)
    assert "Which port of radarr" in routed.question
    blind = route("set up plex.evindrake.net for plex", Inventory(containers=[], complete=False))
    assert isinstance(blind, Clarify) and "Which port of plex" in blind.question
    typed = route(
        "set up plex.evindrake.net for plex:8080", Inventory(containers=[], complete=False)
    )
    assert isinstance(typed, Calls)
    assert pairs(typed.calls) == provision(PLEX, "plex:8080")


def test_a_domain_without_a_target_asks_where_it_should_point() -> None:
    routed = route("add x.example.com")
    assert isinstance(routed, Clarify)
    assert "Where should x.example.com point" in routed.question
    assert "plex" in routed.options and "plex-db" not in routed.options
    again = answer("n8n", routed, LAB)
    assert again is not None
    resumed = route(again)
    assert isinstance(resumed, Calls)
    assert pairs(resumed.calls) == provision("x.example.com", "n8n:5678")


@pytest.mark.parametrize(
    "text",
    [
        "I love plex.evindrake.net",
        "plex.evindrake.net is great",
        "how do I renew a certificate",
        "what is ssl",
        "check config.yaml",
        "don't remove plex.evindrake.net",
    ],
)
def test_mentions_make_no_domain_call(text: str) -> None:
    routed = route(text)
    assert isinstance(routed, NoMatch | Clarify), routed


def test_every_routed_domain_call_validates() -> None:
    for text, _ in CALLS:
        routed = route(text)
        assert isinstance(routed, Calls)
        validate(routed.calls)
