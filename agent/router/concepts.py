"""A clause no phrasing matched, routed by the one concept it names (and at most one target).

Every word of the clause must be accounted for: a concept word (see `concept_words`), a word
that only carries the sentence, a host word, a container of the live inventory or a domain.
Anything else (an unknown name, an unexplained word) leaves the clause unmatched. A clause that
asks about a request ("how do I restart plex", "don't stop n8n") is never one; a change is made
only for an explicit verb opening the clause, on exactly one named container, never on "all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.router.concept_words import (
    ACTIONS,
    BLOCKERS,
    CERTS,
    CONDITIONS,
    CONTAINERS,
    CPU,
    DISK,
    DOCKER,
    DOCKER_DISK,
    DOMAINS,
    IMAGES,
    LEXICON,
    LOAD,
    LOGS,
    MEMORY,
    NETWORK,
    NEUTRAL,
    PHRASAL,
    PROCESSES,
    QUALITY,
    RATES,
    RESOURCES,
    RESTART,
    START,
    STATE,
    STATS,
    STOP,
    TIME,
    UPTIME,
    Phrase,
)
from agent.router.domain_words import is_domain
from agent.router.logopts import extract
from agent.router.names import QUANTIFIERS, resolve
from agent.router.phrases import HOST_WORDS
from agent.router.text import NUM
from agent.router.types import Inventory

_HOST = "host"
_WORDS: dict[Phrase, str] = {**{tuple(w.split()): _HOST for w in HOST_WORDS}, **LEXICON}
_LONGEST = max(len(p) for p in _WORDS)
_NUMBER = re.compile(NUM)
_SEPARATORS = re.compile(r"[\s_.-]+")
_LEXICON_WORDS = frozenset(w for phrase in LEXICON for w in phrase)
_PRONOUNS = frozenset({"it", "its", "them", "those", "both", "these", "their", "that", "this"})
_SPEAKERS = frozenset({"i", "we"})
_TELLING = [[w] for w in ("is", "was", "are", "were", "has", "had", "seems", "looks", "keeps")]
# Words that say only how something is, or what kind of request it is: they give way to any
# other concept in the clause ("is the network ok" is about the network).
_ASPECTS = (QUALITY, STATE, STATS, DOCKER)
# What each concept asks for: (intent about the host, intent about one named container).
_ROUTES: dict[str, tuple[str | None, str | None]] = {
    DISK: ("disk", None),
    MEMORY: ("memory", "stats"),
    CPU: ("overview", "stats"),
    LOAD: ("overview", "stats"),
    RESOURCES: ("overview", "stats"),
    STATS: ("overview", "stats"),
    PROCESSES: ("top", None),
    UPTIME: ("overview", "inspect"),
    NETWORK: ("network", "inspect"),
    STATE: ("overview", "inspect"),
    QUALITY: ("overview", "inspect"),
    DOCKER_DISK: ("volumes", None),
    CONTAINERS: ("list", None),
    IMAGES: ("images", None),
    DOMAINS: ("domain_list", None),
    CERTS: ("domain_certs", None),
    LOGS: (None, "logs"),
    RESTART: (None, "restart"),
    START: (None, "start"),
    STOP: (None, "stop"),
}
# What a concept asks about one domain: its certificate, or its health.
_ON_DOMAIN = {
    CERTS: "domain_cert",
    DOMAINS: "domain_health",
    STATE: "domain_health",
    QUALITY: "domain_health",
}


@dataclass
class Concept:
    """The request a clause makes by the concept it names, with its target, if any."""

    intent: str
    target: str | None = None
    name: str | None = None
    opts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Reading:
    """What the words of one clause are."""

    concepts: set[str] = field(default_factory=set)
    first: str | None = None  # the concept of the clause's first word
    names: list[str] = field(default_factory=list)
    spans: list[list[str]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    pronoun: str | None = None
    host: bool = False
    bulk: bool = False
    timed: bool = False  # a time or a number: part of a log request, never of a change
    conditional: bool = False


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text.lower())


def _exact_name(words: list[str], i: int, inventory: Inventory) -> tuple[str, int] | None:
    """A container named exactly (up to three words, "home assistant"), longest first."""
    names = {_compact(n): n for n in inventory.names()}
    for size in (3, 2, 1):
        if i + size <= len(words) and (name := names.get(_compact("".join(words[i : i + size])))):
            return name, size
    return None


def _phrase(words: list[str], i: int) -> tuple[str, int] | None:
    """The longest lexicon phrase starting at word `i`."""
    for size in range(min(_LONGEST, len(words) - i), 0, -1):
        if (concept := _WORDS.get(tuple(words[i : i + size]))) is not None:
            return concept, size
    return None


def _particle(words: list[str], i: int, skip: set[int]) -> tuple[str, list[int]] | None:
    """ "turn grafana off": the particle a phrasal verb at `i` takes a few words later."""
    for j in range(i + 1, min(i + 6, len(words))):
        for particle, concept in PHRASAL.get(words[i], []):
            at = list(range(j, j + len(particle)))
            if tuple(words[j : j + len(particle)]) == particle and not skip & set(at):
                return concept, at
    return None


def _blocked(words: list[str]) -> bool:
    """A clause about a request rather than one; or asking what a word means ("what is ssl")."""
    padded = f" {' '.join(words)} "
    if any(f" {' '.join(b)} " in padded for b in BLOCKERS):
        return True
    rest = words[2:]
    return words[:2] in (["what", "is"], ["what", "are"]) and set(rest) <= _LEXICON_WORDS


def _statement(words: list[str], inventory: Inventory) -> bool:
    """ "i restarted plex", "plex is running fine": telling, not asking."""
    if words[0] in _SPEAKERS:
        return True
    named = _exact_name(words, 0, inventory)
    return named is not None and words[named[1] : named[1] + 1] in _TELLING


def _read(text: str, inventory: Inventory) -> _Reading | None:
    """Each word of the clause sorted into concepts, names and carriers; None if blocked."""
    words = text.split()
    if not words or _blocked(words) or _statement(words, inventory):
        return None
    out, skip, span = _Reading(), set[int](), list[str]()
    i = 0
    while i < len(words):
        word, size, concept = words[i], 1, None
        if i in skip:
            pass
        elif exact := _exact_name(words, i, inventory):
            out.names.append(exact[0])
            size = exact[1]
        elif is_domain(word, inventory):
            out.domains.append(word)
        elif found := _phrase(words, i):
            concept, size = found
        elif found_particle := _particle(words, i, skip):
            concept = found_particle[0]
            skip.update(found_particle[1])
        elif word in _PRONOUNS:
            out.pronoun = out.pronoun or word
        elif word in QUANTIFIERS:
            out.bulk = True
        elif word in CONDITIONS:
            out.conditional = True
        elif word in NEUTRAL:
            pass
        elif word in TIME or _NUMBER.fullmatch(word):
            out.timed = True
        else:
            span.append(word)
            i += 1
            continue
        if span:
            out.spans.append(span)
            span = []
        if concept == _HOST:
            out.host = True
        elif concept is not None:
            out.concepts.add(concept)
            out.first = concept if i == 0 else out.first
        i += size
    if span:
        out.spans.append(span)
    return out


def _reduce(concepts: set[str]) -> set[str]:
    """The concepts a clause is about once the ones that qualify another are folded in."""
    found = set(concepts)
    if DISK in found and found & {DOCKER, IMAGES, CONTAINERS, DOCKER_DISK}:
        found = (found - {DISK, DOCKER, IMAGES, CONTAINERS}) | {DOCKER_DISK}
    if PROCESSES in found:
        found -= {CPU, MEMORY, LOAD}
    if CPU in found and MEMORY in found:
        found = (found - {CPU, MEMORY}) | {RESOURCES}
    if LOAD in found and found & {CPU, UPTIME}:
        found.discard(LOAD)
    if CERTS in found:
        found.discard(DOMAINS)
    for aspect in _ASPECTS:
        if len(found) > 1:
            found.discard(aspect)
    return found


def _options(concept: str, text: str, concepts: set[str]) -> dict[str, Any]:
    words = set(text.split())
    if concept == PROCESSES and MEMORY in concepts:
        return {"sort": "memory"}
    if concept == NETWORK and words & RATES:
        return {"interval": 1.0}
    if concept == LOGS:
        _, opts, errors = extract(text, [])
        keep = ("tail", "since", "grep", "regex") if errors else ("tail", "since")
        return {k: v for k, v in opts.items() if k in keep}
    return {}


def _container(read: _Reading, inventory: Inventory) -> tuple[str | None, str | None] | None:
    """The one container named (typed, resolved): (None, None) for none; None if unclear."""
    typed: list[tuple[str, str | None]] = [(n, n) for n in read.names]
    for span in read.spans:
        found = resolve(" ".join(span), inventory)
        if found.name is None and not found.ambiguous:
            return None  # an unknown name or an unexplained word: never guessed
        typed.append((" ".join(span), found.name))
    if len({name or text for text, name in typed}) > 1:
        return None
    return typed[0] if typed else (None, None)


def match(text: str, inventory: Inventory) -> Concept | None:
    """The request a clause makes by the one concept it names, if it is that clear."""
    read = _read(text, inventory)
    if read is None:
        return None
    concepts = _reduce(read.concepts)
    if len(concepts) != 1:
        return None
    concept = concepts.pop()
    if read.domains:
        intent = _ON_DOMAIN.get(concept)
        if intent is None or read.names or read.spans or len(set(read.domains)) != 1:
            return None
        return Concept(intent, opts={"fqdn": read.domains[0]})
    if concept in ACTIONS and (
        read.first != concept or read.bulk or read.timed or read.conditional
    ):
        return None
    found = _container(read, inventory)
    if found is None:
        return None
    typed, name = found
    on_host, on_one = _ROUTES[concept]
    opts = _options(concept, text, read.concepts)
    if typed is not None:
        return Concept(on_one, typed, name, opts) if on_one is not None else None
    if on_host is None:
        return Concept(on_one, read.pronoun, opts=opts) if on_one and read.pronoun else None
    if concept == QUALITY and not read.host:
        return None
    return Concept(on_host, opts=opts)
