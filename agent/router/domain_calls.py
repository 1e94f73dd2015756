"""The tool calls a recognised domain request makes."""

from __future__ import annotations

from typing import Any

from agent.router.types import PlannedCall

_ONE: dict[str, str] = {
    "domain_status": "domains.status",
    "domain_renew": "domains.renew_ssl",
    "domain_health": "domains.health",
    "domain_remove": "domains.deprovision",
}


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The calls a recognised domain request makes, in order."""
    fqdn = opts.get("fqdn")
    if intent in ("domain_list", "domain_certs"):
        return [PlannedCall(tool="domains.list")]
    if intent == "domain_health_all":
        return [PlannedCall(tool="domains.health")]
    if fqdn is None:
        return []
    if intent in _ONE:
        return [PlannedCall(tool=_ONE[intent], args={"fqdn": fqdn})]
    if intent == "domain_diagnose":
        return [
            PlannedCall(tool="domains.health", args={"fqdn": fqdn}),
            PlannedCall(tool="domains.status", args={"fqdn": fqdn}),
        ]
    if intent == "domain_cert":
        args: dict[str, Any] = {"host": fqdn}
        if opts.get("port") not in (None, 443):
            args["port"] = opts["port"]
        return [PlannedCall(tool="ssl.check_certificate", args=args)]
    if intent == "domain_provision":
        target = opts.get("target")
        args = {"fqdn": fqdn} if target is None else {"fqdn": fqdn, "target": target}
        return [PlannedCall(tool="domains.provision", args=args)]
    if intent == "domain_add" and opts.get("target"):
        return [PlannedCall(tool="domains.add", args={"fqdn": fqdn, "target": opts["target"]})]
    return []
