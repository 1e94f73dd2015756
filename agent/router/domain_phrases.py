"""The domain phrasings, in the order they are tried: progress, certificates, health, changes."""

from __future__ import annotations

from agent.router.domain_words import (
    CERTS,
    CONNECT,
    DOMAINS,
    FP,
    OWN,
    PROBLEM,
    TARGET,
    UP,
    F,
)
from agent.router.phrases import RuleTable

PHRASES: RuleTable = [
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
        r"(?:is|are) " + OWN + CERTS + r"(?: (?:all )?(?:ok|okay|fine|good|valid|alright|"
        r"all right|working|healthy|expiring|expired|up to date|still valid|in order))?",
    ),
    (
        "domain_certs",
        "none",
        r"(?:check|show|list|review|verify|audit|inspect|see|view|get|give me|display|show me)"
        r"(?: on)? " + OWN + CERTS + r"(?: (?:status|expiry|expiration|expiry dates|dates))?",
    ),
    (
        "domain_certs",
        "none",
        r"when (?:do|will) " + OWN + CERTS + r" (?:expire|run out|need renewing)",
    ),
    (
        "domain_certs",
        "none",
        r"(?:are |is )?(?:any|which)(?: of)? " + OWN + CERTS + r" (?:are |is )?(?:expiring|"
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
        + OWN
        + DOMAINS
        + r"(?: health)?",
    ),
    (
        "domain_health_all",
        "none",
        r"(?:is|are) " + OWN + DOMAINS + r" (?:all )?" + UP,
    ),
    (
        "domain_health_all",
        "none",
        r"(?:is |are )?(?:any|which)(?: of)? "
        + OWN
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
