"""Text handling for routing: normalising a message, politeness, clauses and numbers."""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": '"'})
_CONTRACTIONS = {
    "what's": "what is",
    "whats": "what is",
    "how's": "how is",
    "hows": "how is",
    "who's": "who is",
    "where's": "where is",
    "that's": "that is",
    "there's": "there is",
    "it's": "it is",
    "i'm": "i am",
    "i'd": "i would",
    "let's": "let us",
    "lets": "let us",
    "can't": "cannot",
    "don't": "do not",
    "doesn't": "does not",
    "isn't": "is not",
    "aren't": "are not",
    "won't": "will not",
    "wanna": "want to",
    "gimme": "give me",
    "lemme": "let me",
}
# Gerunds after "would you mind", "try" and the like, back to the imperative.
_GERUNDS = {
    "restarting": "restart",
    "rebooting": "reboot",
    "stopping": "stop",
    "removing": "remove",
    "deleting": "delete",
    "showing": "show",
    "checking": "check",
    "pruning": "prune",
    "listing": "list",
    "inspecting": "inspect",
    "killing": "kill",
    "tailing": "tail",
}
_CONTRACTION_RE = re.compile(
    r"(?<![\w'])(" + "|".join(re.escape(k) for k in _CONTRACTIONS) + r")(?![\w'])"
)
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'([^'\n]{1,200})'(?![\w'])")
_QUOTED = re.compile(r'"([^"\n]{1,200})"')
_UNWANTED = re.compile(r"[^a-z0-9_.\-/ ,;\"]")
_SPLIT = re.compile(r"\s*(?:[,;]|\band then\b|\bthen\b|\band also\b|\band\b|\balso\b|\bplus\b)\s*")
_LEAD = re.compile(
    r"^(?:hey|hi|hello|ok|okay|so|um|uh|yo|alright|right|now|then|and|also|jarvis|"
    r"please|pls|plz|kindly|just|quickly|quick|first|next|finally|"
    r"(?:would|do) you mind(?: to)?|"
    r"(?:can|could|would|will) you(?: please| kindly| just| quickly)?(?: go ahead and)?|"
    r"go ahead and|try to|try and|help me(?: to)?|"
    r"(?:can|could|may) (?:i|we)(?: please)?(?: get| have| see| view)?|"
    r"i (?:want|need|would like|wish)(?: you)?(?: to)?|we (?:want|need)(?: to)?|let us|"
    r"i would like you to|i want you to)\s+"
)
_TRAIL = re.compile(
    r"\s+(?:please|pls|plz|thanks|thank you|thx|ty|now|right now|for me|asap|real quick|"
    r"quickly|jarvis|if you can|if possible|when you can|for me please|thanks jarvis|again|"
    r"for now|for a bit|for a while|for a minute|for a moment|for a sec|at the moment|"
    r"if you could|when you get a chance|when you have a moment|as well|too|anymore)$"
)
_FILLER = frozenset(
    {"hey", "hi", "hello", "ok", "okay", "so", "jarvis", "please", "pls", "plz", "thanks"}
    | {"thx", "ty", "yo", "now", "then", "and", "also"}
)
# Clauses that only comment on the request ("it is slow again") or are thanks.
_REMARK = re.compile(
    r"^(?:it is|it has|it was|it seems|its|seems|looks like|i think|because|cause|since it|"
    r"as it|thanks|thank you|thx|cheers|ok|okay|lol|great|cool)\b"
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "one hundred": 100,
    "few": 20,
    "a few": 20,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
}
NUM = r"(?:\d{1,6}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + ")"


def number(word: str | None, default: int) -> int:
    """A number written as digits or a small English word."""
    if word is None:
        return default
    word = word.strip()
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word, default)


def normalize(text: str) -> tuple[str, list[str]]:
    """Lower case, contractions expanded, punctuation dropped; quoted text set aside.

    Quoted phrases become `"0"`, `"1"`, ... so splitting cannot cut them; the list holds them.
    """
    text = text.translate(_QUOTES).lower()
    text = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1)], text)
    text = _SINGLE_QUOTED.sub(r'"\1"', text)
    quoted: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quoted.append(" ".join(match.group(1).split()))
        return f' "{len(quoted) - 1}" '

    text = _QUOTED.sub(keep, text)
    text = re.sub(r"'s\b", "", text).replace("'", "")
    text = _UNWANTED.sub(" ", text)
    words = [_GERUNDS.get(w, w) for w in text.split()]
    words = [w.rstrip(".") if not w.startswith("-") else w for w in words]
    return " ".join(w for w in words if w.strip(".-/")), quoted


def unquote(text: str, quoted: list[str]) -> str:
    """Put quoted phrases back in place of their `"n"` markers."""
    return re.sub(r'"(\d+)"', lambda m: quoted[int(m.group(1))], text)


def clauses(text: str) -> list[str]:
    """The message cut into requests at "and", ",", ";", "then", "also"."""
    parts = [p.strip() for p in _SPLIT.split(text)]
    return [p for p in parts if p]


def core(clause: str) -> str:
    """The clause without greetings, politeness and trailing courtesy."""
    previous = None
    while previous != clause:
        previous = clause
        clause = _LEAD.sub("", clause).strip()
        clause = _TRAIL.sub("", clause).strip()
    return "" if clause in _FILLER else clause


def is_remark(clause: str) -> bool:
    """True for a clause that only comments ("it is slow again") or thanks."""
    return bool(_REMARK.match(clause))
