"""How responses map to `labelkit.errors`: GraphQL codes, HTTP statuses, malformed bodies."""

from __future__ import annotations

import httpx
import pydantic
import pytest

import labelkit
from labelkit.errors import (
    APIStatusError,
    AuthenticationError,
    ConflictError,
    GraphQLError,
    InvalidResponseError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

from ._helpers import API_KEY, URL, gql_error, ok, project_node


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("NOT_FOUND", NotFoundError),
        ("CONFLICT", ConflictError),
        ("UNAUTHENTICATED", AuthenticationError),
        ("FORBIDDEN", PermissionDeniedError),
        ("VALIDATION", ValidationError),
        ("INTERNAL", ServerError),
        ("I_AM_A_TEAPOT", GraphQLError),
        (None, GraphQLError),
    ],
)
async def test_graphql_error_code_maps_to_error_class(client, api, code, error_class):
    api.mock(return_value=gql_error(code, "it went wrong"))

    with pytest.raises(LabelkitError) as caught:
        await client.projects.get("prj_1")

    assert type(caught.value) is error_class
    assert caught.value.message == "it went wrong"
    assert caught.value.operation == "GetProject"
    assert api.call_count == 1


def test_validation_error_is_a_graphql_error_not_a_status_error():
    assert issubclass(ValidationError, GraphQLError)
    assert not issubclass(ValidationError, APIStatusError)


@pytest.mark.parametrize("code", ["VALIDATION", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"])
async def test_http_400_with_graphql_errors_maps_by_code_not_status(client, api, code):
    api.mock(return_value=gql_error(code, "Cannot query field 'nme'", status=400))

    with pytest.raises(ValidationError) as caught:
        await client.projects.get("prj_1")

    assert caught.value.codes == [code]
    assert caught.value.errors[0]["message"] == "Cannot query field 'nme'"


async def test_http_400_with_uncoded_graphql_errors_is_a_graphql_error(client, api):
    api.mock(return_value=gql_error(None, "Syntax Error", status=400))

    with pytest.raises(GraphQLError) as caught:
        await client.projects.get("prj_1")

    assert type(caught.value) is GraphQLError


async def test_graphql_errors_without_code_map_by_http_status(client, api):
    api.mock(return_value=gql_error(None, "go away", status=403))

    with pytest.raises(PermissionDeniedError) as caught:
        await client.projects.get("prj_1")

    assert caught.value.status_code == 403


async def test_error_exposes_errors_codes_partial_data_operation_and_request_id(client, api):
    api.mock(
        return_value=httpx.Response(
            200,
            headers={"X-Request-Id": "req-123"},
            json={
                "data": {"project": None, "organization": {"id": "org_1"}},
                "errors": [
                    {
                        "message": "Project prj_9 not found",
                        "path": ["project"],
                        "extensions": {"code": "NOT_FOUND"},
                    },
                    {"message": "also this", "extensions": {"code": "FORBIDDEN"}},
                    {"message": "and an error without code"},
                ],
            },
        )
    )

    with pytest.raises(NotFoundError) as caught:
        await client.projects.get("prj_9")

    error = caught.value
    assert error.message == "Project prj_9 not found (and 2 more errors)"
    assert [e["message"] for e in error.errors] == [
        "Project prj_9 not found",
        "also this",
        "and an error without code",
    ]
    assert error.errors[0]["path"] == ["project"]
    assert error.codes == ["NOT_FOUND", "FORBIDDEN"]
    assert error.data == {"project": None, "organization": {"id": "org_1"}}
    assert error.operation == "GetProject"
    assert error.request_id == "req-123"
    assert str(error) == (
        "Project prj_9 not found (and 2 more errors) (operation=GetProject, request_id=req-123)"
    )


async def test_request_id_falls_back_to_extensions_request_id(client, api):
    api.mock(return_value=gql_error("NOT_FOUND", "nope", extensions={"requestId": "req-ext"}))

    with pytest.raises(NotFoundError) as caught:
        await client.projects.get("prj_1")

    assert caught.value.request_id == "req-ext"
    assert "request_id=req-ext" in str(caught.value)


async def test_request_id_header_wins_over_extensions(client, api):
    api.mock(
        return_value=gql_error(
            "NOT_FOUND",
            extensions={"requestId": "req-ext"},
            headers={"X-Request-Id": "req-header"},
        )
    )

    with pytest.raises(NotFoundError) as caught:
        await client.projects.get("prj_1")

    assert caught.value.request_id == "req-header"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (418, APIStatusError),
        (500, ServerError),
        (502, ServerError),
    ],
)
async def test_http_error_with_non_json_body_maps_by_status(api, status, error_class):
    api.mock(
        return_value=httpx.Response(
            status, text="<html>nginx says no</html>", headers={"X-Request-Id": "req-7"}
        )
    )

    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=0) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.projects.get("prj_1")

    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.errors == []
    assert error.request_id == "req-7"
    assert str(error).endswith("(operation=GetProject, request_id=req-7)")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>captive portal</html>"),
        httpx.Response(200, json={}),
        httpx.Response(200, json={"data": None}),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"data": None, "errors": []}),
        httpx.Response(200),
    ],
    ids=["html", "no-data", "null-data", "array", "empty-errors", "empty-body"],
)
async def test_success_status_without_graphql_data_is_invalid_response(client, api, response):
    api.mock(return_value=response)

    with pytest.raises(InvalidResponseError) as caught:
        await client.projects.get("prj_1")

    assert caught.value.operation == "GetProject"
    assert api.call_count == 1


async def test_response_breaking_the_generated_model_is_invalid_response(client, api):
    broken = project_node()
    del broken["name"]
    api.mock(return_value=ok({"project": broken}))

    with pytest.raises(InvalidResponseError) as caught:
        await client.projects.get("prj_1")

    assert not isinstance(caught.value, pydantic.ValidationError)
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)
    assert "name" in str(caught.value)
    assert caught.value.operation == "GetProject"


async def test_unknown_enum_value_from_server_is_invalid_response(client, api):
    api.mock(return_value=ok({"project": project_node(mediaType="HOLOGRAM")}))

    with pytest.raises(InvalidResponseError):
        await client.projects.get("prj_1")


def test_codes_skip_errors_without_a_string_code():
    error = GraphQLError(
        "x",
        errors=[
            {"message": "a", "extensions": {"code": "A"}},
            {"message": "b"},
            {"message": "c", "extensions": {"code": 7}},
            {"message": "d", "extensions": "garbage"},
            {"message": "e", "extensions": {"code": "E"}},
        ],
    )

    assert error.codes == ["A", "E"]


def test_str_without_context_is_the_message():
    assert str(LabelkitError("plain")) == "plain"
    assert str(LabelkitError("m", operation="Op")) == "m (operation=Op)"


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (RateLimitError("x", status_code=429), True),
        (ServerError("x", status_code=502), True),
        (ServerError("x", status_code=503), True),
        (ServerError("x", status_code=504), True),
        (ServerError("x", status_code=500), False),
        (ServerError("x", status_code=200), False),  # an INTERNAL GraphQL error in a 200
        (NotFoundError("x", status_code=404), False),
        (ConflictError("x", status_code=409), False),
        (
            ConflictError(
                "x",
                status_code=409,
                errors=[{"extensions": {"code": "CONFLICT", "reason": "IDEMPOTENCY_KEY_IN_USE"}}],
            ),
            True,
        ),
    ],
)
def test_retryable_flag(error, retryable):
    assert error.retryable is retryable
