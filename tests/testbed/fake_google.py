"""A loopback stand-in for Google's OAuth token endpoint, Calendar v3, Gmail v1 and Drive v3.

Written from Google's public documentation: the token endpoint's refresh_token and JWT-bearer
grants (400 invalid_grant when refused), events.list, users.messages.send (base64url raw
MIME), files.create with uploadType=multipart or resumable (308 Resume Incomplete with
Range), files.list and files.delete, and Google's JSON error replies. The API descriptions
are the discovery documents google-api-python-client ships, with rootUrl pointed here.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import googleapiclient
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tests.testbed.fake_service import HANG_UP, FakeService, Reply, Request, json_reply, serve

CLIENT_ID = "jarvis-test.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-client-secret-1d2f"
REFRESH_TOKEN = "1//0test-refresh-token-7c41e9b2a5"
FOLDER = "1BackupFolderId"
DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}


def google_error(code: int, message: str, reason: str = "") -> Reply:
    """Google's JSON error body: code, message, errors[] with a reason, status."""
    errors = [{"domain": "global", "reason": reason or "error", "message": message}]
    status = STATUS.get(code, "INTERNAL" if code >= 500 else "INVALID_ARGUMENT")
    return json_reply(
        code, {"error": {"code": code, "message": message, "errors": errors, "status": status}}
    )


@dataclass
class DriveFile:
    """A file in the stand-in's Drive."""

    id: str
    name: str
    parents: list[str]
    content: bytes = b""

    def resource(self) -> dict[str, Any]:
        """The files resource with the fields the client asks for."""
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "parents": self.parents,
            "size": str(len(self.content)),
            "md5Checksum": hashlib.md5(self.content, usedforsecurity=False).hexdigest(),
        }


@dataclass
class Upload:
    """A resumable upload session."""

    meta: dict[str, Any]
    total: int
    data: bytearray = field(default_factory=bytearray)


class FakeGoogle(FakeService):
    """Token endpoint, Calendar, Gmail and Drive for one account, with failures on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.service_account_keys: dict[str, str] = {}  # client_email -> public key PEM
        self.events: dict[str, list[dict[str, Any]]] = {"primary": []}
        self.sent: list[EmailMessage] = []
        self.folders = {FOLDER}
        self.files: dict[str, DriveFile] = {}
        self.uploads: dict[str, Upload] = {}
        self.api_failures: list[Reply] = []
        self.damage_next_upload = False
        # Sends that are delivered but whose answer is lost (the connection drops).
        self.hang_up_after_send = 0

    @property
    def url(self) -> str:
        """The API root to configure (as https://www.googleapis.com is Google's)."""
        return self.base_url

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.base_url}/token"

    def fail_api(self, code: int, message: str, reason: str = "", times: int = 1) -> None:
        """Answer the next `times` API calls (not token or discovery requests) with an error."""
        self.api_failures.extend(google_error(code, message, reason) for _ in range(times))

    def api_calls(self, method: str | None = None) -> list[str]:
        """The API paths called (token and discovery requests left out)."""
        return [p for p in self.paths(method) if p != "/token" and not p.startswith("/discovery")]

    def handle(self, request: Request) -> Reply:
        """Route one request."""
        path = request.path
        if path == "/token" and request.method == "POST":
            return self._token(request)
        if path.startswith("/discovery/v1/apis/"):
            return self._discovery(path)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return google_error(401, "Request had invalid authentication credentials.", "authError")
        if self.api_failures:
            return self.api_failures.pop(0)
        return self._api(request)

    # -- OAuth ------------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return json_reply(
                    401, {"error": "invalid_client", "error_description": "Unauthorized"}
                )
            if form.get("refresh_token") != REFRESH_TOKEN:
                return json_reply(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
        elif grant == JWT_BEARER:
            if not self._signed_by_known_key(form.get("assertion", "")):
                return json_reply(
                    400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
                )
        else:
            return json_reply(400, {"error": "unsupported_grant_type"})
        token = "ya29." + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return json_reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _signed_by_known_key(self, assertion: str) -> bool:
        """An RS256 JWT from a known service account, for this token endpoint."""
        try:
            head, body, signature = assertion.split(".")
            claims = json.loads(_unb64(body))
            key = load_pem_public_key(self.service_account_keys[claims["iss"]].encode())
            assert isinstance(key, RSAPublicKey)
            key.verify(_unb64(signature), f"{head}.{body}".encode(), PKCS1v15(), SHA256())
        except (ValueError, KeyError, InvalidSignature):
            return False
        # The audience is Google's token endpoint whichever address was asked (as documented).
        return bool(claims.get("aud") == GOOGLE_TOKEN_URI)

    def _discovery(self, path: str) -> Reply:
        parts = path.split("/")  # /discovery/v1/apis/{api}/{version}/rest
        document = DOCUMENTS / f"{parts[4]}.{parts[5]}.json" if len(parts) == 7 else None
        if document is None or not document.is_file():
            return google_error(404, "Not Found", "notFound")
        doc = json.loads(document.read_text())
        doc["rootUrl"] = self.base_url + "/"
        doc["mtlsRootUrl"] = self.base_url + "/"
        doc["baseUrl"] = self.base_url + "/" + doc["servicePath"]
        return json_reply(200, doc)

    # -- APIs -------------------------------------------------------------------------------

    def _api(self, request: Request) -> Reply:
        path, method = request.path, request.method
        events = re.fullmatch(r"/calendar/v3/calendars/([^/]+)/events", path)
        if events and method == "GET":
            return self._events(unquote(events.group(1)), request.query)
        if path == "/gmail/v1/users/me/messages/send" and method == "POST":
            return self._send(request)
        if path == "/upload/drive/v3/files" and method == "POST":
            kind = request.query.get("uploadType")
            if kind == "multipart":
                return self._multipart(request)
            if kind == "resumable":
                return self._start_upload(request)
        if path == "/upload/drive/v3/files" and method == "PUT":
            return self._chunk(request)
        if path == "/drive/v3/files" and method == "GET":
            return self._list_files(request.query.get("q", ""))
        one = re.fullmatch(r"/drive/v3/files/([^/]+)", path)
        if one and method == "DELETE":
            if self.files.pop(one.group(1), None) is None:
                return google_error(404, f"File not found: {one.group(1)}.", "notFound")
            return Reply(204, b"")
        return google_error(404, f"no such method: {method} {path}", "notFound")

    def _events(self, calendar: str, query: dict[str, str]) -> Reply:
        if calendar not in self.events:
            return google_error(404, "Not Found", "notFound")
        start, end = query.get("timeMin", ""), query.get("timeMax", "")
        # RFC 3339 in UTC compare as text; the tests' events are written in UTC.
        hits = [
            e
            for e in self.events[calendar]
            if _when(e["end"]) > _utc(start) and _when(e["start"]) < _utc(end)
        ]
        hits.sort(key=lambda e: _when(e["start"]))
        size = int(query.get("maxResults") or 250)
        first = int(query.get("pageToken") or 0)
        page: dict[str, Any] = {"kind": "calendar#events", "items": hits[first : first + size]}
        if first + size < len(hits):
            page["nextPageToken"] = str(first + size)
        return json_reply(200, page)

    def _send(self, request: Request) -> Reply:
        raw = request.json().get("raw", "")
        message = email.message_from_bytes(_unb64(raw), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.sent.append(message)
        if self.hang_up_after_send:
            self.hang_up_after_send -= 1
            return Reply(HANG_UP)
        ident = secrets.token_hex(8)
        return json_reply(200, {"id": ident, "threadId": ident, "labelIds": ["SENT"]})

    def _store(self, meta: dict[str, Any], content: bytes) -> Reply:
        parents = list(meta.get("parents") or [])
        missing = [p for p in parents if p not in self.folders]
        if missing:
            return google_error(404, f"File not found: {missing[0]}.", "notFound")
        if self.damage_next_upload and content:
            self.damage_next_upload = False
            content = bytes([content[0] ^ 0xFF]) + content[1:]
        made = DriveFile(secrets.token_urlsafe(12), str(meta.get("name", "")), parents, content)
        self.files[made.id] = made
        return json_reply(200, made.resource())

    def _multipart(self, request: Request) -> Reply:
        head = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
        parsed = email.message_from_bytes(head + request.body, policy=email.policy.HTTP)
        parts = list(parsed.iter_parts()) if parsed.is_multipart() else []
        if len(parts) != 2:
            return google_error(400, "Bad multipart body", "badContent")
        meta = json.loads(_payload(parts[0]) or b"{}")
        return self._store(meta, _payload(parts[1]))

    def _start_upload(self, request: Request) -> Reply:
        ident = secrets.token_urlsafe(12)
        total = int(request.headers.get("X-Upload-Content-Length") or -1)
        self.uploads[ident] = Upload(request.json() or {}, total)
        where = f"{self.base_url}/upload/drive/v3/files?uploadType=resumable&upload_id={ident}"
        return Reply(200, b"", headers={"Location": where})

    def _chunk(self, request: Request) -> Reply:
        upload = self.uploads.get(request.query.get("upload_id", ""))
        if upload is None:
            return google_error(404, "No such upload session", "notFound")
        span = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", request.headers.get("Content-Range", ""))
        if span:
            if int(span.group(1)) != len(upload.data):
                return google_error(400, "Chunk does not continue the upload", "badContent")
            upload.data.extend(request.body)
        if len(upload.data) < upload.total:
            held = {"Range": f"bytes=0-{len(upload.data) - 1}"} if upload.data else {}
            return Reply(308, b"", headers=held)
        return self._store(upload.meta, bytes(upload.data))

    def _list_files(self, q: str) -> Reply:
        name = re.search(r"name = '((?:[^'\\]|\\.)*)'", q)
        parent = re.search(r"'([^']+)' in parents", q)
        found = [
            f.resource()
            for f in self.files.values()
            if (name is None or f.name == re.sub(r"\\(.)", r"\1", name.group(1)))
            and (parent is None or parent.group(1) in f.parents)
        ]
        return json_reply(200, {"kind": "drive#fileList", "files": found})


def _payload(part: Any) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z")


def _when(moment: dict[str, str]) -> str:
    return _utc(moment.get("dateTime") or f"{moment.get('date')}T00:00:00Z")


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    """The stand-in on a free loopback port."""
    with serve(FakeGoogle()) as service:
        assert isinstance(service, FakeGoogle)
        yield service
