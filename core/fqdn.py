"""Domain-name rules every floor shares: one normaliser, one wildcard rule."""

from __future__ import annotations

import re

from core.errors import BadInput

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
MAX_LENGTH = 253


def normalise_fqdn(name: object, *, wildcard: bool = False) -> str:
    """A DNS name in lower case without the trailing dot; BadInput when it is not one.

    With `wildcard=True` a leading `*` label is accepted (`*.example.com`), as certificates and
    DNS records allow; a `*` anywhere else is never a valid name.
    """
    if not isinstance(name, str):
        raise BadInput("a domain name must be text")
    fqdn = name.strip().lower().removesuffix(".")
    labels = fqdn.split(".")
    if wildcard and labels[0] == "*":
        # The parent still needs two labels: `*.com` would cover a whole TLD.
        labels = labels[1:]
    if len(fqdn) > MAX_LENGTH or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise BadInput(f"{name!r} is not a valid domain name")
    return fqdn


def is_wildcard(name: str) -> bool:
    """Whether a (normalised) name is a wildcard such as `*.example.com`."""
    return name.startswith("*.")


def name_covers(pattern: str, name: str) -> bool:
    """Whether `pattern` (a certificate or route name) covers `name`.

    Exact match, or a wildcard standing for exactly one leftmost label: `*.example.com` covers
    `app.example.com`, not `example.com` (the apex) and not `a.b.example.com`; a wildcard over a
    single label (`*.com`) covers nothing.
    """
    pattern = pattern.strip().lower().removesuffix(".")
    name = name.strip().lower().removesuffix(".")
    if not pattern or not name:
        return False
    if pattern == name:
        return True
    if not pattern.startswith("*.") or "*" in pattern[2:]:
        return False
    parent = pattern[2:]
    head, _, rest = name.partition(".")
    return bool(head) and head != "*" and rest == parent and "." in parent
