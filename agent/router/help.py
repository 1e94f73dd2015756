"""What the router says when it must ask, or cannot match a request with confidence."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from agent.router.types import Clarify, Inventory, NoMatch

ABILITIES = (
    "say what is wrong (what the background checks found), what the background agent did, "
    "or run the checks now; show the server status; list containers, images and Compose "
    "stacks; show a container's details, logs and resource use; start, stop, restart or "
    "remove a container; prune unused Docker data; show disks, memory, the top processes "
    "and the network; list, provision, check, renew the certificates of or remove your "
    "domains; list, create, back up, verify and restore databases; and list the other hosts "
    "and show their disks, memory and containers"
)
CAN_DO = f"Offline I can {ABILITIES}."
NO_MODEL = (
    "Free-form requests need a language model: set JARVIS_LLM_BASE_URL to an OpenAI-compatible "
    "endpoint (a local Ollama is http://127.0.0.1:11434/v1) and JARVIS_LLM_MODEL."
)
EXAMPLES = [
    "how is the server doing",
    "what's wrong",
    "run a check",
    "what did you do today",
    "show my containers",
    "what's running",
    "show logs for {name}",
    "errors in {name} logs",
    "last 50 lines of {name} logs",
    "how much memory is {name} using",
    "restart {name}",
    "stop {name}",
    "start {name}",
    "details of {name}",
    "why is {name} down",
    "prune unused images",
    "what's using the disk",
    "am I running out of space",
    "memory usage",
    "top processes",
    "network interfaces",
    "list images",
    "show compose stacks",
    "list my domains",
    "when do my certs expire",
    "provision app.example.com to {name}",
    "list databases",
    "back up the n8n database",
    "show hosts",
]
_ACTIONS = {
    "restart": "restart",
    "start": "start",
    "stop": "stop",
    "kill": "stop",
    "remove": "remove",
    "logs": "show the logs of",
    "stats": "show the resource use of",
    "inspect": "show",
    "diagnose": "look into",
}


def _quote(text: str) -> str:
    return "\u201c" + " ".join(text.split())[:80] + "\u201d"


def _example_name(text: str, inventory: Inventory) -> str:
    words = set(text.lower().split())
    for name in inventory.names():
        if name.lower() in words:
            return name
    running = [c.name for c in inventory.containers if c.state == "running"]
    return (running or inventory.names() or ["plex"])[0]


def examples_for(text: str, inventory: Inventory, limit: int = 3) -> list[str]:
    """The example phrasings closest to what was asked, with a real container name."""
    name = _example_name(text, inventory)
    filled = [e.format(name=name) for e in EXAMPLES]
    found = process.extract(text.lower(), filled, scorer=fuzz.token_set_ratio, limit=limit)
    picked = [str(choice) for choice, _score, _index in found]
    for fallback in ("how is the server doing", f"show logs for {name}", f"restart {name}"):
        if len(picked) >= 2:
            break
        if fallback not in picked:
            picked.append(fallback)
    return picked


def offline_help(text: str, inventory: Inventory) -> str:
    """What the router can do, with the examples closest to `text`."""
    examples = examples_for(text, inventory)
    return f"{ABILITIES}. For example: " + ", ".join(map(_quote, examples)) + "."


def no_match(text: str, inventory: Inventory, understood: list[str], missed: list[str]) -> NoMatch:
    """Help for a request that matched nothing (or only in part) with confidence."""
    examples = examples_for(" ".join(missed) or text, inventory)
    if understood and missed:
        head = (
            f"I understood {', '.join(map(_quote, understood))} but not "
            f"{', '.join(map(_quote, missed))}, so I did nothing yet."
        )
    else:
        head = "I could not match that to something I can do offline."
    tail = "For example: " + ", ".join(map(_quote, examples)) + "."
    return NoMatch(help=f"{head} {CAN_DO} {tail}", examples=examples)


def _choices(names: list[str], limit: int = 10) -> str:
    shown = names[:limit]
    text = ", ".join(shown[:-1]) + (f" or {shown[-1]}" if len(shown) > 1 else shown[0])
    return text + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def ambiguous(typed: str, candidates: list[str], retry: str | None) -> Clarify:
    """Several containers fit: ask which one."""
    question = f"Which one do you mean: {_choices(candidates)}?"
    return Clarify(question=question, options=candidates, retry=retry)


def unknown(typed: str, close: list[str], inventory: Inventory, retry: str | None) -> Clarify:
    """No container of that name: say so and list close (or all) names."""
    head = f"There is no container called {_quote(typed)}."
    if not inventory.containers:
        return Clarify(question=head + " I could not find any containers (is Docker running?).")
    if close:
        return Clarify(
            question=f"{head} Did you mean {_choices(close)}?", options=close, retry=retry
        )
    names = inventory.names()
    return Clarify(question=f"{head} The containers are: {_choices(names, 12)}.", retry=retry)


def missing(intent: str, inventory: Inventory, retry: str | None) -> Clarify:
    """An action without a container: ask for one, suggesting likely ones."""
    if intent == "start":
        pool = [c.name for c in inventory.containers if c.state not in (None, "running")]
    elif intent in ("stop", "kill", "restart", "stats"):
        pool = [c.name for c in inventory.containers if c.state == "running"]
    else:
        pool = []
    pool = pool or inventory.names()
    verb = _ACTIONS.get(intent, "use")
    question = f"Which container should I {verb}?"
    if pool:
        question += f" For example: {', '.join(pool[:8])}."
    return Clarify(question=question, options=pool[:8], retry=retry)


def many(intent: str, typed: str, inventory: Inventory, retry: str | None) -> Clarify:
    """ "All containers" is not a name: changes are made to containers named one by one."""
    verb = _ACTIONS.get(intent, "use")
    names = inventory.names()
    listing = f" The containers are: {_choices(names, 12)}." if names else ""
    question = (
        f"{_quote(typed).capitalize()} is not a container name: I only {verb} containers you "
        f"name, for example {_quote(verb + ' ' + (names or ['plex'])[0])}. Which one do you mean?"
        + listing
    )
    return Clarify(question=question, options=names[:12], retry=retry)


def which_pronoun(typed: str, retry: str | None, inventory: Inventory) -> Clarify:
    """ "it" with nothing named before it."""
    names = inventory.names()
    return Clarify(
        question=f"Which container do you mean by {_quote(typed)}?", options=names[:8], retry=retry
    )


def where_to(fqdn: str, inventory: Inventory, retry: str | None) -> Clarify:
    """A domain to publish without a target: ask which container (or host:port) it serves."""
    running = [c.name for c in inventory.containers if c.state == "running"]
    pool = (running or inventory.names())[:8]
    question = f"Where should {fqdn} point? Name a container or a host:port"
    question += f", for example: {', '.join(pool)}." if pool else "."
    return Clarify(question=question, options=pool, retry=retry)


def which_port(target: str, fqdn: str) -> Clarify:
    """A target whose port is not known: the route needs one."""
    return Clarify(
        question=(
            f"Which port of {target} should {fqdn} go to? Say it with the port, for example "
            f"{_quote(f'set up {fqdn} for {target}:8080')}."
        )
    )
