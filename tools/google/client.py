"""Calendar, Gmail and Drive through google-api-python-client, run off the event loop.

The library is synchronous (httplib2), so every call runs in a worker thread. The API root
and token endpoint come from the stored integration: Google's own by default (the discovery
documents the library ships), any other root serves its discovery documents itself.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httplib2
from googleapiclient import discovery
from googleapiclient.errors import HttpError, InvalidJsonError, UnknownApiNameOrVersion
from googleapiclient.http import MediaFileUpload

from core.errors import BadReply, JarvisError
from core.settings import IntegrationsSettings
from tools.google.auth import (
    GOOGLE_API_ROOT,
    Account,
    authorized_http,
    http_status,
    refresh,
    retryable,
    typed,
)

# googleapiclient logs every request line (calendar ids, addresses) and google-auth's debug
# records carry the token requests: neither belongs in Jarvis's logs.
for _noisy in ("googleapiclient", "google.auth", "google_auth_httplib2"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

T = TypeVar("T")
APIS = {"calendar": "v3", "gmail": "v1", "drive": "v3"}
DISCOVERY_PATH = "/discovery/v1/apis/{api}/{apiVersion}/rest"
# A POST that failed with one of these was not processed, so sending it again is safe; a
# proxy's 502 or 504 says the reply was lost or late, not that the e-mail was not sent.
UNPROCESSED = frozenset({429, 503})
# Files up to this size go in one multipart request; larger ones in resumable chunks.
CHUNK_BYTES = 8 * 1024 * 1024
FILE_FIELDS = "id,name,size,md5Checksum,parents"
MAX_EVENT_PAGES = 20


class Google:
    """One Google account's Calendar, Gmail and Drive; built per call, closed after."""

    def __init__(self, account: Account, api_root: str, settings: IntegrationsSettings) -> None:
        self.account = account
        self.api_root = api_root.rstrip("/")
        self._settings = settings
        self._http = authorized_http(account.credentials(), settings.timeout_seconds)
        self._services: dict[str, Any] = {}

    @property
    def where(self) -> str:
        """The API root, for messages."""
        return self.api_root

    async def aclose(self) -> None:
        """Close the connections."""
        self._http.close()

    async def _run(self, work: Callable[[], T], what: str, *, safe: bool = True) -> T:
        """Run a blocking call in a thread; retry 429/5xx within the settings, typed errors."""
        attempts = self._settings.retries + 1
        for attempt in range(attempts):
            try:
                return await asyncio.to_thread(work)
            except HttpError as exc:
                again = retryable(exc) and (safe or http_status(exc) in UNPROCESSED)
                if not again or attempt == attempts - 1:
                    raise typed(exc, what) from None
                await asyncio.sleep(self._pause(attempt))
            except (UnknownApiNameOrVersion, InvalidJsonError):
                raise BadReply(
                    f"{self.api_root} does not serve Google's {what} API description; "
                    "is the URL Google's API root?"
                ) from None
            except JarvisError:
                raise
            except Exception as exc:  # google-auth, httplib2 and socket errors, typed
                # A dropped connection is asked again only when the call is safe to repeat
                # (a timeout is not: it already waited its full time).
                dropped = isinstance(exc, (OSError, httplib2.HttpLib2Error)) and not isinstance(
                    exc, TimeoutError
                )
                if not (safe and dropped) or attempt == attempts - 1:
                    raise typed(exc, what) from None
                await asyncio.sleep(self._pause(attempt))
        raise AssertionError("unreachable: the loop returns or raises on its last attempt")

    def _pause(self, attempt: int) -> float:
        # Jittered exponential backoff, as Google's API guidelines ask.
        base = self._settings.backoff_seconds * (2**attempt)
        return float(min(base * (1 + random.random()), self._settings.max_retry_after_seconds))

    async def _service(self, api: str) -> Any:
        if api not in self._services:

            def build() -> Any:
                if self.api_root == GOOGLE_API_ROOT:
                    # The description the library ships: no request before the first call.
                    return discovery.build(
                        api,
                        APIS[api],
                        http=self._http,
                        cache_discovery=False,
                        static_discovery=True,
                    )
                return discovery.build(
                    api,
                    APIS[api],
                    http=self._http,
                    cache_discovery=False,
                    static_discovery=False,
                    discoveryServiceUrl=self.api_root + DISCOVERY_PATH,
                )

            self._services[api] = await self._run(build, api)
        return self._services[api]

    async def probe(self) -> str:
        """Refresh the access token and load the Calendar API: both endpoints answer."""
        await self._run(lambda: refresh(self._http), "token endpoint")
        await self._service("calendar")
        return f"Google ({self.account.kind().replace('_', ' ')} accepted; APIs at {self.api_root})"

    async def events(self, calendar: str, start: str, end: str, limit: int) -> list[dict[str, Any]]:
        """Calendar events.list: single events between start and end, by start time."""
        service = await self._service("calendar")
        found: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(MAX_EVENT_PAGES):
            request = service.events().list(
                calendarId=calendar,
                timeMin=start,
                timeMax=end,
                singleEvents=True,
                orderBy="startTime",
                maxResults=min(250, limit),
                pageToken=token,
            )
            page = await self._run(request.execute, "calendar")
            found.extend(page.get("items") or [])
            token = page.get("nextPageToken")
            if not token or len(found) >= limit:
                break
        return found[:limit]

    async def send(self, message: bytes) -> dict[str, Any]:
        """Gmail users.messages.send of a complete MIME message."""
        service = await self._service("gmail")
        raw = base64.urlsafe_b64encode(message).decode("ascii")
        request = service.users().messages().send(userId="me", body={"raw": raw})
        sent: dict[str, Any] = await self._run(request.execute, "gmail", safe=False)
        return sent

    async def find_file(self, folder: str, name: str) -> list[dict[str, Any]]:
        """Drive files.list: files called `name` in `folder` (not trashed)."""
        service = await self._service("drive")
        quoted = name.replace("\\", "\\\\").replace("'", "\\'")
        query = f"name = '{quoted}' and '{folder}' in parents and trashed = false"
        request = service.files().list(q=query, fields=f"files({FILE_FIELDS})", pageSize=10)
        page = await self._run(request.execute, "drive")
        return list(page.get("files") or [])

    async def upload(
        self, path: Path, name: str, folder: str, *, chunk: int = CHUNK_BYTES
    ) -> dict[str, Any]:
        """Drive files.create with the file's content: multipart, or resumable when large."""
        service = await self._service("drive")
        size = path.stat().st_size
        resumable = size > chunk
        media = MediaFileUpload(
            str(path), mimetype="application/octet-stream", resumable=resumable, chunksize=chunk
        )
        request = service.files().create(
            body={"name": name, "parents": [folder]}, media_body=media, fields=FILE_FIELDS
        )
        if not resumable:
            made: dict[str, Any] = await self._run(request.execute, "drive", safe=False)
            return made
        retries = self._settings.retries
        response = None
        while response is None:
            # next_chunk resumes from what Drive says it holds, and retries 5xx itself.
            _, response = await self._run(lambda: request.next_chunk(num_retries=retries), "drive")
        return dict(response)

    async def delete_file(self, file_id: str) -> None:
        """Drive files.delete (an upload that arrived damaged)."""
        service = await self._service("drive")
        await self._run(service.files().delete(fileId=file_id).execute, "drive")
