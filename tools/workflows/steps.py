"""The names of each workflow's steps, in order (shared with the chat's replies and widgets)."""

from __future__ import annotations

PROVISION_STEPS = (
    "detect_ip",
    "dns_record",
    "propagation",
    "caddy_route",
    "caddy_apply",
    "certificate",
    "https",
    "activate",
)
DEPROVISION_STEPS = ("caddy_remove", "dns_delete", "mark_removed")
RENEW_STEPS = ("renew", "record_cert")
KIND_STEPS: dict[str, tuple[str, ...]] = {
    "provision": PROVISION_STEPS,
    "deprovision": DEPROVISION_STEPS,
    "renew_ssl": RENEW_STEPS,
}
