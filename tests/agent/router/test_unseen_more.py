"""A second held-out set for the offline router: 20 more everyday requests, graded the same way.

Written before the router's concept layer existed and kept as it was, so its score measures
how well the grammar generalises beyond the phrasings it was tuned on.
"""

from __future__ import annotations

import pytest

from tests.agent.router.test_unseen import (
    CERT,
    LOGS,
    RESTART,
    START,
    STATS,
    STOP,
    Want,
    graded,
    w,
)

MORE: list[tuple[str, list[Want]]] = [
    # containers: act on one
    ("please restart sonarr for me", [w(RESTART, "sonarr")]),
    ("turn grafana off", [w(STOP, "grafana")]),
    ("switch off nextcloud for a bit", [w(STOP, "nextcloud")]),
    ("get caddy going again", [w(START, "caddy")]),
    # containers: look
    ("show the most recent postgres log lines", [w(LOGS, "postgres")]),
    ("what has sonarr been printing", [w(LOGS, "sonarr")]),
    ("how much ram is nextcloud using right now", [w(STATS, "nextcloud")]),
    ("grafana memory usage", [w(STATS, "grafana")]),
    # system state
    ("how much free space do I have", [w("system.disks")]),
    ("is the hard disk almost full", [w("system.disks")]),
    ("check swap usage", [w("system.memory")]),
    ("is anything hogging memory", [w("system.memory|system.top_processes")]),
    ("what's the server's uptime", [w("system.overview")]),
    ("how busy is the cpu right now", [w("system.overview|system.top_processes")]),
    ("how long since the box was last restarted", [w("system.overview")]),
    ("how much room are docker images and volumes taking", [w("docker.disk_usage")]),
    # domains and certificates
    ("what domains are set up", [w("domains.list")]),
    ("is the certificate for home.evindrake.net still good", [w(CERT, "home.evindrake.net")]),
    # several requests in one message
    (
        "restart radarr and sonarr, then show sonarr's logs",
        [w(RESTART, "radarr"), w(RESTART, "sonarr"), w(LOGS, "sonarr")],
    ),
    ("shut down plex and check memory", [w(STOP, "plex"), w("system.memory")]),
]


def test_more_unseen_requests_reach_95_percent() -> None:
    misses = {text: why for text, wants in MORE if (why := graded(text, wants)) is not None}
    score = 1 - len(misses) / len(MORE)
    report = "\n".join(f"  {text!r}: {why}" for text, why in misses.items())
    print(f"unseen (more): {len(MORE) - len(misses)}/{len(MORE)} = {score:.1%}\n{report}")
    assert score >= 0.95, f"{len(misses)} of {len(MORE)} missed:\n{report}"


@pytest.mark.parametrize(("text", "wants"), MORE)
def test_no_more_unseen_request_plans_an_unasked_change(text: str, wants: list[Want]) -> None:
    why = graded(text, wants)
    assert why is None or not why.startswith("unasked change"), why
