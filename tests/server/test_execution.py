from __future__ import annotations

import graphql
import pytest
from ariadne import QueryType, make_executable_schema
from graphql import graphql_sync, specified_rules

from labelkit.server import execution
from labelkit.server.errors import ApiError, ErrorCode
from labelkit.server.schema import _UnimplementedRootFields, build_schema


def test_documents_are_parsed_and_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = execution.DocumentCache(max_size=2)
    calls = 0

    def counting_validate(*args: object) -> list[graphql.GraphQLError]:
        nonlocal calls
        calls += 1
        return graphql.validate(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(execution, "validate", counting_validate)
    schema = build_schema()
    data = {"query": "{ me { id } }"}
    document = cache.parse(None, data)
    assert cache.parse(None, dict(data)) is document
    # ariadne always passes the spec rules explicitly.
    for _ in range(3):
        assert cache.validate(schema, document, rules=specified_rules) == []
    assert calls == 1

    bad = cache.parse(None, {"query": "{ nope }"})
    assert cache.validate(schema, bad, rules=specified_rules)
    assert cache.validate(schema, bad, rules=specified_rules)
    assert calls == 2

    # Bounded: old entries fall out.
    cache.parse(None, {"query": "{ organization { id } }"})
    cache.parse(None, {"query": "{ users { totalCount } }"})
    assert cache.parse(None, data) is not document


def test_root_fields_without_a_resolver_fail_clearly() -> None:
    query = QueryType()
    query.set_field("ready", lambda *_: 1)
    schema = make_executable_schema(
        "type Query { ready: Int! laterField: Int! }",
        query,
        _UnimplementedRootFields(),
        convert_names_case=True,
    )
    result = graphql_sync(schema, "{ ready laterField }")
    assert result.errors is not None
    error = result.errors[0]
    assert isinstance(error.original_error, ApiError)
    assert error.original_error.code is ErrorCode.INTERNAL
    assert error.message == "Query.laterField is not implemented by this server"
