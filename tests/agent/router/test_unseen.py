"""The offline brain on requests it was not built from: the right tool and target for >= 95 %.

This set was written before the router was generalised for it and is kept as it was: everyday
phrasings (synonyms, paraphrase, several targets in one message) over containers, system
state, domains and certificates, against the homelab's containers. A case passes when every
expected (tool, target) is among the planned calls and no change is planned that was not asked.
"""

from __future__ import annotations

import pytest

from agent.router import Calls, route
from tests.agent.router.conftest import HOMELAB, REGISTRY

Want = tuple[frozenset[str], str | None]  # acceptable tools, the target they must name


def w(tools: str, target: str | None = None) -> Want:
    return frozenset(tools.split("|")), target


RESTART, START, STOP = "docker.restart_container", "docker.start_container", "docker.stop_container"
LOGS, STATS = "docker.container_logs", "docker.container_stats"
INSPECT = "docker.inspect_container"
STATE = f"{INSPECT}|{STATS}|{LOGS}"
DOMAIN = "domains.status|domains.health"
CERT = "ssl.check_certificate"

UNSEEN: list[tuple[str, list[Want]]] = [
    # containers: act on one
    ("could you bounce the plex container", [w(RESTART, "plex")]),
    ("kick n8n, it's stuck", [w(RESTART, "n8n")]),
    ("bring plex-db back up", [w(START, "plex-db")]),
    ("power down radarr", [w(STOP, "radarr")]),
    ("shut off grafana for now", [w(STOP, "grafana")]),
    ("fire up plex-db", [w(START, "plex-db")]),
    ("reboot the home assistant container", [w(RESTART, "home-assistant")]),
    ("cycle the postgres container", [w(RESTART, "postgres")]),
    ("halt nextcloud", [w(STOP, "nextcloud")]),
    ("start up plex-db again", [w(START, "plex-db")]),
    ("bounce nextcloud", [w(RESTART, "nextcloud")]),
    ("take plex offline", [w(STOP, "plex")]),
    # containers: several targets
    ("restart plex and n8n", [w(RESTART, "plex"), w(RESTART, "n8n")]),
    ("stop sonarr and radarr please", [w(STOP, "sonarr"), w(STOP, "radarr")]),
    ("show logs for plex and sonarr", [w(LOGS, "plex"), w(LOGS, "sonarr")]),
    ("stats for n8n and plex", [w(STATS, "n8n"), w(STATS, "plex")]),
    ("restart plex then show me its logs", [w(RESTART, "plex"), w(LOGS, "plex")]),
    # containers: look
    ("show me what nextcloud has been logging", [w(LOGS, "nextcloud")]),
    ("tail the caddy logs", [w(LOGS, "caddy")]),
    ("any errors in the n8n output?", [w(LOGS, "n8n")]),
    ("give me the last lines from postgres", [w(LOGS, "postgres")]),
    ("how much memory is plex eating", [w(STATS, "plex")]),
    ("what's grafana's cpu at", [w(STATS, "grafana")]),
    ("details on the nextcloud-db container", [w(INSPECT, "nextcloud-db")]),
    ("is sonarr up?", [w(STATE, "sonarr")]),
    ("why did plex-db stop", [w(f"{INSPECT}|{LOGS}", "plex-db")]),
    ("check the health of grafana", [w(STATE, "grafana")]),
    ("is n8n running and how much cpu is it using", [w(STATE, "n8n")]),
    ("what containers do I have", [w("docker.list_containers")]),
    ("which services are stopped", [w("docker.list_containers")]),
    ("list my docker images", [w("docker.list_images")]),
    ("show compose projects", [w("docker.list_compose_projects")]),
    ("clear out unused docker images", [w("docker.prune")]),
    # system state in everyday words
    ("how much space is left on the drive", [w("system.disks")]),
    ("am I running out of disk", [w("system.disks")]),
    ("is my storage full?", [w("system.disks")]),
    ("how full is the disk", [w("system.disks")]),
    ("what's eating my ram", [w("system.memory|system.top_processes")]),
    ("how much memory is free", [w("system.memory")]),
    ("is the box swapping", [w("system.memory")]),
    ("what's hogging the cpu", [w("system.top_processes")]),
    ("which processes use the most cpu", [w("system.top_processes")]),
    ("how long has the server been up", [w("system.overview")]),
    ("when was the last reboot", [w("system.overview")]),
    ("has the server rebooted recently", [w("system.overview")]),
    ("what's the load average", [w("system.overview")]),
    ("how many cpu cores are busy", [w("system.overview|system.top_processes")]),
    ("show network traffic", [w("system.network")]),
    ("how much bandwidth am I using", [w("system.network")]),
    ("what ip addresses does the server have", [w("system.network")]),
    ("is the network ok", [w("system.network")]),
    ("network usage of the server", [w("system.network")]),
    ("what's using docker disk space", [w("docker.disk_usage")]),
    ("how big are my docker volumes", [w("docker.disk_usage")]),
    ("give me a health report of the machine", [w("system.overview")]),
    ("how's the disk and memory", [w("system.disks"), w("system.memory")]),
    ("stop grafana and check the disk", [w(STOP, "grafana"), w("system.disks")]),
    # domains
    ("list my domains", [w("domains.list")]),
    ("which sites do I host", [w("domains.list")]),
    ("show the status of all my domains", [w("domains.list|domains.health")]),
    ("is plex.evindrake.net up", [w(DOMAIN, "plex.evindrake.net")]),
    ("check n8n.evindrake.net", [w(DOMAIN, "n8n.evindrake.net")]),
    ("is the site scarletredjoker.com reachable", [w(DOMAIN, "scarletredjoker.com")]),
    ("why is home.evindrake.net not loading", [w(DOMAIN, "home.evindrake.net")]),
    ("remove vnc.evindrake.net", [w("domains.deprovision", "vnc.evindrake.net")]),
    ("take down the stream.rig-city.com site", [w("domains.deprovision", "stream.rig-city.com")]),
    ("publish n8n at flows.evindrake.net", [w("domains.provision", "flows.evindrake.net")]),
    (
        "set up grafana.evindrake.net for grafana:3000",
        [w("domains.provision", "grafana.evindrake.net")],
    ),
    (
        "check plex.evindrake.net and n8n.evindrake.net",
        [w(DOMAIN, "plex.evindrake.net"), w(DOMAIN, "n8n.evindrake.net")],
    ),
    # certificates
    ("when does the cert for plex.evindrake.net expire", [w(CERT, "plex.evindrake.net")]),
    ("is the https certificate on n8n.evindrake.net valid", [w(CERT, "n8n.evindrake.net")]),
    ("check tls for scarletredjoker.com", [w(CERT, "scarletredjoker.com")]),
    ("is the ssl on bot.rig-city.com ok", [w(CERT, "bot.rig-city.com")]),
    (
        "check certs for plex.evindrake.net and home.evindrake.net",
        [w(CERT, "plex.evindrake.net"), w(CERT, "home.evindrake.net")],
    ),
    (
        "renew the certificate for home.evindrake.net",
        [w("domains.renew_ssl", "home.evindrake.net")],
    ),
    ("refresh the ssl cert on vnc.evindrake.net", [w("domains.renew_ssl", "vnc.evindrake.net")]),
    (
        "get a new certificate for stream.rig-city.com",
        [w("domains.renew_ssl", "stream.rig-city.com")],
    ),
    ("are any of my certificates about to expire", [w("domains.list|domains.health")]),
]
TARGET_KEYS = ("name", "fqdn", "host", "server_name")


def graded(text: str, wants: list[Want]) -> str | None:
    """None when the route is right; otherwise what went wrong."""
    routed = route(text, HOMELAB)
    if not isinstance(routed, Calls):
        return f"{routed.kind}"
    got = [
        (c.tool, next((c.args[k] for k in TARGET_KEYS if k in c.args), None)) for c in routed.calls
    ]
    for tools, target in wants:
        if not any(tool in tools and (target is None or t == target) for tool, t in got):
            return f"missing {sorted(tools)} {target or ''}; got {got}"
    asked = set().union(*(tools for tools, _ in wants))
    for tool, _ in got:
        if REGISTRY.get(tool).risk != "read" and tool not in asked:
            return f"unasked change {tool}; got {got}"
    return None


def test_unseen_requests_reach_95_percent() -> None:
    misses = {text: why for text, wants in UNSEEN if (why := graded(text, wants)) is not None}
    score = 1 - len(misses) / len(UNSEEN)
    report = "\n".join(f"  {text!r}: {why}" for text, why in misses.items())
    print(f"unseen: {len(UNSEEN) - len(misses)}/{len(UNSEEN)} = {score:.1%}\n{report}")
    assert score >= 0.95, f"{len(misses)} of {len(UNSEEN)} missed:\n{report}"


@pytest.mark.parametrize(("text", "wants"), UNSEEN)
def test_no_unseen_request_plans_an_unasked_change(text: str, wants: list[Want]) -> None:
    why = graded(text, wants)
    assert why is None or not why.startswith("unasked change"), why
