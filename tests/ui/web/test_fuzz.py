"""Property-based fuzz of the whole OpenAPI schema against the running app: no route answers
500, for data inside the schema and outside it (path ids, queries, bodies, odd text)."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from agent.runtime import build_runtime
from tests.ui.web.conftest import Server
from ui.web.apikeys import ApiKeyStore

EXAMPLES = 30


def make_key(server: Server, name: str) -> str:
    async def make() -> str:
        runtime = build_runtime(server.settings())
        try:
            _view, key = await ApiKeyStore(runtime.db).create(name, "user:fuzz")
            return key
        finally:
            await runtime.close()

    return asyncio.run(make())


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_route_answers_500(server: Server, mode: GenerationMode) -> None:
    key = make_key(server, f"fuzz-{mode.value}")
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=30)
    auth = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=server.url, headers=auth, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        try:
            call()
        except Unsatisfiable:
            # Nothing outside the schema to send (no parameters, no body): the positive run
            # covers this operation.
            assert mode == GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n".join(sorted(set(failures))[:30])
