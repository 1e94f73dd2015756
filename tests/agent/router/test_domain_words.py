"""The shape of a domain in a message, and ports kept with their host through normalising."""

from __future__ import annotations

from agent.router import ContainerInfo, Inventory
from agent.router.domain_words import is_domain, protect_ports
from tests.agent.router.conftest import HOMELAB

LAB = Inventory(containers=[*HOMELAB.containers, ContainerInfo(name="plex.db", state="exited")])


def test_domain_shape() -> None:
    assert is_domain("plex.evindrake.net", LAB)
    assert is_domain("stream.rig-city.com", LAB)
    assert is_domain("xn--bcher-kva.example", LAB)
    assert not is_domain("plex.db", LAB)  # a container
    assert not is_domain("docker-compose.yaml", LAB)  # a file
    assert not is_domain("192.168.1.1", LAB)
    assert not is_domain("plex", LAB)
    assert not is_domain("app.v2", LAB)


def test_ports_survive_normalising_but_times_do_not_change() -> None:
    assert protect_ports("to n8n:5678") == "to n8n/5678"
    assert protect_ports("to 10.0.0.2:80") == "to 10.0.0.2/80"
    assert protect_ports("logs since 10:30") == "logs since 10:30"
    assert protect_ports("Alert: container plex exited") == "Alert: container plex exited"
    assert protect_ports("see https://a.example.com/ now") == "see a.example.com now"
