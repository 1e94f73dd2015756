"""What a domain looks like in a message, and the phrase pieces the domain phrasings share."""

from __future__ import annotations

import ipaddress
import re

from agent.router.types import Inventory

# A domain is recognised by its shape alone (labels and an alphabetic top-level label, such as
# `plex.evindrake.net`); a word that is exactly a container's name is never taken for one.
# Ports typed as `host:port` reach the rules as `host/port` (see `protect_ports`).

# Labels, then an alphabetic top-level label (or an IDN one).
FQDN = (
    r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
)
FQDN_RE = re.compile(FQDN)
# File names people may type; they have the shape of a domain but are none.
_FILE_SUFFIXES = frozenset(
    {"yaml", "yml", "json", "conf", "txt", "log", "toml", "ini", "env", "cfg", "xml", "md"}
    | {"jsx", "tsx", "lock", "pem", "crt", "csr", "bak", "tmp", "old", "html", "caddyfile"}
)
_PORTED = re.compile(
    r"(?<![\w.:/-])((?:\d{1,3}\.){3}\d{1,3}|[a-z0-9_.-]*[a-z][a-z0-9_.-]*):(\d{1,5})(?![\w:])",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"\bhttps?://", re.IGNORECASE)
_SLASH_END = re.compile(r"(?<=[A-Za-z0-9])/+(?=[\s?!.,;]|$)")
_D = r"(?:the |my |our )?(?:(?:sub)?domain |site |website |hostname |host name |url |address )?"
F = _D + rf"(?P<fqdn>{FQDN})"
FP = F + r"(?:/(?P<cport>\d{1,5}))?"
_NAME = r"[a-z0-9][\w.-]*"
TARGET = (
    r"(?:the |my |our )?(?:(?:docker )?(?:container|service|app) )?"
    rf"(?P<target>{_NAME}(?:/\d{{1,5}})?(?: {_NAME}){{0,2}}?)"
    r"(?: (?:docker )?(?:container|service|app))?"
    r"(?: (?:on |at )?port (?P<port>\d{1,5}))?"
)
CONNECT = (
    r"(?:pointing to|pointing at|pointed at|pointed to|that points to|which points to|"
    r"to point to|to point at|points to|routed to|routing to|forwarding to|forwarded to|"
    r"proxying to|proxied to|going to|in front of|to|at|for|on|with)"
)
CERT = (
    r"(?:(?:ssl|tls|https) )?(?:certs?|certificates?)|ssl|tls|https"
    r"|(?:ssl|tls|https) (?:certs?|certificates?)"
)
CERTS = rf"(?:{CERT})"
PROBLEM = (
    r"(?:down|not working|broken|unreachable|offline|slow|failing|not loading|not responding|"
    r"erroring|dead|giving errors|returning errors|showing errors|not resolving|timing out|"
    r"unhealthy|acting up|throwing errors|returning 502|giving 502|502ing)"
)
UP = (
    r"(?:up|down|ok|okay|fine|healthy|alive|working|online|offline|reachable|accessible|"
    r"available|responding|running|live|up and running|broken|unreachable|still up|"
    r"still working|loading|resolving)"
)
DOMAINS = r"(?:domains|subdomains|sites|websites|hostnames|domain names|published sites)"
OWN = r"(?:(?:all|my|the|our|of) )*"


def protect_ports(text: str) -> str:
    """ "n8n:5678" as "n8n/5678", so normalising keeps the port with its host; no URL scheme."""
    text = _SCHEME.sub("", text)
    text = _SLASH_END.sub("", text)
    return _PORTED.sub(lambda m: f"{m.group(1)}/{m.group(2)}", text)


def is_domain(word: str, inventory: Inventory) -> bool:
    """True for a word shaped like a domain that is neither a file nor a container's name."""
    if not FQDN_RE.fullmatch(word):
        return False
    if word.rsplit(".", 1)[-1] in _FILE_SUFFIXES:
        return False
    return word not in {n.lower() for n in inventory.names()}


def is_address(host: str) -> bool:
    """True for an IP address, `localhost` or a name shaped like a domain."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or bool(FQDN_RE.fullmatch(host))
    return True
