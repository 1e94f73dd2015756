"""The Docker Engine client: connecting, running SDK calls off the event loop, typed errors."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import docker
import requests
import urllib3
from docker import errors as docker_errors
from docker.transport.basehttpadapter import BaseHTTPAdapter

from core.errors import AuthFailed, Conflict, JarvisError, NotFound, RateLimited, Unreachable
from tools.deps import ToolDeps

DEFAULT_HOST = "unix:///var/run/docker.sock"
TIMEOUT_SECONDS = 30
PRUNE_TIMEOUT_SECONDS = 600
POOL_SIZE = 16

_FRACTION = re.compile(r"\.(\d+)")
_RETRIES = urllib3.Retry(total=1, redirect=False, status=0)
# A pool closed (or run dry) under us: nothing was sent, so asking again is safe.
_POOL_ERRORS = (urllib3.exceptions.ClosedPoolError, urllib3.exceptions.EmptyPoolError)

T = TypeVar("T")
Json = dict[str, Any]


def describe_host(docker_host: str | None) -> str:
    """The address a client for `docker_host` talks to, as a person would write it."""
    return docker_host or DEFAULT_HOST


def connect(docker_host: str | None) -> docker.DockerClient:
    """A docker SDK client for `docker_host` (None: the local socket); typed errors if down."""
    where = describe_host(docker_host)
    try:
        return docker.DockerClient(
            base_url=where, version="auto", timeout=TIMEOUT_SECONDS, max_pool_size=POOL_SIZE
        )
    except Exception as exc:
        raise translate(exc, where) from exc


def _root_cause(exc: BaseException) -> str:
    """The most specific reason inside an exception chain (requests nests them in args)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    best: BaseException = exc
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, OSError) and not isinstance(cur, requests.RequestException):
            best = cur
        stack.extend(a for a in cur.args if isinstance(a, BaseException))
        for nxt in (cur.__cause__, cur.__context__, getattr(cur, "reason", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
    if isinstance(best, OSError) and best.strerror:
        return best.strerror
    return str(best) or type(best).__name__


def translate(exc: BaseException, where: str, subject: str | None = None) -> JarvisError:
    """Turn a docker SDK / requests exception into a typed Jarvis error.

    `subject` names what was asked for ("container named 'plex'") for a 404.
    """
    if isinstance(exc, JarvisError):
        return exc
    if isinstance(exc, docker_errors.APIError):
        status = exc.status_code
        why = _explanation(exc)
        if status == 404:
            return NotFound(f"no {subject}" if subject else why)
        if status == 409:
            return Conflict(why)
        if status in (401, 403):
            return AuthFailed(f"Docker Engine at {where} refused access: {why}")
        if status == 429:
            return RateLimited(f"Docker Engine at {where}: {why}")
        return JarvisError(f"Docker Engine at {where} failed: {why}")
    if isinstance(exc, requests.Timeout):
        return Unreachable(f"Docker Engine at {where} did not answer within {TIMEOUT_SECONDS} s")
    if isinstance(
        exc,
        requests.RequestException
        | OSError
        | urllib3.exceptions.HTTPError
        | docker_errors.DockerException,
    ):
        return Unreachable(f"Docker Engine not reachable at {where}: {_root_cause(exc)}")
    return JarvisError(f"Docker Engine at {where}: {type(exc).__name__}: {exc}")


def _explanation(exc: docker_errors.APIError) -> str:
    raw = exc.explanation
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return str(raw or exc).strip()


async def run(
    deps: ToolDeps,
    call: Callable[[docker.DockerClient], T],
    subject: str | None = None,
    host: str | None = None,
) -> T:
    """Run a blocking SDK call in a worker thread; raise typed errors naming the engine.

    `host` is a registered host whose engine is reached over SSH (None: this machine's).
    """
    if host is None:
        where = describe_host(deps.docker_host)
        remote = None
    else:
        try:
            remote, where = await deps.hosts.docker(host)
        except Exception as exc:
            raise translate(exc, f"host {host}", subject) from exc

    def work() -> T:
        client: docker.DockerClient = deps.docker if remote is None else remote
        return call(client)

    try:
        return await asyncio.to_thread(work)
    except Exception as exc:
        raise translate(exc, where, subject) from exc


def get_many(client: docker.DockerClient, paths: list[str]) -> list[Any]:
    """GET several engine API paths (with query) as JSON, fast; None where the engine says 404.

    The SDK goes through `requests`, which costs more per call than the engine takes to
    answer an inspect; here the SDK's own urllib3 pool is used directly, one request after
    the other on a kept-alive connection (threads do not help: the work is Python's).
    That pool belongs to docker-py, which closes it when it drops it from its per-URL cache
    (other threads' calls can push it out): then the rest is fetched once more through a
    fresh pool, and after that through the SDK. Transports without such a pool (TLS over
    TCP) use the SDK throughout.
    """
    out: list[Any] = []
    previous: urllib3.HTTPConnectionPool | None = None
    for _ in range(2):  # docker-py's current pool, then a fresh one
        pool = _raw_pool(client)
        if pool is None or pool is previous:
            break
        previous = pool
        try:
            _get_pooled(client, pool, paths[len(out) :], out)
            return out
        except _POOL_ERRORS:
            continue
    out.extend(_sdk_get(client, p) for p in paths[len(out) :])
    return out


def _get_pooled(
    client: docker.DockerClient,
    pool: urllib3.HTTPConnectionPool,
    paths: list[str],
    out: list[Any],
) -> None:
    """GET `paths` through `pool`, appending each answer to `out` as it arrives."""
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS)
    prefix = f"/v{client.api.api_version}"
    for path in paths:
        resp = pool.urlopen("GET", prefix + path, timeout=timeout, retries=_RETRIES)
        if resp.status == 404:
            out.append(None)
        elif resp.status >= 400:
            out.append(_sdk_get(client, path))  # the SDK raises the proper APIError
        else:
            out.append(json.loads(resp.data))


def _raw_pool(client: docker.DockerClient) -> urllib3.HTTPConnectionPool | None:
    api = client.api
    adapter = api.get_adapter(api.base_url)
    pool: object = None
    if isinstance(adapter, BaseHTTPAdapter):  # unix socket, ssh, named pipe
        pool = adapter.get_connection(api.base_url)
    elif api.base_url.startswith("http://"):
        manager = getattr(adapter, "poolmanager", None)
        if isinstance(manager, urllib3.PoolManager):
            pool = manager.connection_from_url(api.base_url)
    return pool if isinstance(pool, urllib3.HTTPConnectionPool) else None


def _checked(resp: requests.Response) -> Any:
    """The JSON body of an engine reply; docker's typed APIError for an error status."""
    try:
        resp.raise_for_status()
    except requests.HTTPError as exc:
        raise docker_errors.create_api_error_from_http_exception(exc) from exc
    return resp.json() if resp.content else None


def _sdk_get(client: docker.DockerClient, path: str) -> Any:
    api = client.api
    try:
        url = f"{api.base_url}/v{api.api_version}{path}"
        return _checked(api.get(url, timeout=TIMEOUT_SECONDS))
    except docker_errors.NotFound:
        return None


def post_json(client: docker.DockerClient, path: str, params: dict[str, str] | None = None) -> Any:
    """POST to an engine API path (e.g. `/containers/prune`) and return the JSON reply."""
    api = client.api
    url = f"{api.base_url}/v{api.api_version}{path}"
    return _checked(api.post(url, params=params, timeout=PRUNE_TIMEOUT_SECONDS))


def container_subject(name: str) -> str:
    """How a 404 for container `name` is worded."""
    return f"container named {name!r}"


def parse_time(value: object) -> datetime | None:
    """An engine timestamp (RFC 3339 with nanoseconds, or unix seconds) as an aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC) if value > 0 else None
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    # Python takes at most microseconds; the engine writes nanoseconds.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def short_id(value: str) -> str:
    """A container or image id as `docker ps` shows it (12 hex digits, no `sha256:`)."""
    return value.removeprefix("sha256:")[:12]
