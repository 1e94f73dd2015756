"""Replace secrets with stable placeholders before they reach the model, logs or audit."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from typing import Any

PLACEHOLDER_RE = re.compile(r"\[\[secret:([0-9a-f]{12})\]\]")

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
    # KEY=value pairs in env-like text (docker env lists, shell output)
    re.compile(
        r"(?i)\b[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|"
        r"ACCESS_KEY|CREDENTIALS?|DSN|DATABASE_URL)[A-Z0-9_]*\s*[=:]\s*(?P<secret>[^\s\"',;]+)"
    ),
]

DEFAULT_SALT = b"jarvis-redaction"

SecretSink = Callable[[str, str], None]


def placeholder_for(secret: str, salt: bytes = DEFAULT_SALT) -> str:
    """The stable placeholder of a secret value (same value, same placeholder)."""
    digest = hmac.new(salt, secret.encode(), hashlib.sha256).hexdigest()[:12]
    return f"[[secret:{digest}]]"


def is_secret_key(key: str) -> bool:
    """Whether a mapping key or variable name names a secret."""
    return bool(_SECRET_KEY_RE.search(key))


class Redactor:
    """Finds secrets in text and structures; reports each (placeholder, value) to a sink."""

    def __init__(self, salt: bytes = DEFAULT_SALT, sink: SecretSink | None = None) -> None:
        self._salt = salt
        self._sink = sink

    def _replace(self, secret: str) -> str:
        if not secret or PLACEHOLDER_RE.fullmatch(secret):
            return secret
        ph = placeholder_for(secret, self._salt)
        if self._sink is not None:
            self._sink(ph, secret)
        return ph

    def text(self, value: str) -> str:
        """Redact secrets found in free text."""
        for pattern in _VALUE_PATTERNS:
            if "secret" in pattern.groupindex:
                value = pattern.sub(
                    lambda m: (
                        m.group(0)[: m.start("secret") - m.start(0)]
                        + self._replace(m.group("secret"))
                        + m.group(0)[m.end("secret") - m.start(0) :]
                    ),
                    value,
                )
            else:
                value = pattern.sub(lambda m: self._replace(m.group(0)), value)
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


_plain = Redactor()


def redact_text(value: str) -> str:
    """Redact secrets in text without recording them (for logs)."""
    return _plain.text(value)


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a structure without recording the secrets (for logs)."""
    return _plain.value(value, key=key)


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
