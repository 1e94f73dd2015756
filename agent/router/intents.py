"""Routing one message: clauses, phrasings, container names, and the calls they make."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.router import (
    concepts,
    db_calls,
    db_rules,
    db_targets,
    domain_rules,
    domain_words,
    ha_rules,
    ha_targets,
    host_targets,
    sunshine_rules,
)
from agent.router import help as helptext
from agent.router.grammar import (
    BARE_TARGET,
    ERROR_RULES,
    HOST_WORDS,
    LATE_RULES,
    LOG_RULES,
    PRUNABLE,
    RULES,
    TARGETED,
    Rule,
)
from agent.router.logopts import LOG_WORD, extract
from agent.router.names import PLURAL_PRONOUNS, PRONOUNS, is_quantifier, resolve, suggestions
from agent.router.plan import calls_for, merge, options
from agent.router.text import clauses, core, is_remark, normalize, unquote
from agent.router.types import Calls, Clarify, Inventory, PlannedCall, Routed

MAX_CLAUSE = 200
CHOICE = "{choice}"
_VOLUMES = re.compile(r"\band (its|their|the) (anonymous )?volumes\b")
# "cpu and memory" is one thing asked about, not two requests.
_RESOURCES = re.compile(r"\b(?:cpu|memory|ram|mem)(?: usage)? and (?:cpu|memory|ram|mem)\b")
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_YES = frozenset({"yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right", "do it"})


@dataclass
class Parsed:
    """One recognised request within a message."""

    intent: str
    text: str
    target: str | None = None
    name: str | None = None
    opts: dict[str, Any] = field(default_factory=dict)
    weak: bool = False
    borrowed: bool = False


def _requote(text: str, quoted: list[str]) -> str:
    return re.sub(r'"(\d+)"', lambda m: '"' + quoted[int(m.group(1))] + '"', text)


def _host(target: str, inventory: Inventory) -> bool:
    """ "the server" means the host, unless a container really has that name."""
    return target in HOST_WORDS and target not in {n.lower() for n in inventory.names()}


def _loose(target: str, inventory: Inventory) -> bool:
    """A several-word "name" that is no container: the phrasing was not meant this way."""
    if target in PRONOUNS or target in PLURAL_PRONOUNS or is_quantifier(target):
        return False
    return resolve(target, inventory).name is None


def _try(rules: list[Rule], text: str, retry: str, inventory: Inventory) -> Parsed | None:
    for rule in rules:
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        target = groups.get("target")
        if target is not None and _host(target, inventory):
            continue
        if target is not None and " " in target and _loose(target, inventory):
            continue
        parsed = Parsed(rule.intent, retry, target, opts=options(rule.intent, groups, text))
        if rule.mode == "weak":
            if target is None or target in PRONOUNS or is_quantifier(target):
                continue
            found = resolve(target, inventory)
            if found.name is None and not found.ambiguous:
                continue
            parsed.name = found.name
            parsed.weak = True
        return parsed
    return None


def _domain(found: domain_rules.DomainMatch, retry: str) -> Parsed:
    opts: dict[str, Any] = {"fqdn": found.fqdn, **found.opts}
    if found.port is not None:
        opts["target_port"] = found.port
    return Parsed(found.intent, retry, found.target, opts=opts)


def _match(part: str, quoted: list[str], inventory: Inventory) -> Parsed | None:
    """The request one clause makes, if a phrasing matches it whole."""
    plain, retry = unquote(part, quoted), _requote(part, quoted)
    # Domains first: "is plex.example.com up" is about a domain, never a container.
    if domain := domain_rules.match(plain, inventory):
        return _domain(domain, retry)
    if db := db_rules.match(plain):
        return Parsed(db.intent, retry, opts=db.opts)
    # The house before containers: "turn on the kitchen light" names no container.
    if (house := ha_rules.match(plain)) and ha_targets.wanted(house, inventory):
        return Parsed(house.intent, retry, opts={"ha": house})
    if whole := host_targets.whole(plain, inventory):
        return Parsed(whole[0], retry, opts={"host": whole[1]})
    split = host_targets.split(part, inventory)
    remote = _match(split.rest, quoted, inventory) if split else None
    if split and remote and remote.intent in host_targets.HOST_INTENTS:
        return Parsed(remote.intent, retry, opts={**remote.opts, "host": split.host})
    if found := _try(RULES, plain, retry, inventory):
        return found
    if LOG_WORD.search(part):
        rest, opts, errors = extract(part, quoted)
        rest = unquote(rest, quoted)
        found = _try(LOG_RULES, rest, retry, inventory)
        if found is None and errors:
            found = _try(ERROR_RULES, rest, retry, inventory)
        if found is not None:
            found.opts = opts
            return found
    if found := _try(LATE_RULES, plain, retry, inventory):
        return found
    # No phrasing matched whole: the one concept the clause names, if it names exactly one.
    if named := concepts.match(plain, inventory):
        return Parsed(named.intent, retry, named.target, named.name, named.opts, weak=True)
    return None


def _continue(part: str, prev: Parsed, quoted: list[str], inventory: Inventory) -> Parsed | None:
    """ "n8n" in "restart plex and n8n": the previous request again, for another target."""
    plain = unquote(part, quoted)
    if again := domain_rules.repeat(plain, prev.intent, inventory):
        return _domain(again, _requote(part, quoted))
    if prev.intent in TARGETED and not _host(plain, inventory):
        m = BARE_TARGET.fullmatch(plain)
        if m is not None:
            return Parsed(prev.intent, _requote(part, quoted), m.group("target"), opts=prev.opts)
    if prev.intent == "prune" and PRUNABLE.fullmatch(plain):
        return _match("prune " + part, quoted, inventory)
    return None


def _retry(parts: list[Parsed], index: int, target: str | None) -> str:
    """The message again with `{choice}` in place of the unclear name."""
    texts = [p.text for p in parts]
    if target is None:
        texts[index] = f"{texts[index]} {CHOICE}"
    else:
        pattern = re.compile(rf"(?<![\w.-]){re.escape(target)}(?![\w.-])")
        texts[index] = pattern.sub(CHOICE, texts[index], count=1)
    return " ; ".join(texts)


def _backfill(parts: list[Parsed]) -> None:
    """ "stop and remove plex": a request without a name takes the next one's."""
    for i, p in enumerate(parts):
        if p.intent in TARGETED and p.target is None and p.name is None:
            later = next((q for q in parts[i + 1 :] if q.target is not None), None)
            if later is not None:
                p.target, p.borrowed = later.target, True


def _domain_target(parts: list[Parsed], index: int, inventory: Inventory) -> Clarify | None:
    """Where a domain should point, resolved into its options; or the question to ask."""
    p = parts[index]
    fqdn = str(p.opts.get("fqdn"))
    if p.intent == "domain_where":
        texts = [q.text for q in parts]
        texts[index] = f"add {fqdn} pointing to {CHOICE}"
        return helptext.where_to(fqdn, inventory, " ; ".join(texts))
    if p.intent not in domain_rules.TARGETED or p.target is None:
        return None
    host = p.target.partition("/")[0]
    found = domain_rules.resolve_target(p.target, p.opts.pop("target_port", None), inventory)
    if found.value is not None:
        p.opts["target"] = found.value
        return None
    if found.needs_port is not None:
        return helptext.which_port(found.needs_port, fqdn)
    retry = _retry(parts, index, host)
    if found.candidates:
        return helptext.ambiguous(host, found.candidates, retry)
    return helptext.unknown(host, suggestions(host, inventory), inventory, retry)


def _names(parts: list[Parsed], inventory: Inventory) -> list[Parsed] | Clarify:
    """Every request with its container resolved, or the question to ask first."""
    out: list[Parsed] = []
    seen: list[str] = []
    for i, p in enumerate(parts):
        if (pin := sunshine_rules.settle(p.intent, p.opts)) is not None:
            return db_targets.retried(pin, [q.text for q in parts], i)
        if p.intent in db_rules.DB_INTENTS:
            asked = db_targets.settle(p.intent, p.opts, inventory)
            if asked is not None:
                return db_targets.retried(asked, [q.text for q in parts], i)
            out.append(p)
            continue
        if p.intent in ha_rules.HA_INTENTS:
            asked = ha_targets.settle(p.opts["ha"], inventory)
            if asked is not None:
                return db_targets.retried(asked, [q.text for q in parts], i)
            out.append(p)
            continue
        if p.intent in domain_rules.DOMAIN_INTENTS:
            asked = _domain_target(parts, i, inventory)
            if asked is not None:
                return asked
            out.append(p)
            continue
        if p.intent not in TARGETED or p.name is not None:
            out.append(p)
            seen += [p.name] if p.name else []
            continue
        typed = p.target
        owner = next(
            (j for j in range(i, len(parts)) if parts[j].target == typed and not parts[j].borrowed),
            i,
        )
        retry = _retry(parts, owner, typed)
        if typed is None:
            return helptext.missing(p.intent, inventory, retry)
        if is_quantifier(typed):
            return helptext.many(p.intent, typed, inventory, retry)
        if typed in PLURAL_PRONOUNS and seen:
            out += [Parsed(p.intent, p.text, typed, n, p.opts) for n in dict.fromkeys(seen)]
            continue
        if typed in PRONOUNS or typed in PLURAL_PRONOUNS:
            if not seen:
                return helptext.which_pronoun(typed, retry, inventory)
            p.name = seen[-1]
        else:
            found = resolve(typed, inventory)
            if found.ambiguous:
                return helptext.ambiguous(typed, found.candidates, retry)
            if found.name is None:
                close = suggestions(typed, inventory)
                return helptext.unknown(typed, close, inventory, retry)
            p.name = found.name
        seen.append(p.name)
        out.append(p)
    return out


def route(text: str, inventory: Inventory) -> Routed:
    """Map one message onto tool calls, a question back, or help (never a guessed name)."""
    normalized, quoted = normalize(domain_words.protect_ports(text))
    normalized = _VOLUMES.sub(r"with \1 \2volumes", normalized)
    normalized = _RESOURCES.sub("resource", normalized)
    parts = [core(c) for c in clauses(normalized)]
    # "the stream bot data is gone" says what happened and which database a restore is about.
    lost = [name for p in parts if p and (name := db_rules.lost(p))]
    parts = [p for p in parts if p and not is_remark(p) and not db_rules.is_remark(p)]
    if not parts:
        return helptext.no_match(text, inventory, [], [])
    parsed: list[Parsed] = []
    understood: list[str] = []
    missed: list[str] = []
    for part in parts:
        found = None
        if len(part) <= MAX_CLAUSE:
            found = _match(part, quoted, inventory)
            # A bare name after a request repeats that request ("restart plex and n8n").
            if parsed and (found is None or found.weak or parsed[-1].intent == "prune"):
                found = _continue(part, parsed[-1], quoted, inventory) or found
        if found is None:
            missed.append(unquote(part, quoted))
        else:
            parsed.append(found)
            understood.append(unquote(part, quoted))
    if missed:
        return helptext.no_match(text, inventory, understood, missed)
    _backfill(parsed)
    for p in parsed:
        if p.intent == "db_restore" and "db" not in p.opts and lost:
            p.opts["db"] = lost[-1]
    resolved = _names(parsed, inventory)
    if isinstance(resolved, Clarify):
        return resolved
    calls: list[PlannedCall] = []
    for p in resolved:
        if p.intent in db_rules.DB_INTENTS:
            calls += db_calls.calls_for(p.intent, p.opts, inventory)
        elif p.intent in ha_rules.HA_INTENTS:
            calls += ha_targets.calls_for(p.opts["ha"], inventory)
        else:
            calls += calls_for(p.intent, p.name, p.opts)
    return Calls(calls=merge(calls))


def answer(reply: str, clarify: Clarify, inventory: Inventory) -> str | None:
    """The original request with the person's answer filled in, if the reply is an answer."""
    if not clarify.retry or CHOICE not in clarify.retry:
        return None
    normalized, _ = normalize(reply)
    said = core(normalized.replace(",", " ").replace(";", " "))
    said = re.sub(r"^(?:i mean|i meant|the|use|pick|take|go with|no|number)\s+", "", said)
    said = re.sub(r"\s+(?:one|container|please)$", "", said).strip()
    choice: str | None = None
    options = clarify.options
    if said in _ORDINALS and options:
        choice = options[_ORDINALS[said]]
    elif said.isdigit() and 1 <= int(said) <= len(options):
        choice = options[int(said) - 1]
    elif said in _YES and len(options) == 1:
        choice = options[0]
    elif said and not said.isdigit():
        among = resolve(said, Inventory(containers=options)) if options else None
        if among is not None and among.name is not None:
            choice = among.name
        else:
            exact = resolve(said, inventory)
            if exact.name is not None and exact.name.lower() == said.replace(" ", "-"):
                choice = exact.name
    if choice is None:
        return None
    return clarify.retry.replace(CHOICE, choice)
