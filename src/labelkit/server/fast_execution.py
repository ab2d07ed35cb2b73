"""A faster completion of plain data: selections that only read attributes.

graphql-core spends about 8 µs on every field of every object it completes (resolve info,
awaitable checks, per-field error handling). A page of 1,000 data rows has over 10,000 such
fields, so listing was bound by it. Most of those fields just read an attribute of an object
that a root resolver already loaded. `FastExecutionContext` plans such a selection once per
request and then completes each object with a plain loop. Anything else (a resolver that
does I/O, arguments, abstract types, a null in a non-null field, a value that does not
serialize) takes graphql-core's own path, so results and errors are the same as without it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path

__all__ = ["FastExecutionContext", "FieldAttr", "bind_field_attrs"]


class FieldAttr:
    """Resolves a field by reading one attribute (or dict key) of its parent.

    Fields bound to a `FieldAttr` may take the fast path: reading them needs no I/O and no
    resolve info.
    """

    __slots__ = ("attr",)

    def __init__(self, attr: str) -> None:
        self.attr = attr

    def __call__(self, parent: Any, _info: Any, **_kwargs: Any) -> Any:
        if isinstance(parent, dict):
            return parent.get(self.attr)
        return getattr(parent, self.attr, None)


def bind_field_attrs(schema: GraphQLSchema) -> None:
    """Replaces default and name-converting resolvers of object fields by `FieldAttr`."""
    roots = {schema.query_type, schema.mutation_type, schema.subscription_type}
    for named_type in schema.type_map.values():
        if not isinstance(named_type, GraphQLObjectType) or named_type in roots:
            continue
        if named_type.name.startswith("__"):
            continue
        for name, field in named_type.fields.items():
            if field.args:
                continue
            if field.resolve is None:
                field.resolve = FieldAttr(name)
            elif getattr(field.resolve, "_ariadne_alias_resolver", False):
                # ariadne's `resolve_to(attr_name)` for snake_case attributes of camelCase fields.
                attr = inspect.getclosurevars(field.resolve).nonlocals.get("attr_name")
                if isinstance(attr, str) and "." not in attr:
                    field.resolve = FieldAttr(attr)


_SLOW = object()  # a value the fast path does not handle: graphql-core completes the object


@dataclass(frozen=True, slots=True)
class _Step:
    key: str
    attr: str | None  # None: __typename
    non_null: bool
    is_list: bool
    item_non_null: bool
    serialize: Any  # leaf serializer, or None for an object
    plan: tuple[_Step, ...] | None  # sub-selection of an object
    object_name: str = ""


class FastExecutionContext(ExecutionContext):
    """graphql-core's execution, with `execute_fields` short-cut for plain data."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(fields) -> (fields, plan); `fields` is kept so its id is not reused.
        self._plans: dict[int, tuple[Any, tuple[_Step, ...] | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        plan = self._plan(parent_type, fields)
        if plan is not None:
            try:
                result = _complete(plan, source_value, parent_type.name)
            except Exception:
                result = _SLOW
            if result is not _SLOW:
                return result
        return super().execute_fields(parent_type, source_value, path, fields)

    def _plan(
        self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]]
    ) -> tuple[_Step, ...] | None:
        cached = self._plans.get(id(fields))
        if cached is not None and cached[0] is fields:
            return cached[1]
        plan = self._build_plan(parent_type, fields)
        self._plans[id(fields)] = (fields, plan)
        return plan

    def _build_plan(
        self, parent_type: GraphQLObjectType, fields: dict[str, list[FieldNode]]
    ) -> tuple[_Step, ...] | None:
        steps = []
        for key, field_nodes in fields.items():
            node = field_nodes[0]
            name = node.name.value
            if name == "__typename":
                steps.append(_Step(key, None, True, False, False, None, None))
                continue
            field = parent_type.fields.get(name)
            if field is None or not isinstance(field.resolve, FieldAttr) or node.arguments:
                return None
            step = self._build_step(key, field.resolve.attr, field.type, field_nodes)
            if step is None:
                return None
            steps.append(step)
        return tuple(steps)

    def _build_step(
        self, key: str, attr: str, field_type: GraphQLOutputType, field_nodes: list[FieldNode]
    ) -> _Step | None:
        non_null = isinstance(field_type, GraphQLNonNull)
        named: Any = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        is_list = isinstance(named, GraphQLList)
        item_non_null = False
        if is_list:
            named = named.of_type
            item_non_null = isinstance(named, GraphQLNonNull)
            named = named.of_type if item_non_null else named
            if isinstance(named, GraphQLList):
                return None
        if is_leaf_type(named):
            return _Step(key, attr, non_null, is_list, item_non_null, named.serialize, None)
        if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
            sub_plan = self._plan(named, self.collect_subfields(named, field_nodes))
            if sub_plan is None:
                return None
            return _Step(key, attr, non_null, is_list, item_non_null, None, sub_plan, named.name)
        return None


def _complete(plan: tuple[_Step, ...], source: Any, type_name: str) -> Any:
    result: dict[str, Any] = {}
    is_dict = isinstance(source, dict)
    for step in plan:
        if step.attr is None:
            result[step.key] = type_name
            continue
        value = source.get(step.attr) if is_dict else getattr(source, step.attr, None)
        if value is None:
            if step.non_null:
                return _SLOW
            result[step.key] = None
        elif step.is_list:
            items = []
            for item in value:
                completed = _complete_value(step, item, step.item_non_null)
                if completed is _SLOW:
                    return _SLOW
                items.append(completed)
            result[step.key] = items
        else:
            completed = _complete_value(step, value, step.non_null)
            if completed is _SLOW:
                return _SLOW
            result[step.key] = completed
    return result


def _complete_value(step: _Step, value: Any, non_null: bool) -> Any:
    if value is None:
        return _SLOW if non_null else None
    if callable(value):
        return _SLOW  # a method: graphql-core's path calls it
    if step.plan is not None:
        return _complete(step.plan, value, step.object_name)
    serialized = step.serialize(value)
    if serialized is None or serialized is Undefined:
        return _SLOW
    return serialized
