"""Loads `schema.graphql` and binds the resolvers to it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from ariadne import make_executable_schema, upload_scalar
from graphql import GraphQLEnumType, GraphQLResolveInfo, GraphQLSchema

import labelkit

from .errors import ApiError, ErrorCode
from .fast_execution import bind_field_attrs
from .resolvers import bindables
from .scalars import datetime_scalar, json_scalar

__all__ = ["build_schema", "schema_path"]


def schema_path() -> Path:
    """`schema.graphql`: packaged next to `labelkit/__init__.py` in a wheel (hatch
    force-include), or at the repository root in a source checkout or editable install."""
    candidates = (
        Path(labelkit.__file__).parent / "schema.graphql",
        Path(__file__).resolve().parents[3] / "schema.graphql",
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"schema.graphql not found; looked at {', '.join(map(str, candidates))}"
    )


def _accept_hide_suggestions(parse_value: Callable[[Any], Any]) -> Callable[..., Any]:
    def parse(value: Any, hide_suggestions: bool = False) -> Any:
        return parse_value(value)

    return parse


def _repair_enum_parsers(schema: GraphQLSchema) -> None:
    """ariadne 1.1.1 replaces each enum's `parse_value` with a one-argument function, but
    graphql-core 3.2.14 calls it with a second argument (`hide_suggestions`) when it coerces
    variables, so every enum value sent in a variable failed with a TypeError."""
    for named_type in schema.type_map.values():
        if isinstance(named_type, GraphQLEnumType) and "parse_value" in vars(named_type):
            named_type.parse_value = _accept_hide_suggestions(named_type.parse_value)  # type: ignore[method-assign]


class _UnimplementedRootFields:
    """Bound last: a root field of `schema.graphql` with no resolver answers with a clear
    error, instead of a null that graphql-core reports as a non-null violation."""

    def bind_to_schema(self, schema: GraphQLSchema) -> None:
        for root in (schema.query_type, schema.mutation_type):
            if root is None:
                continue
            for name, field in root.fields.items():
                if field.resolve is None:
                    field.resolve = _unimplemented(f"{root.name}.{name}")


def _unimplemented(field: str) -> Callable[..., Any]:
    def resolve(_: Any, _info: GraphQLResolveInfo, **_kwargs: Any) -> Any:
        raise ApiError(ErrorCode.INTERNAL, f"{field} is not implemented by this server")

    return resolve


@cache
def build_schema() -> GraphQLSchema:
    type_defs = schema_path().read_text(encoding="utf-8")
    schema = make_executable_schema(
        type_defs,
        *bindables,
        datetime_scalar,
        json_scalar,
        upload_scalar,
        _UnimplementedRootFields(),
        convert_names_case=True,
    )
    _repair_enum_parsers(schema)
    bind_field_attrs(schema)
    return schema
