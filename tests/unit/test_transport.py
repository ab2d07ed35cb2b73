"""The transport against a mocked endpoint: request shape, retries, backoff, idempotency, uploads."""

from __future__ import annotations

import enum
import io
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import labelkit
from labelkit import _transport
from labelkit._generated.client import GeneratedClient
from labelkit._transport import RetryPolicy, _is_mutation
from labelkit.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from labelkit.types import MediaType, QueueMode, Upload

from ._helpers import API_KEY, URL, gql_error, multipart, ok, project_node

ME_QUERY = "query Me { me { id } }"
MUTATION = "mutation CreateThing { createThing { id } }"
PROJECT = ok({"project": project_node()})


def body(call: Any) -> dict[str, Any]:
    return json.loads(call.request.content)


def failing(status: int, **kwargs: Any) -> Any:
    """A side effect answering every request with `status`."""
    return lambda request: httpx.Response(status, **kwargs)


@pytest.fixture
def max_jitter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """Makes the jitter deterministic: every wait is its ceiling. Returns the (low, high) drawn."""
    draws: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    monkeypatch.setattr(_transport.random, "uniform", uniform)
    return draws


# --- Request shape ---------------------------------------------------------------------------


async def test_request_carries_auth_user_agent_and_graphql_json_body(client, api):
    api.mock(return_value=PROJECT)

    project = await client.projects.get("prj_1")

    assert project.name == "cats"
    request = api.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"] == f"labelkit/{labelkit.__version__}"
    assert request.headers["Content-Type"] == "application/json"
    assert "Idempotency-Key" not in request.headers
    sent = body(api.calls.last)
    assert set(sent) == {"query", "operationName", "variables"}
    assert sent["operationName"] == "GetProject"
    assert "query GetProject($id: ID!)" in sent["query"]
    assert sent["variables"] == {"id": "prj_1"}


async def test_unset_variables_are_left_out_and_set_ones_sent(client, api):
    page = {"projects": {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}
    api.side_effect = [ok(page), ok(page)]

    await client.projects.list().first()
    await client.projects.list(name_contains="ca").first()

    assert body(api.calls[0])["variables"] == {"first": 1, "after": None}
    assert body(api.calls[1])["variables"] == {
        "first": 1,
        "after": None,
        "filter": {"nameContains": "ca"},
    }


async def test_input_models_are_sent_by_alias_with_enum_values(client, api):
    api.mock(return_value=ok({"createProject": project_node()}))

    await client.projects.create(name="cats", media_type="video", queue_mode=QueueMode.DATASET)

    assert body(api.calls.last)["variables"] == {
        "input": {
            "name": "cats",
            "description": None,
            "mediaType": "VIDEO",
            "queueMode": "DATASET",
            "qualityMode": "BENCHMARK",
        }
    }


async def test_nested_input_models_in_lists_are_sent_by_alias(client, api):
    api.mock(return_value=ok({"createDataRows": {"createdCount": 0, "dataRows": []}}))

    await client.data_rows.create(
        "ds_1",
        [
            {
                "row_data": "https://example.com/1.jpg",
                "global_key": "k1",
                "media_type": "image",
                "attachments": [{"type": "text", "value": "rainy"}],
            }
        ],
    )

    assert body(api.calls.last)["variables"] == {
        "datasetId": "ds_1",
        "rows": [
            {
                "rowData": "https://example.com/1.jpg",
                "globalKey": "k1",
                "mediaType": "IMAGE",
                "attachments": [{"type": "TEXT", "value": "rainy"}],
            }
        ],
    }


class Color(enum.Enum):  # not a str subclass: json.dumps alone would reject it
    RED = "red"


async def test_raw_variables_convert_enums_and_datetimes(client, api):
    api.mock(return_value=ok({"ok": True}))
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)

    data = await client.execute(
        "query Q($c: Color, $m: MediaType, $at: DateTime) { ok }",
        {"c": Color.RED, "m": MediaType.TEXT, "at": when, "nested": [{"c": Color.RED}]},
    )

    assert data == {"ok": True}
    assert body(api.calls.last)["variables"] == {
        "c": "red",
        "m": "TEXT",
        "at": "2024-05-01T12:30:00+00:00",
        "nested": [{"c": "red"}],
    }


# --- Retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_retryable_status_is_retried_until_success(client, api, sleeps, status):
    api.side_effect = [httpx.Response(status), httpx.Response(status), PROJECT]

    project = await client.projects.get("prj_1")

    assert project.id == "prj_1"
    assert api.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadTimeout("read timed out"),
    ],
    ids=type,
)
async def test_transport_failure_of_a_query_is_retried_until_success(client, api, sleeps, error):
    api.side_effect = [error, error, PROJECT]

    project = await client.projects.get("prj_1")

    assert project.id == "prj_1"
    assert api.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(429, RateLimitError), (502, ServerError), (503, ServerError), (504, ServerError)],
)
async def test_gives_up_after_max_retries_with_status_error(api, sleeps, status, error_class):
    api.side_effect = failing(status)

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=3) as client:
        with pytest.raises(error_class) as caught:
            await client.projects.get("prj_1")

    assert caught.value.status_code == status
    assert caught.value.operation == "GetProject"
    assert api.call_count == 4  # the first attempt and 3 retries
    assert len(sleeps) == 3


async def test_default_client_makes_five_attempts(client, api, sleeps):
    api.side_effect = failing(503)

    with pytest.raises(ServerError):
        await client.projects.get("prj_1")

    assert api.call_count == 5
    assert len(sleeps) == 4


@pytest.mark.parametrize(
    ("error", "error_class"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.RemoteProtocolError("disconnected"), APIConnectionError),
        (httpx.ReadTimeout("timed out"), APITimeoutError),
        (httpx.ConnectTimeout("timed out"), APITimeoutError),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value.__name__,
)
async def test_gives_up_after_max_retries_with_connection_error(api, error, error_class):
    api.side_effect = error

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=2) as client:
        with pytest.raises(error_class) as caught:
            await client.projects.get("prj_1")

    assert type(caught.value) is error_class
    assert isinstance(caught.value.__cause__, type(error))
    assert caught.value.operation == "GetProject"
    assert api.call_count == 3


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (500, ServerError),
        (400, labelkit.APIStatusError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
    ],
)
async def test_non_retryable_status_is_not_retried(client, api, sleeps, status, error_class):
    api.side_effect = failing(status, text="nope")

    with pytest.raises(error_class):
        await client.projects.get("prj_1")

    assert api.call_count == 1
    assert sleeps == []


async def test_max_retries_zero_disables_retries(api, sleeps):
    api.side_effect = [httpx.Response(503), PROJECT]

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=0) as client:
        with pytest.raises(ServerError):
            await client.projects.get("prj_1")

    assert api.call_count == 1
    assert sleeps == []


async def test_max_retries_zero_disables_retries_of_connection_errors(api):
    api.side_effect = [httpx.ConnectError("refused"), PROJECT]

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.projects.get("prj_1")

    assert api.call_count == 1


# --- Backoff ---------------------------------------------------------------------------------


def test_backoff_ceiling_doubles_up_to_backoff_max(max_jitter):
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=8.0)

    waits = [policy.wait(attempt, None) for attempt in range(1, 8)]

    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert all(low == 0.0 for low, _ in max_jitter)  # full jitter: from zero up to the ceiling


def test_backoff_is_fully_jittered_between_zero_and_the_ceiling():
    policy = RetryPolicy(backoff_initial=1.0, backoff_max=3.0)

    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 3.0), (6, 3.0)]:
        waits = [policy.wait(attempt, None) for _ in range(500)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        # Spread over the whole range, not a fixed or half-jittered delay.
        assert min(waits) < 0.2 * ceiling
        assert max(waits) > 0.8 * ceiling


async def test_retries_wait_with_capped_exponential_backoff(api, sleeps, max_jitter):
    api.side_effect = failing(503)
    policy = RetryPolicy(max_retries=5, backoff_initial=1.0, backoff_max=3.0)
    transport = GeneratedClient(URL, api_key=API_KEY, retry=policy)

    with pytest.raises(ServerError):
        await transport.execute(ME_QUERY, "Me")
    await transport.aclose()

    assert sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]


async def test_client_retry_waits_stay_within_the_default_jitter_bounds(client, api, sleeps):
    api.side_effect = failing(502)

    with pytest.raises(ServerError):
        await client.projects.get("prj_1")

    ceilings = [0.5, 1.0, 2.0, 4.0]
    assert len(sleeps) == len(ceilings)
    assert all(0.0 <= wait <= ceiling for wait, ceiling in zip(sleeps, ceilings, strict=True))


# --- Retry-After -----------------------------------------------------------------------------


async def test_retry_after_seconds_is_honoured(client, api, sleeps, max_jitter):
    api.side_effect = [httpx.Response(429, headers={"Retry-After": "7"}), PROJECT]

    await client.projects.get("prj_1")

    assert sleeps == [7.0]
    assert max_jitter == []  # the server's delay replaces the backoff


async def test_retry_after_is_honoured_on_503_too(client, api, sleeps):
    api.side_effect = [httpx.Response(503, headers={"Retry-After": "2.5"}), PROJECT]

    await client.projects.get("prj_1")

    assert sleeps == [2.5]


async def test_retry_after_http_date_is_honoured(client, api, sleeps, monkeypatch):
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(_transport, "time", SimpleNamespace(time=now.timestamp))
    later = format_datetime(now + timedelta(seconds=12), usegmt=True)
    api.side_effect = [httpx.Response(429, headers={"Retry-After": later}), PROJECT]

    await client.projects.get("prj_1")

    assert sleeps == [12.0]


async def test_retry_after_http_date_in_the_past_retries_at_once(client, api, sleeps, monkeypatch):
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr(_transport, "time", SimpleNamespace(time=now.timestamp))
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    api.side_effect = [httpx.Response(429, headers={"Retry-After": earlier}), PROJECT]

    await client.projects.get("prj_1")

    assert sleeps == [0.0]


async def test_retry_after_is_capped_at_retry_after_max(api, sleeps):
    api.side_effect = [
        httpx.Response(429, headers={"Retry-After": "3600"}),
        ok({"me": {"id": "usr_1"}}),
        httpx.Response(429, headers={"Retry-After": "3600"}),
        ok({"me": {"id": "usr_1"}}),
    ]
    default = GeneratedClient(URL, api_key=API_KEY)
    strict = GeneratedClient(URL, api_key=API_KEY, retry=RetryPolicy(retry_after_max=5.0))

    await default.execute(ME_QUERY, "Me")
    await strict.execute(ME_QUERY, "Me")
    await default.aclose()
    await strict.aclose()

    assert sleeps == [60.0, 5.0]


async def test_unparsable_retry_after_falls_back_to_backoff(client, api, sleeps, max_jitter):
    api.side_effect = [httpx.Response(429, headers={"Retry-After": "soon"}), PROJECT]

    await client.projects.get("prj_1")

    assert sleeps == [0.5]


async def test_rate_limited_graphql_error_honours_extensions_retry_after(client, api, sleeps):
    limited = gql_error("RATE_LIMITED", "slow down", extensions={"retryAfter": 3})
    api.side_effect = [limited, PROJECT]

    project = await client.projects.get("prj_1")

    assert project.id == "prj_1"
    assert sleeps == [3.0]


async def test_rate_limited_graphql_error_gives_up_as_rate_limit_error(api, sleeps):
    api.side_effect = lambda request: gql_error(
        "RATE_LIMITED", "slow down", extensions={"retryAfter": 1.5}
    )

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=2) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.projects.get("prj_1")

    assert caught.value.retry_after == 1.5
    assert caught.value.codes == ["RATE_LIMITED"]
    assert sleeps == [1.5, 1.5]


# --- Mutations and idempotency keys ----------------------------------------------------------


async def test_mutation_without_idempotency_key_is_not_retried(client, api, sleeps):
    api.side_effect = [httpx.Response(503), ok({"createThing": {"id": "t1"}})]

    with pytest.raises(ServerError) as caught:
        await client.execute(MUTATION)

    assert caught.value.status_code == 503
    assert api.call_count == 1
    assert sleeps == []
    assert "Idempotency-Key" not in api.calls.last.request.headers


async def test_mutation_without_idempotency_key_is_not_retried_on_connection_error(client, api):
    api.side_effect = [httpx.ReadError("reset"), ok({"createThing": {"id": "t1"}})]

    with pytest.raises(APIConnectionError):
        await client.execute(MUTATION)

    assert api.call_count == 1


async def test_mutation_with_idempotency_key_is_retried_with_the_same_key(client, api, sleeps):
    api.side_effect = [
        httpx.Response(503),
        httpx.ConnectError("refused"),
        ok({"createThing": {"id": "t1"}}),
    ]

    data = await client.execute(MUTATION, idempotency_key="my-key-1")

    assert data == {"createThing": {"id": "t1"}}
    assert [call.request.headers["Idempotency-Key"] for call in api.calls] == ["my-key-1"] * 3
    assert len(sleeps) == 2


async def test_resource_mutations_always_send_a_key_reused_by_every_retry(client, api):
    api.side_effect = [
        httpx.Response(502),
        httpx.Response(429),
        ok({"createProject": project_node()}),
    ]

    project = await client.projects.create(name="cats")

    assert project.id == "prj_1"
    keys = [call.request.headers.get("Idempotency-Key") for call in api.calls]
    assert len(keys) == 3
    assert keys[0] and keys[0].startswith("lk-")
    assert keys == [keys[0]] * 3


async def test_each_logical_mutation_gets_its_own_key(client, api):
    api.side_effect = lambda request: ok({"createProject": project_node()})

    await client.projects.create(name="a")
    await client.projects.create(name="b")

    first, second = (call.request.headers["Idempotency-Key"] for call in api.calls)
    assert first != second


async def test_user_idempotency_key_is_sent_verbatim(client, api):
    api.side_effect = [httpx.Response(503), ok({"createProject": project_node()})]

    await client.projects.create(name="cats", idempotency_key="order-42/create")

    assert [call.request.headers["Idempotency-Key"] for call in api.calls] == [
        "order-42/create",
        "order-42/create",
    ]


@pytest.mark.parametrize(
    ("document", "operation_name", "expected"),
    [
        ("mutation M { a }", None, True),
        ("mutation { a }", None, True),
        ("mutation($x: ID!) { a(x: $x) }", None, True),
        ("query Q { a }", None, False),
        ("{ a }", None, False),
        ("{ mutationCount }", None, False),
        ("  # mutation M { a }\n query Q { a }", None, False),
        ("# a query, really\nmutation M { a }", None, True),
        ("query Q { a } mutation M { b }", "M", True),
        ("query Q { a } mutation M { b }", "Q", False),
        ("mutation M { b } query Q { a }", "Q", False),
        ("mutation M { b } query Q { a }", "M", True),
        ("subscription S { a }", None, False),
        # Words inside selections, arguments and strings are not operation keywords.
        ("fragment F on Project { search(query: $q) }\nmutation M { a { ...F } }", None, True),
        ("fragment F on Project { query }\nmutation M { a { ...F } }", None, True),
        ('mutation M { a(note: "query Q # x") }', None, True),
        ('query Q { a(note: "mutation M") }', None, False),
        ('query Q { a(note: "say \\"mutation M\\" # not a comment") }', None, False),
        ('query Q { a(note: """\nmutation M { b }\n""") }', None, False),
        ('mutation M { a(tag: "#1") }\nquery Q { b }', "Q", False),
    ],
)
def test_is_mutation(document, operation_name, expected):
    assert _is_mutation(document, operation_name) is expected


# --- Multipart uploads -----------------------------------------------------------------------


async def test_upload_follows_the_graphql_multipart_request_spec(client, api):
    api.mock(return_value=ok({"uploadFile": "file_1"}))

    file_id = await client._api.upload_file(
        file=Upload("cat.jpg", io.BytesIO(b"\xff\xd8jpeg bytes"), "image/jpeg")
    )

    assert file_id == "file_1"
    request = api.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = multipart(request)
    assert list(parts) == ["operations", "map", "0"]
    operations = json.loads(parts["operations"][2])
    assert operations["operationName"] == "UploadFile"
    assert "mutation UploadFile($file: Upload!)" in operations["query"]
    assert operations["variables"] == {"file": None}
    assert json.loads(parts["map"][2]) == {"0": ["variables.file"]}
    assert parts["0"] == ("cat.jpg", "image/jpeg", b"\xff\xd8jpeg bytes")


async def test_upload_maps_every_file_and_a_reused_file_once(client, api):
    api.mock(return_value=ok({"ok": True}))
    logo = Upload("logo.png", io.BytesIO(b"png"), "image/png")
    notes = Upload("notes.txt", io.BytesIO(b"text"), "text/plain")

    await client.execute(
        "mutation Attach($a: Upload!, $b: Upload!, $more: [Upload!]!) { ok }",
        {"a": logo, "b": logo, "more": [notes], "label": "x"},
        idempotency_key="k",
    )

    parts = multipart(api.calls.last.request)
    assert json.loads(parts["map"][2]) == {
        "0": ["variables.a", "variables.b"],
        "1": ["variables.more.0"],
    }
    operations = json.loads(parts["operations"][2])
    assert operations["variables"] == {"a": None, "b": None, "more": [None], "label": "x"}
    assert parts["0"][2] == b"png"
    assert parts["1"][2] == b"text"


async def test_upload_with_idempotency_key_is_retried_from_the_start_of_the_file(
    client, api, sleeps
):
    api.side_effect = [httpx.Response(503), httpx.ReadError("reset"), ok({"uploadFile": "f"})]
    content = io.BytesIO(b"0123456789")

    await client._api.upload_file(
        file=Upload("a.bin", content, "application/octet-stream"), idempotency_key="up-1"
    )

    assert api.call_count == 3
    for call in api.calls:
        assert multipart(call.request)["0"][2] == b"0123456789"
        assert call.request.headers["Idempotency-Key"] == "up-1"


async def test_upload_with_bytes_content_is_sent_and_retried(client, api):
    api.side_effect = [httpx.Response(502), ok({"uploadFile": "f"})]

    await client._api.upload_file(
        file=Upload("a.txt", b"plain bytes", "text/plain"), idempotency_key="up-2"
    )

    assert [multipart(call.request)["0"][2] for call in api.calls] == [b"plain bytes"] * 2


async def test_upload_without_idempotency_key_is_not_retried(client, api):
    api.side_effect = [httpx.Response(503), ok({"uploadFile": "f"})]

    with pytest.raises(ServerError):
        await client._api.upload_file(file=Upload("a.txt", io.BytesIO(b"x"), "text/plain"))

    assert api.call_count == 1


class OneShotStream(io.RawIOBase):
    """A stream that can be read once and not rewound, like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), len(self._data))
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


async def test_upload_of_a_non_seekable_stream_is_not_retried(client, api, sleeps):
    api.side_effect = [httpx.Response(503), ok({"uploadFile": "f"})]

    with pytest.raises(ServerError):
        await client._api.upload_file(
            file=Upload("a.txt", OneShotStream(b"once"), "text/plain"), idempotency_key="up-3"
        )

    assert api.call_count == 1
    assert multipart(api.calls.last.request)["0"][2] == b"once"
    assert sleeps == []


# --- Transport lifecycle ---------------------------------------------------------------------


async def test_client_closes_its_own_http_client_but_not_a_passed_one():
    async with labelkit.Client(api_key=API_KEY, url=URL) as owned:
        http = owned._api._http
    assert http.is_closed

    async with httpx.AsyncClient() as shared:
        async with labelkit.Client(api_key=API_KEY, url=URL, http_client=shared):
            pass
        assert not shared.is_closed


async def test_passed_http_client_is_used_for_requests(api):
    api.mock(return_value=PROJECT)

    async with (
        httpx.AsyncClient(headers={"X-Team": "vision"}) as shared,
        labelkit.Client(api_key=API_KEY, url=URL, http_client=shared) as client,
    ):
        await client.projects.get("prj_1")

    request = api.calls.last.request
    assert request.headers["X-Team"] == "vision"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["User-Agent"] == f"labelkit/{labelkit.__version__}"
    assert request.headers["Content-Type"] == "application/json"


async def test_timeouts_default_and_per_call(client, api):
    api.side_effect = lambda request: ok({"me": {"id": "usr_1"}})

    await client._api.execute(ME_QUERY, "Me")
    await client._api.execute(ME_QUERY, "Me", timeout=1.5)

    default, per_call = (call.request.extensions["timeout"] for call in api.calls)
    assert default == {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert per_call == {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5}


async def test_key_still_in_use_elsewhere_is_waited_for_then_replayed(client, api, sleeps):
    in_use = gql_error(
        "CONFLICT",
        "A request with this Idempotency-Key is still in progress",
        status=409,
        extensions={"reason": "IDEMPOTENCY_KEY_IN_USE"},
        headers={"Retry-After": "1"},
    )
    api.side_effect = [in_use, ok({"createProject": project_node()})]
    project = await client.projects.create(name="cats")
    assert project.id == "prj_1"
    keys = {call.request.headers["idempotency-key"] for call in api.calls}
    assert len(api.calls) == 2 and len(keys) == 1
    assert sleeps == [1.0]
