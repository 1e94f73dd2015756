"""Replace secrets with stable placeholders before they reach the model, logs or audit."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER_RE = re.compile(r"\[\[secret:([0-9a-f]{12})\]\]")
OPAQUE = "[[redacted]]"

# Keys whose values are secrets whatever they look like.
_SECRET_KEY_RE = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|"
    r"auth|dsn|database_url|db_url|conn(ection)?_?str|session[_-]?key|signing[_-]?key|cookie)",
    re.IGNORECASE,
)

# Values that are secrets wherever they appear in text.
_VALUE_PATTERNS: list[re.Pattern[str]] = [
    # user:password@ in URLs / DSNs: only the password is secret
    re.compile(r"(?<=://)[^\s:/@]+:(?P<secret>[^\s@/]+)(?=@)"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9\-._~+/]{16,}=*"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}\b"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    # KEY=value, KEY: "value", "key": "value" (env lists, YAML, JSON, shell output)
    re.compile(
        r"(?i)\b[A-Z0-9_]*(?:PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|"
        r"ACCESS_KEY|CREDENTIALS?|DSN|DATABASE_URL)\b[\"']?\s*[=:]\s*[\"']?"
        r"(?P<secret>[^\s\"',;]+)"
    ),
]


def _combined(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches where any of them does: most strings need only this search."""
    parts = []
    for pattern in patterns:
        body = pattern.pattern.replace("(?P<secret>", "(")
        parts.append(f"(?i:{body[4:]})" if body.startswith("(?i)") else f"(?:{body})")
    return re.compile("|".join(parts))


_ANY_SECRET = _combined(_VALUE_PATTERNS)

DEFAULT_SALT = b"jarvis-redaction"

SecretSink = Callable[[str, str], None]


def placeholder_for(secret: str, salt: bytes = DEFAULT_SALT) -> str:
    """The stable placeholder of a secret value (same value, same placeholder)."""
    digest = hmac.new(salt, secret.encode(), hashlib.sha256).hexdigest()[:12]
    return f"[[secret:{digest}]]"


def is_secret_key(key: str) -> bool:
    """Whether a mapping key or variable name names a secret."""
    return bool(_SECRET_KEY_RE.search(key))


def _outside_placeholders(text: str, fn: Callable[[str], str]) -> str:
    """Apply `fn` to the parts of `text` that are not placeholders already."""
    if "[[" not in text:
        return fn(text)
    parts = re.split(r"(\[\[secret:[0-9a-f]{12}\]\]|\[\[redacted\]\])", text)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


class Redactor:
    """Finds secrets in text and structures.

    With a salt, each secret becomes a stable placeholder that is reported to the sink (so the
    gate can keep it encrypted and resolve it later). Without one (logs, the audit safety net),
    secrets become an opaque marker that nothing can be matched against.
    """

    def __init__(self, salt: bytes | None = DEFAULT_SALT, sink: SecretSink | None = None) -> None:
        self._salt = salt
        self._sink = sink

    def _replace(self, secret: str) -> str:
        if not secret or PLACEHOLDER_RE.fullmatch(secret) or secret == OPAQUE:
            return secret
        if self._salt is None:
            return OPAQUE
        ph = placeholder_for(secret, self._salt)
        if self._sink is not None:
            self._sink(ph, secret)
        return ph

    def _one(self, pattern: re.Pattern[str], text: str) -> str:
        if "secret" not in pattern.groupindex:
            return pattern.sub(lambda m: self._replace(m.group(0)), text)

        def keep_prefix(m: re.Match[str]) -> str:
            start, end = m.start("secret") - m.start(0), m.end("secret") - m.start(0)
            whole = m.group(0)
            return whole[:start] + self._replace(m.group("secret")) + whole[end:]

        return pattern.sub(keep_prefix, text)

    def text(self, value: str) -> str:
        """Redact secrets found in free text (placeholders already there are left alone)."""
        if not _ANY_SECRET.search(value):
            return value
        for pattern in _VALUE_PATTERNS:
            value = _outside_placeholders(value, functools.partial(self._one, pattern))
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        """Redact a JSON-like structure; values under secret-looking keys go whole."""
        if isinstance(value, Mapping):
            return {k: self.value(v, key=str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v, key=key) for v in value]
        if isinstance(value, str):
            if key is not None and is_secret_key(key) and value:
                return self._replace(value)
            return self.text(value)
        return value


_opaque = Redactor(salt=None)


def redact_text(value: str) -> str:
    """Redact secrets in text with an opaque marker (for logs and displays)."""
    return _opaque.text(value)


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a structure with an opaque marker (for logs and the audit safety net)."""
    return _opaque.value(value, key=key)


def find_placeholders(value: Any) -> set[str]:
    """All placeholders that occur in a JSON-like structure."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for v in value.values():
            found |= find_placeholders(v)
    elif isinstance(value, list | tuple):
        for v in value:
            found |= find_placeholders(v)
    elif isinstance(value, str):
        found |= {m.group(0) for m in PLACEHOLDER_RE.finditer(value)}
    return found


def substitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """Replace placeholders in a structure by the values in `mapping`."""
    if isinstance(value, Mapping):
        return {k: substitute(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, mapping) for v in value]
    if isinstance(value, str):
        return PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
    return value


def _forms(secret: str) -> list[str]:
    """The secret as it may appear in messages: plain, repr-escaped, JSON-escaped."""
    return list(dict.fromkeys([secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]]))


def unsubstitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """Put placeholders back wherever a resolved secret value appears (one pass, longest first)."""
    if not mapping:
        return value
    back = {form: ph for ph, secret in mapping.items() if secret for form in _forms(secret)}
    if not back:
        return value
    pattern = re.compile("|".join(re.escape(f) for f in sorted(back, key=len, reverse=True)))
    return _unsub(value, pattern, back)


def _unsub(value: Any, pattern: re.Pattern[str], back: Mapping[str, str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _unsub(v, pattern, back) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsub(v, pattern, back) for v in value]
    if isinstance(value, str):
        return pattern.sub(lambda m: back[m.group(0)], value)
    return value
