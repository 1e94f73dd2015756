"""Phrasings about published domains: provisioning, certificates, health, removal, progress.

A domain is recognised by its shape alone (labels and an alphabetic top-level label, such as
`plex.evindrake.net`); a word that is exactly a container's name is never taken for one.
Ports typed as `host:port` reach the rules as `host/port` (see `protect_ports`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from agent.router.names import resolve
from agent.router.phrases import RuleTable, compile_rules
from agent.router.types import Inventory, PlannedCall

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
_OWN = r"(?:(?:all|my|the|our|of) )*"

_RULES: RuleTable = [
    # Progress of a running (or the last) task.
    (
        "domain_status",
        "none",
        r"how is (?:the )?(?:provisioning|setup|set up|deployment|renewal|deprovisioning|"
        r"rollout|removal|task) (?:of|for) " + F + r"(?: going| doing| coming along| progressing)?",
    ),
    (
        "domain_status",
        "none",
        r"(?:show |check |get |what is )?(?:the )?(?:provisioning |setup |task |deployment |"
        r"renewal |workflow )?(?:status|progress|state)(?: of| for| on) " + F,
    ),
    ("domain_status", "none", F + r" (?:provisioning )?(?:status|progress)"),
    (
        "domain_status",
        "none",
        r"(?:how|where) is " + F + r" (?:coming along|progressing|getting on)",
    ),
    (
        "domain_status",
        "none",
        r"(?:is|has) (?:the )?(?:provisioning|setup|renewal) (?:of|for) "
        + F
        + r" (?:done|finished|complete|completed|ready|stuck|failing|failed)(?: yet)?",
    ),
    (
        "domain_status",
        "none",
        r"(?:is|has) " + F + r" (?:done|finished|ready|provisioned|been provisioned|set up|"
        r"been set up)(?: yet)?",
    ),
    # Certificate renewal.
    (
        "domain_renew",
        "none",
        r"(?:renew|refresh|reissue|re-issue|rotate|regenerate|fix) (?:the |my )?"
        + CERTS
        + r"(?: (?:of|for|on))? "
        + F,
    ),
    ("domain_renew", "none", r"renew " + F + r"(?: " + CERTS + r")?"),
    (
        "domain_renew",
        "none",
        r"(?:get|issue|request) (?:a )?(?:new|fresh) " + CERTS + r" for " + F,
    ),
    # One endpoint's certificate.
    (
        "domain_cert",
        "none",
        r"(?:check|show|inspect|verify|test|look at|get|view|examine|validate|read|show me) "
        r"(?:the |my )?" + CERTS + r"(?: (?:of|for|on|at|from))? " + FP,
    ),
    (
        "domain_cert",
        "none",
        r"(?:" + CERTS + r") (?:check|info|details|status|expiry)(?: (?:of|for|on))? " + FP,
    ),
    (
        "domain_cert",
        "none",
        r"(?:check |show |show me |get )?"
        + FP
        + r" "
        + CERTS
        + r"(?: (?:status|details|info|check|expiry))?",
    ),
    (
        "domain_cert",
        "none",
        r"(?:is|does) (?:the )?"
        + CERTS
        + r"(?: (?:of|for|on))? "
        + FP
        + r" (?:valid|ok|okay|fine|expired|expiring|trusted|good|working|still valid)",
    ),
    (
        "domain_cert",
        "none",
        r"when (?:does|will) (?:the )?" + CERTS + r"(?: (?:of|for|on))? " + FP + r" expire",
    ),
    (
        "domain_cert",
        "none",
        r"(?:is|does) " + FP + r"(?: have)? (?:a )?(?:valid|good|working|trusted) " + CERTS,
    ),
    # All certificates: the domain list carries each one's expiry.
    (
        "domain_certs",
        "none",
        r"(?:is|are) " + _OWN + CERTS + r"(?: (?:all )?(?:ok|okay|fine|good|valid|alright|"
        r"all right|working|healthy|expiring|expired|up to date|still valid|in order))?",
    ),
    (
        "domain_certs",
        "none",
        r"(?:check|show|list|review|verify|audit|inspect|see|view|get|give me|display|show me)"
        r"(?: on)? " + _OWN + CERTS + r"(?: (?:status|expiry|expiration|expiry dates|dates))?",
    ),
    (
        "domain_certs",
        "none",
        r"when (?:do|will) " + _OWN + CERTS + r" (?:expire|run out|need renewing)",
    ),
    (
        "domain_certs",
        "none",
        r"(?:are |is )?(?:any|which)(?: of)? " + _OWN + CERTS + r" (?:are |is )?(?:expiring|"
        r"about to expire|expire soon|expiring soon|expired|going to expire|due for renewal|"
        r"need renewing|need renewal|need to be renewed)(?: soon)?",
    ),
    (
        "domain_certs",
        "none",
        r"(?:" + CERTS + r") (?:status|check|expiry|expiration|expirations|health|report|"
        r"overview|countdown)",
    ),
    ("domain_certs", "none", r"(?:expiring|expired) " + CERTS),
    # Why a domain misbehaves: its health and its last task.
    (
        "domain_diagnose",
        "none",
        r"why (?:is|does|did|has|was|are|do) "
        + F
        + r" (?:keep |been |still )?"
        + PROBLEM
        + r"(?: again| so much| all the time| right now| now)?",
    ),
    (
        "domain_diagnose",
        "none",
        r"(?:what is|whats) (?:wrong|going on|the problem|the issue) with " + F,
    ),
    (
        "domain_diagnose",
        "none",
        r"(?:diagnose|troubleshoot|debug|investigate|look into|figure out what is wrong with) " + F,
    ),
    ("domain_diagnose", "none", F + r" (?:is |seems |keeps )?" + PROBLEM),
    # One domain's health.
    (
        "domain_health",
        "none",
        r"(?:is|are) " + F + r" " + UP + r"(?: right now| now| at the moment| again)?",
    ),
    (
        "domain_health",
        "none",
        r"(?:check|ping|test|probe|health ?check|check on|check the health of|check health of|"
        r"run a health check on|look at|how is) " + F + r"(?: doing| health)?",
    ),
    (
        "domain_health",
        "none",
        r"(?:show |get |check |show me )?(?:the )?health(?: check)? (?:of|for|on) " + F,
    ),
    ("domain_health", "none", F + r" health(?: check)?"),
    ("domain_health", "none", r"can (?:i|you|we|people) (?:reach|open|load|access) " + F),
    # Every domain's health.
    (
        "domain_health_all",
        "none",
        r"(?:check|test|probe|ping|health ?check|run a health check on) "
        + _OWN
        + DOMAINS
        + r"(?: health)?",
    ),
    (
        "domain_health_all",
        "none",
        r"(?:is|are) " + _OWN + DOMAINS + r" (?:all )?" + UP,
    ),
    (
        "domain_health_all",
        "none",
        r"(?:is |are )?(?:any|which)(?: of)? "
        + _OWN
        + r"(?:domain|site|website|"
        + DOMAINS[3:]
        + r" (?:are |is )?"
        r"(?:down|broken|unhealthy|offline|unreachable|failing|not working)",
    ),
    ("domain_health_all", "none", r"(?:domain|site|website) health(?: check)?"),
    # The domain list.
    (
        "domain_list",
        "none",
        r"(?:(?:show|list|get|give|display|view|see|me|us|all|the|my|our|what are|"
        r"i want to see|let me see|check) )*" + DOMAINS + r"(?: list| status| overview)?",
    ),
    (
        "domain_list",
        "none",
        r"(?:what|which) " + DOMAINS + r" (?:do i have|are there|exist|are configured|"
        r"are set up|have i got|are published|do we have|are managed|do you manage)",
    ),
    (
        "domain_list",
        "none",
        r"how many " + DOMAINS + r"(?: do i have| are there| are configured| exist)?",
    ),
    # Registering only (no provisioning).
    (
        "domain_add",
        "none",
        r"(?:add|register|record|save|track) "
        + F
        + r" "
        + CONNECT
        + r" "
        + TARGET
        + r" (?:without provisioning(?: it)?|but do not provision(?: it)?|only|"
        r"but do not set it up|for later)",
    ),
    (
        "domain_add",
        "none",
        r"(?:register|record) " + F + r" " + CONNECT + r" " + TARGET,
    ),
    # Provisioning: DNS, Caddy route, certificate, checks.
    (
        "domain_provision",
        "none",
        r"(?:add|provision|set up|setup|create|configure|publish|deploy|hook up|wire up|"
        r"make|bring up|spin up) " + F + r"(?: domain)? " + CONNECT + r" " + TARGET,
    ),
    (
        "domain_provision",
        "none",
        r"(?:point|route|forward|proxy|send|map|direct|connect|hook) "
        + F
        + r" (?:to|at|towards|onto|up to|through to) "
        + TARGET,
    ),
    (
        "domain_provision",
        "none",
        r"(?:expose|publish|serve|put|host|make) "
        + TARGET
        + r" (?:at|on|as|under|via|behind|available at|available on|reachable at|public at|"
        r"public on) " + F,
    ),
    (
        "domain_provision",
        "none",
        r"(?:add|provision|set up|setup|create|configure|make) (?:a |the )?(?:new )?"
        r"(?:domain|subdomain|site|hostname|website) (?:for|to) "
        + TARGET
        + r" (?:at|on|as|called|named|under) "
        + F,
    ),
    (
        "domain_provision",
        "none",
        r"(?:provision|deploy|finish setting up|retry|resume|rerun|redo)"
        r"(?: the)?(?: provisioning of| setup of| provisioning for)? " + F,
    ),
    ("domain_provision", "none", r"(?:set up|setup) " + F + r" again"),
    # A domain with nowhere to point: asked about.
    (
        "domain_where",
        "none",
        r"(?:add|set up|setup|create|publish|point|route|register) (?:a |the )?(?:new )?" + F,
    ),
    # Removal.
    (
        "domain_remove",
        "none",
        r"(?:remove|deprovision|de-provision|unprovision|delete|tear down|teardown|take down|"
        r"unpublish|drop|decommission|destroy|get rid of|disable|unregister) (?:the )?"
        + F
        + r"(?: domain| site)?(?: completely| entirely)?",
    ),
]

RULES = compile_rules(_RULES)
DOMAIN_INTENTS = frozenset(r.intent for r in RULES)
# Intents that a bare domain after them repeats: "renew the cert for a.com and b.com".
REPEATABLE = frozenset(
    {"domain_status", "domain_renew", "domain_cert", "domain_diagnose", "domain_health"}
    | {"domain_remove"}
)
BARE_DOMAIN = re.compile(F)
# The intents that send something to a target (a container or host:port).
TARGETED = frozenset({"domain_provision", "domain_add"})


@dataclass
class DomainMatch:
    """A phrasing about domains that matched a clause whole."""

    intent: str
    fqdn: str | None = None
    target: str | None = None
    port: int | None = None
    opts: dict[str, Any] = field(default_factory=dict)


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


def match(text: str, inventory: Inventory) -> DomainMatch | None:
    """The domain request a clause makes, if one of the phrasings matches it whole."""
    for rule in RULES:
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        fqdn = groups.get("fqdn")
        if fqdn is not None and not is_domain(fqdn, inventory):
            continue
        found = DomainMatch(rule.intent, fqdn, groups.get("target"))
        if groups.get("port"):
            found.port = int(groups["port"])
        if groups.get("cport"):
            found.opts["port"] = int(groups["cport"])
        return found
    return None


def repeat(text: str, intent: str, inventory: Inventory) -> DomainMatch | None:
    """ "b.com" in "renew the cert for a.com and b.com": the same request for another domain."""
    if intent not in REPEATABLE:
        return None
    m = BARE_DOMAIN.fullmatch(text)
    if m is None or not is_domain(m.group("fqdn"), inventory):
        return None
    return DomainMatch(intent, m.group("fqdn"))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or bool(FQDN_RE.fullmatch(host))
    return True


@dataclass(frozen=True)
class Target:
    """Where a domain should point: `host:port` for the tool, or what is still missing."""

    value: str | None = None
    candidates: list[str] = field(default_factory=list)
    unknown: bool = False
    # The container or host found, when its port is not known (the tool needs one).
    needs_port: str | None = None


def resolve_target(typed: str, port: int | None, inventory: Inventory) -> Target:
    """A typed target as the tool takes it: "host:port", a container with its first port."""
    host, _, typed_port = typed.partition("/")
    if port is None and typed_port:
        port = int(typed_port)
    if _is_address(host):
        return Target(f"{host}:{port}") if port is not None else Target(needs_port=host)
    found = resolve(host, inventory)
    if found.name is not None:
        port = port if port is not None else inventory.port_of(found.name)
        return Target(f"{found.name}:{port}") if port is not None else Target(needs_port=found.name)
    if found.ambiguous:
        return Target(candidates=found.candidates)
    # No such container: with a port it is a host to dial, and when the containers could
    # not be read the name is taken as typed; the tool checks either.
    if port is not None:
        return Target(f"{host}:{port}")
    if not inventory.complete and " " not in host:
        return Target(needs_port=host)
    return Target(unknown=True)


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
