"""Helpers for the domains repository tests."""

from __future__ import annotations

from memory.domains import NewDomain


def new_domain(fqdn: str = "n8n.example.com", **kw: object) -> NewDomain:
    """A valid domain to register, with any field replaced."""
    data: dict[str, object] = {
        "fqdn": fqdn,
        "zone": "example.com",
        "target": "n8n:5678",
        "provider": "zoneedit",
        "records": {"a": ["203.0.113.7"]},
    }
    data.update(kw)
    return NewDomain.model_validate(data)
