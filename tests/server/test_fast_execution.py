"""The fast completion path answers exactly what graphql-core's own path answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import pytest
from ariadne import QueryType, make_executable_schema
from graphql import ExecutionContext, execute, parse

from labelkit.server.fast_execution import FastExecutionContext, FieldAttr, bind_field_attrs

SDL = """
enum Color { RED GREEN }
type Tag { label: String! color: Color }
type Item { id: ID! displayName: String! score: Float tags: [Tag!]! codes: [Int] owner: Owner size(unit: String): Int }
type Owner { name: String! }
type Query { items: [Item!]! item: Item }
"""


class Color(enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


@dataclass
class Tag:
    label: Any
    color: Any = None


@dataclass
class Item:
    id: str
    display_name: Any
    score: float | None = None
    tags: list[Tag] = field(default_factory=list)
    codes: list[int | None] | None = None
    owner: dict[str, Any] | None = None


def build_schema(items: list[Item]) -> Any:
    query = QueryType()
    query.set_field("items", lambda *_: items)
    query.set_field("item", lambda *_: items[0] if items else None)
    schema = make_executable_schema(SDL, query, convert_names_case=True)
    schema.type_map["Item"].fields["size"].resolve = lambda item, _info, unit="cm": len(item.id)  # type: ignore[attr-defined]
    bind_field_attrs(schema)
    return schema


ITEMS = [
    Item("a", "Alpha", 1.5, [Tag("x", "RED"), Tag("y")], [1, None, 3], {"name": "ann"}),
    Item("b", "Beta", None, [], None, None),
]

DOCUMENTS = [
    "{ items { id displayName score codes owner { name } tags { label color } } }",
    "{ items { __typename id alias: displayName tags { __typename label } } }",
    "query($skip: Boolean = true) { items { id displayName @skip(if: $skip) ...F } } fragment F on Item { score }",
    "{ items { id size } }",  # a field with arguments and its own resolver
    '{ items { size(unit: "mm") tags { color } } item { id } }',
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_same_results_as_graphql_core(document: str) -> None:
    schema = build_schema(ITEMS)
    slow = execute(schema, parse(document), execution_context_class=ExecutionContext)
    fast = execute(schema, parse(document), execution_context_class=FastExecutionContext)
    assert fast.errors == slow.errors == None  # noqa: E711
    assert fast.data == slow.data


@pytest.mark.parametrize(
    "bad",
    [
        Item("c", None),  # null in a non-null field
        Item("d", "Delta", tags=[Tag(None)]),  # null deeper down
        Item("e", "Echo", tags=[None]),  # type: ignore[list-item]  # null list item
        Item("f", "Foxtrot", score="not a number"),  # type: ignore[arg-type]  # does not serialize
        Item("g", "Golf", tags=[Tag("z", "PURPLE")]),  # unknown enum value
    ],
)
def test_same_errors_as_graphql_core(bad: Item) -> None:
    schema = build_schema([ITEMS[0], bad])
    document = parse("{ items { id displayName score tags { label color } } }")
    slow = execute(schema, document, execution_context_class=ExecutionContext)
    fast = execute(schema, document, execution_context_class=FastExecutionContext)
    assert slow.errors, "the case must be an error"
    assert fast.data == slow.data
    assert [(e.message, e.path) for e in fast.errors or []] == [
        (e.message, e.path) for e in slow.errors
    ]


def test_dict_sources_and_python_enum_values_match_graphql_core() -> None:
    schema = build_schema([Item("a", "Alpha", tags=[Tag("x", Color.GREEN)], owner={"name": "o"})])
    document = parse("{ items { tags { color } owner { name } } }")
    slow = execute(schema, document, execution_context_class=ExecutionContext)
    fast = execute(schema, document, execution_context_class=FastExecutionContext)
    assert fast.data == slow.data
    assert fast.data is not None and fast.data["items"][0]["owner"] == {"name": "o"}
    assert [e.message for e in fast.errors or []] == [e.message for e in slow.errors or []]


def test_bind_field_attrs_keeps_custom_resolvers() -> None:
    schema = build_schema(ITEMS)
    item_fields = schema.type_map["Item"].fields
    assert isinstance(item_fields["displayName"].resolve, FieldAttr)
    assert item_fields["displayName"].resolve.attr == "display_name"
    assert isinstance(item_fields["id"].resolve, FieldAttr)
    assert not isinstance(item_fields["size"].resolve, FieldAttr)
    assert not isinstance(schema.query_type.fields["items"].resolve, FieldAttr)
