"""DNS providers reached through dns-lexicon (Cloudflare and the many others it supports).

Lexicon is synchronous and its HTTP calls carry no timeout, so every operation runs in a
worker thread under an overall deadline. The provider is built from lexicon's provider class
and a `ConfigResolver` directly rather than through `lexicon.client.Client`: the client
guesses the zone from the public suffix list (a download) or the system resolver, while the
zone is already known here.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from lexicon.config import ConfigResolver
from lexicon.exceptions import AuthenticationError, LexiconError
from pydantic import SecretStr

from core.errors import (
    AuthFailed,
    BadInput,
    ChangeFailed,
    JarvisError,
    NotFound,
    RateLimited,
    Unreachable,
)
from core.fqdn import normalise_fqdn
from tools.dns.base import (
    RECORD_TYPES,
    Capabilities,
    ChangeResult,
    DnsProvider,
    check_values,
    normalise_type,
)
from tools.dns.propagation import normalize

T = TypeVar("T")
PROVIDERS_PACKAGE = "lexicon._private.providers"
CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"
MULTI_VALUE = frozenset({"A", "AAAA", "TXT", "MX", "CAA", "NS", "SRV"})


class LexiconProvider(DnsProvider):
    """Records in one zone at a provider lexicon supports (e.g. `cloudflare` with a token)."""

    def __init__(
        self,
        provider_name: str,
        zone: str,
        auth_token: SecretStr,
        *,
        auth_username: str | None = None,
        options: Mapping[str, str] | None = None,
        api_base_url: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not provider_name.isidentifier():
            raise BadInput(f"{provider_name!r} is not a lexicon provider name")
        try:
            module = importlib.import_module(f"{PROVIDERS_PACKAGE}.{provider_name}")
        except ImportError as exc:
            raise BadInput(
                f"lexicon has no provider {provider_name!r} (or its extra is missing): {exc}"
            ) from None
        self._provider_class: type[Any] = module.Provider
        self.name = f"lexicon:{provider_name}"
        self.provider_name = provider_name
        self.zone = normalise_fqdn(zone)
        self._token = auth_token
        self._username = auth_username
        self._options = dict(options or {})
        # The provider classes keep their API root in `api_endpoint`; setting it on the
        # instance (before authenticate) is the one hook that points them elsewhere.
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.timeout = timeout

    @property
    def capabilities(self) -> Capabilities:
        """Every supported type, read through the provider's API."""
        return Capabilities(record_types=RECORD_TYPES, api_reads=True, multi_value=MULTI_VALUE)

    def _config(self, ttl: int) -> ConfigResolver:
        provider_options: dict[str, Any] = {
            **self._options,
            "auth_token": self._token.get_secret_value(),
        }
        if self._username:
            provider_options["auth_username"] = self._username
        # ConfigResolver.__init__ carries no annotations in lexicon 3.
        resolver = ConfigResolver()  # type: ignore[no-untyped-call]
        return resolver.with_dict(
            {
                "provider_name": self.provider_name,
                "domain": self.zone,
                "ttl": ttl,
                self.provider_name: provider_options,
            }
        )

    def _open(self, ttl: int = 300) -> Any:
        provider = self._provider_class(self._config(ttl))
        if self.api_base_url is not None:
            if not hasattr(provider, "api_endpoint"):
                raise BadInput(f"lexicon's {self.provider_name} provider has no API address")
            provider.api_endpoint = self.api_base_url
        provider.authenticate()
        return provider

    async def _run(self, what: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(call), self.timeout)
        except TimeoutError:
            # The worker thread cannot be stopped; it ends when lexicon's request does.
            raise Unreachable(
                f"{self.provider_name} did not finish {what} within {self.timeout:g} s"
            ) from None
        except JarvisError:
            raise
        except Exception as exc:
            raise self._typed(what, exc) from None

    def _typed(self, what: str, exc: Exception) -> JarvisError:
        who = self.provider_name
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            status = exc.response.status_code
            detail = _api_message(exc.response)
            if status in (401, 403):
                return AuthFailed(f"{who} refused the credentials ({status}): {detail}")
            if status == 404:
                return NotFound(f"{who}: {what}: not found: {detail}")
            if status == 429:
                retry = exc.response.headers.get("Retry-After", "")
                wait = float(retry) if retry.replace(".", "", 1).isdigit() else None
                return RateLimited(f"{who} asks to slow down: {detail}", retry_after=wait)
            if status >= 500:
                return Unreachable(f"{who} failed ({status}) on {what}: {detail}")
            return BadInput(f"{who} rejected {what} ({status}): {detail}")
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return Unreachable(f"{who} is unreachable: {exc}")
        if isinstance(exc, AuthenticationError):
            # Lexicon raises this both for refused credentials and for an unknown zone.
            if "found" in str(exc).lower():
                return NotFound(f"zone {self.zone} is not in this {who} account: {exc}")
            return AuthFailed(f"{who} refused the credentials: {exc}")
        if isinstance(exc, LexiconError | requests.RequestException):
            return ChangeFailed(f"{who}: {what} failed: {exc}")
        return ChangeFailed(f"{who}: {what} failed: {type(exc).__name__}: {exc}")

    def _list(self, provider: Any, fqdn: str, rtype: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = provider.list_records(rtype, fqdn)
        return [
            row
            for row in rows
            if str(row.get("type", "")).upper() == rtype
            and str(row.get("name", "")).lower().removesuffix(".") == fqdn
        ]

    async def get_records(self, fqdn: str, rtype: str) -> list[str]:
        """The values the provider holds now, sorted (empty when there are none)."""
        name, kind = normalise_fqdn(fqdn), normalise_type(rtype)

        def read() -> list[str]:
            rows = self._list(self._open(), name, kind)
            return sorted({_content(kind, row) for row in rows})

        return await self._run(f"reading {name} {kind}", read)

    async def ensure_record(
        self, fqdn: str, rtype: str, values: list[str], ttl: int = 300
    ) -> ChangeResult:
        """Make the name and type hold exactly `values`: update, create, then delete extras."""
        name, kind = normalise_fqdn(fqdn), normalise_type(rtype)
        wanted = check_values(kind, values)
        if not wanted:
            raise BadInput("ensure_record needs at least one value (use delete_record)")
        if kind == "CNAME" and len(wanted) > 1:
            raise BadInput("a CNAME holds exactly one name")

        def change() -> ChangeResult:
            provider = self._open(ttl)
            rows = self._list(provider, name, kind)
            previous = sorted({_content(kind, row) for row in rows})
            want = {normalize(kind, v): v for v in wanted}
            keep = [r for r in rows if normalize(kind, _content(kind, r)) in want]
            have = {normalize(kind, _content(kind, r)) for r in keep}
            stale = [r for r in rows if r not in keep]
            missing = [v for k, v in want.items() if k not in have]
            retime = [r for r in keep if r.get("ttl") not in (None, ttl)]
            if not stale and not missing and not retime:
                return ChangeResult(changed=False, previous=previous)
            # Reuse stale records for new values first so the name never goes empty.
            while stale and missing:
                row = stale.pop(0)
                provider.update_record(row.get("id"), kind, name, missing.pop(0))
            for row in retime:
                provider.update_record(row.get("id"), kind, name, _content(kind, row))
            for value in missing:
                provider.create_record(kind, name, value)
            for row in stale:
                provider.delete_record(row.get("id"), kind, name)
            return ChangeResult(changed=True, previous=previous)

        return await self._run(f"setting {name} {kind}", change)

    async def delete_record(self, fqdn: str, rtype: str, value: str | None = None) -> ChangeResult:
        """Remove one value (or every value) of a name and type; no call if already gone."""
        name, kind = normalise_fqdn(fqdn), normalise_type(rtype)
        target = normalize(kind, check_values(kind, [value])[0]) if value is not None else None

        def remove() -> ChangeResult:
            provider = self._open()
            rows = self._list(provider, name, kind)
            previous = sorted({_content(kind, row) for row in rows})
            doomed = [
                r for r in rows if target is None or normalize(kind, _content(kind, r)) == target
            ]
            for row in doomed:
                provider.delete_record(row.get("id"), kind, name)
            return ChangeResult(changed=bool(doomed), previous=previous)

        return await self._run(f"deleting {name} {kind}", remove)


def _content(kind: str, row: Mapping[str, Any]) -> str:
    text = str(row.get("content", ""))
    if kind == "TXT" and len(text) >= 2 and text[0] == text[-1] == '"':
        # Some providers hand TXT values back quoted.
        return text[1:-1]
    if kind in {"CNAME", "NS"}:
        return text.lower().removesuffix(".")
    return text


def _api_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(
            str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
        )
    return str(body)[:200]


def cloudflare(
    zone: str, api_token: SecretStr, *, api_base_url: str = CLOUDFLARE_API, timeout: float = 30.0
) -> LexiconProvider:
    """A Cloudflare provider for one zone, with an API token (Zone:Read + DNS:Edit)."""
    return LexiconProvider(
        "cloudflare", zone, api_token, api_base_url=api_base_url, timeout=timeout
    )
