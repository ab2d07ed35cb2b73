"""Feature schemas and ontologies, connecting an ontology to a project, and instructions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from ..context import Context
from ..errors import ApiError, ErrorCode, not_found, validation
from ..files import MAX_UPLOAD_BYTES
from ..ids import new_id
from ..models import (
    FeatureSchema,
    Label,
    LabelFeature,
    Ontology,
    OntologyFeature,
    Project,
    StoredFile,
    User,
    utcnow,
)
from ..ontology_nodes import default_color, node_ids, node_kind, normalize_node
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from .common import context, count_where, find_in_organization, mutation, query, require_text
from .projects import resolve_project

__all__ = ["bindables"]

_INSTRUCTION_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html"}


@dataclass(slots=True)
class OntologyView:
    """An ontology with its normalized form, which is built from its feature schemas."""

    id: str
    name: str
    description: str | None
    media_type: str
    created_at: datetime
    updated_at: datetime
    created_by_id: str
    normalized: dict[str, list[dict[str, Any]]]

    @property
    def object_schema_count(self) -> int:
        return len(self.normalized["tools"])

    @property
    def classification_schema_count(self) -> int:
        return len(self.normalized["classifications"])


ontology_type = ObjectType("Ontology")
project_type = ObjectType("Project")


@ontology_type.field("createdBy")
async def resolve_ontology_created_by(ontology: OntologyView, info: GraphQLResolveInfo) -> User:
    user = await context(info).user(ontology.created_by_id)
    if user is None:
        raise not_found("User", ontology.created_by_id)
    return user


# --- loading ---------------------------------------------------------------------------------


async def _views(session: AsyncSession, ontologies: Sequence[Ontology]) -> list[OntologyView]:
    """The ontologies with their normalized forms, in one query for all of them."""
    normalized: dict[str, dict[str, list[dict[str, Any]]]] = {
        ontology.id: {"tools": [], "classifications": []} for ontology in ontologies
    }
    if ontologies:
        rows = await session.execute(
            select(OntologyFeature.ontology_id, FeatureSchema.kind, FeatureSchema.normalized)
            .join(FeatureSchema, FeatureSchema.id == OntologyFeature.feature_schema_id)
            .where(
                OntologyFeature.ontology_id.in_(list(normalized)),
                OntologyFeature.archived.is_(False),
            )
            .order_by(OntologyFeature.ontology_id, OntologyFeature.position)
        )
        for ontology_id, kind, node in rows:
            normalized[ontology_id]["tools" if kind == "TOOL" else "classifications"].append(node)
    return [
        OntologyView(
            id=o.id,
            name=o.name,
            description=o.description,
            media_type=o.media_type,
            created_at=o.created_at,
            updated_at=o.updated_at,
            created_by_id=o.created_by_id,
            normalized=normalized[o.id],
        )
        for o in ontologies
    ]


async def _view(session: AsyncSession, ontology: Ontology) -> OntologyView:
    return (await _views(session, [ontology]))[0]


async def _feature_has_labels(session: AsyncSession, schema: FeatureSchema, *where: Any) -> bool:
    """Whether labels (optionally only those matching `where`) use the node or a nested one."""
    statement = (
        select(LabelFeature.label_id)
        .join(Label, Label.id == LabelFeature.label_id)
        .where(LabelFeature.feature_schema_id.in_(list(node_ids(schema.normalized))), *where)
        .limit(1)
    )
    return await session.scalar(statement) is not None


# --- feature schemas -------------------------------------------------------------------------


def _unused_feature_schema() -> list[ColumnElement[bool]]:
    return [
        ~exists().where(OntologyFeature.feature_schema_id == FeatureSchema.id),
        ~exists().where(LabelFeature.feature_schema_id == FeatureSchema.id),
    ]


async def _list_feature_schemas(
    ctx: Context, first: int | None, after: str | None, conditions: list[ColumnElement[bool]]
) -> Connection:
    limit = check_first(first)
    after_id = decode_cursor(after, "fsc")
    conditions = [FeatureSchema.organization_id == ctx.organization_id, *conditions]
    async with ctx.session() as session:
        statement = keyset(
            select(FeatureSchema).where(*conditions), FeatureSchema.id, limit, after_id
        )
        schemas = (await session.scalars(statement)).all()
    return make_connection(schemas, limit, lambda: count_where(ctx, FeatureSchema, *conditions))


@query.field("featureSchema")
async def resolve_feature_schema(_: None, info: GraphQLResolveInfo, id: str) -> FeatureSchema:
    ctx = context(info)
    async with ctx.session() as session:
        return await find_in_organization(session, ctx, FeatureSchema, id)


@query.field("featureSchemas")
async def resolve_feature_schemas(
    _: None,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Connection:
    conditions: list[ColumnElement[bool]] = []
    name_contains = (filter or {}).get("name_contains")
    if name_contains:
        conditions.append(
            func.lower(FeatureSchema.name).contains(name_contains.lower(), autoescape=True)
        )
    return await _list_feature_schemas(context(info), first, after, conditions)


@query.field("unusedFeatureSchemas")
async def resolve_unused_feature_schemas(
    _: None, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Connection:
    return await _list_feature_schemas(context(info), first, after, _unused_feature_schema())


def _new_feature_schema(ctx: Context, node: dict[str, Any], kind: str) -> FeatureSchema:
    now = utcnow()
    return FeatureSchema(
        id=node["featureSchemaId"],
        organization_id=ctx.organization_id,
        name=node["name"],
        kind=kind,
        color=node.get("color"),
        normalized=node,
        created_at=now,
        updated_at=now,
    )


async def _create_feature_schema(ctx: Context, normalized: Any) -> FeatureSchema:
    kind = node_kind(normalized, "normalized")
    schema = _new_feature_schema(ctx, normalize_node(normalized, "normalized"), kind)
    async with ctx.transaction() as session:
        session.add(schema)
    return schema


@mutation.field("createFeatureSchema")
async def resolve_create_feature_schema(
    _: None, info: GraphQLResolveInfo, normalized: Any
) -> FeatureSchema:
    return await _create_feature_schema(context(info), normalized)


@mutation.field("upsertFeatureSchema")
async def resolve_upsert_feature_schema(
    _: None, info: GraphQLResolveInfo, normalized: Any
) -> FeatureSchema:
    ctx = context(info)
    kind = node_kind(normalized, "normalized")
    schema_id = normalized.get("featureSchemaId")
    if schema_id is None:
        return await _create_feature_schema(ctx, normalized)
    async with ctx.transaction() as session:
        schema = await find_in_organization(session, ctx, FeatureSchema, str(schema_id))
        if schema.kind != kind:
            raise validation(f"Feature schema {schema.id!r} is a {schema.kind}, not a {kind}")
        node = normalize_node(
            {**normalized, "schemaNodeId": schema.normalized["schemaNodeId"]},
            "normalized",
            color=schema.color or "#ff0000",
            keep_root_ids=True,
        )
        schema.normalized = node
        schema.name = node["name"]
        schema.color = node.get("color")
        schema.updated_at = utcnow()
    return schema


@mutation.field("updateFeatureSchemaTitle")
async def resolve_update_feature_schema_title(
    _: None, info: GraphQLResolveInfo, id: str, title: str
) -> FeatureSchema:
    ctx = context(info)
    title = require_text(title, "title")
    async with ctx.transaction() as session:
        schema = await find_in_organization(session, ctx, FeatureSchema, id)
        node = dict(schema.normalized)
        node["name"] = title
        if "instructions" in node:
            node["instructions"] = title
        schema.normalized = node
        schema.name = title
        schema.updated_at = utcnow()
    return schema


@mutation.field("deleteUnusedFeatureSchema")
async def resolve_delete_unused_feature_schema(
    _: None, info: GraphQLResolveInfo, id: str
) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        schema = await find_in_organization(session, ctx, FeatureSchema, id)
        ontologies = await session.scalar(
            select(func.count()).where(OntologyFeature.feature_schema_id == id)
        )
        if ontologies:
            raise ApiError(
                ErrorCode.CONFLICT, f"Feature schema {id!r} is used by {ontologies} ontologies"
            )
        if await _feature_has_labels(session, schema):
            raise ApiError(ErrorCode.CONFLICT, f"Feature schema {id!r} is used by labels")
        await session.delete(schema)
    return {"deleted_count": 1}


# --- ontologies ------------------------------------------------------------------------------


def _unused_ontology() -> ColumnElement[bool]:
    return ~exists().where(Project.ontology_id == Ontology.id)


async def _list_ontologies(
    ctx: Context, first: int | None, after: str | None, conditions: list[ColumnElement[bool]]
) -> Connection:
    limit = check_first(first)
    after_id = decode_cursor(after, "ont")
    conditions = [Ontology.organization_id == ctx.organization_id, *conditions]
    async with ctx.session() as session:
        statement = keyset(select(Ontology).where(*conditions), Ontology.id, limit, after_id)
        views = await _views(session, (await session.scalars(statement)).all())
    return make_connection(views, limit, lambda: count_where(ctx, Ontology, *conditions))


@query.field("ontology")
async def resolve_ontology(_: None, info: GraphQLResolveInfo, id: str) -> OntologyView:
    ctx = context(info)
    async with ctx.session() as session:
        return await _view(session, await find_in_organization(session, ctx, Ontology, id))


@query.field("ontologies")
async def resolve_ontologies(
    _: None,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Connection:
    conditions: list[ColumnElement[bool]] = []
    name_contains = (filter or {}).get("name_contains")
    if name_contains:
        conditions.append(
            func.lower(Ontology.name).contains(name_contains.lower(), autoescape=True)
        )
    return await _list_ontologies(context(info), first, after, conditions)


@query.field("unusedOntologies")
async def resolve_unused_ontologies(
    _: None, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Connection:
    return await _list_ontologies(context(info), first, after, [_unused_ontology()])


def _new_ontology(ctx: Context, name: Any, description: Any, media_type: str | None) -> Ontology:
    now = utcnow()
    return Ontology(
        id=new_id("ont"),
        organization_id=ctx.organization_id,
        name=require_text(name, "name"),
        description=description,
        media_type=media_type or "IMAGE",
        created_at=now,
        updated_at=now,
        created_by_id=ctx.principal.user_id,
    )


async def _existing_roots(
    session: AsyncSession, ctx: Context, ids: Sequence[str]
) -> dict[str, FeatureSchema]:
    if len(set(ids)) != len(ids):
        raise validation("A feature schema may appear only once in an ontology")
    found = {
        schema.id: schema
        for schema in await session.scalars(
            select(FeatureSchema).where(
                FeatureSchema.organization_id == ctx.organization_id, FeatureSchema.id.in_(ids)
            )
        )
    }
    missing = [schema_id for schema_id in ids if schema_id not in found]
    if missing:
        raise not_found("FeatureSchema", missing[0])
    return found


def _check_unique_root_names(schemas: Sequence[FeatureSchema]) -> None:
    seen: set[tuple[str, str]] = set()
    for schema in schemas:
        key = (schema.kind, schema.name)
        if key in seen:
            raise validation(f"Two root {schema.kind.lower()}s are named {schema.name!r}")
        seen.add(key)


async def _save_ontology(
    session: AsyncSession, ontology: Ontology, schemas: Sequence[FeatureSchema]
) -> OntologyView:
    _check_unique_root_names(schemas)
    session.add(ontology)
    await session.flush()
    session.add_all(
        OntologyFeature(
            ontology_id=ontology.id, feature_schema_id=schema.id, position=position, archived=False
        )
        for position, schema in enumerate(schemas)
    )
    await session.flush()
    return await _view(session, ontology)


@mutation.field("createOntology")
async def resolve_create_ontology(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> OntologyView:
    ctx = context(info)
    ontology = _new_ontology(
        ctx, input.get("name"), input.get("description"), input.get("media_type")
    )
    normalized = input.get("normalized")
    if not isinstance(normalized, dict) or not set(normalized) <= {"tools", "classifications"}:
        raise validation("normalized must be an object with 'tools' and 'classifications' lists")
    roots: list[tuple[str, dict[str, Any], str]] = []  # (list name, node, where)
    for field, kind in (("tools", "TOOL"), ("classifications", "CLASSIFICATION")):
        nodes = normalized.get(field) or []
        if not isinstance(nodes, list):
            raise validation(f"normalized.{field} must be a list")
        for index, node in enumerate(nodes):
            where = f"normalized.{field}[{index}]"
            if node_kind(node, where) != kind:
                raise validation(f"{where} is not a {kind.lower()}")
            roots.append((kind, node, where))
    reused = [str(node["featureSchemaId"]) for _, node, _ in roots if node.get("featureSchemaId")]
    tool_count = sum(1 for kind, _, _ in roots if kind == "TOOL")
    async with ctx.transaction() as session:
        existing = await _existing_roots(session, ctx, reused)
        schemas: list[FeatureSchema] = []
        for index, (kind, node, where) in enumerate(roots):
            schema_id = node.get("featureSchemaId")
            if schema_id:
                schema = existing[str(schema_id)]
                if schema.kind != kind:
                    raise validation(f"{where}: feature schema {schema.id!r} is a {schema.kind}")
            else:
                color = default_color(index, tool_count) if kind == "TOOL" else "#ff0000"
                schema = _new_feature_schema(ctx, normalize_node(node, where, color=color), kind)
                session.add(schema)
            schemas.append(schema)
        await session.flush()
        return await _save_ontology(session, ontology, schemas)


@mutation.field("createOntologyFromFeatureSchemas")
async def resolve_create_ontology_from_feature_schemas(
    _: None,
    info: GraphQLResolveInfo,
    name: str,
    feature_schema_ids: list[str],
    media_type: str | None = None,
) -> OntologyView:
    ctx = context(info)
    ontology = _new_ontology(ctx, name, None, media_type)
    if not feature_schema_ids:
        raise validation("featureSchemaIds must not be empty")
    async with ctx.transaction() as session:
        existing = await _existing_roots(session, ctx, feature_schema_ids)
        return await _save_ontology(
            session, ontology, [existing[schema_id] for schema_id in feature_schema_ids]
        )


@mutation.field("deleteUnusedOntology")
async def resolve_delete_unused_ontology(
    _: None, info: GraphQLResolveInfo, id: str
) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        ontology = await find_in_organization(session, ctx, Ontology, id)
        projects = await session.scalar(select(func.count()).where(Project.ontology_id == id))
        if projects:
            raise ApiError(ErrorCode.CONFLICT, f"Ontology {id!r} is used by {projects} projects")
        await session.delete(ontology)
    return {"deleted_count": 1}


async def _features(session: AsyncSession, ontology_id: str) -> list[OntologyFeature]:
    return list(
        await session.scalars(
            select(OntologyFeature)
            .where(OntologyFeature.ontology_id == ontology_id)
            .order_by(OntologyFeature.position)
        )
    )


async def _feature(session: AsyncSession, ontology_id: str, schema_id: str) -> OntologyFeature:
    feature = await session.get(OntologyFeature, (ontology_id, schema_id))
    if feature is None:
        raise ApiError(
            ErrorCode.NOT_FOUND,
            f"Feature schema {schema_id!r} is not a root node of ontology {ontology_id!r}",
        )
    return feature


@mutation.field("insertFeatureSchemaIntoOntology")
async def resolve_insert_feature_schema(
    _: None, info: GraphQLResolveInfo, ontology_id: str, feature_schema_id: str, position: int
) -> OntologyView:
    ctx = context(info)
    async with ctx.transaction() as session:
        ontology = await find_in_organization(session, ctx, Ontology, ontology_id)
        schema = await find_in_organization(session, ctx, FeatureSchema, feature_schema_id)
        features = await _features(session, ontology_id)
        moving = next((f for f in features if f.feature_schema_id == schema.id), None)
        others = [f for f in features if f is not moving]
        if not 0 <= position <= len(others):
            raise validation(f"position must be between 0 and {len(others)}, got {position}")
        if moving is None:
            names = await session.scalars(
                select(FeatureSchema.name)
                .join(OntologyFeature, OntologyFeature.feature_schema_id == FeatureSchema.id)
                .where(
                    OntologyFeature.ontology_id == ontology_id, FeatureSchema.kind == schema.kind
                )
            )
            if schema.name in set(names):
                raise validation(
                    f"Ontology already has a root {schema.kind.lower()} {schema.name!r}"
                )
            moving = OntologyFeature(
                ontology_id=ontology_id, feature_schema_id=schema.id, position=0, archived=False
            )
            session.add(moving)
        others.insert(position, moving)
        for index, feature in enumerate(others):
            feature.position = index
        ontology.updated_at = utcnow()
        await session.flush()
        return await _view(session, ontology)


@mutation.field("removeFeatureSchemaFromOntology")
async def resolve_remove_feature_schema(
    _: None, info: GraphQLResolveInfo, ontology_id: str, feature_schema_id: str
) -> dict[str, bool]:
    ctx = context(info)
    async with ctx.transaction() as session:
        ontology = await find_in_organization(session, ctx, Ontology, ontology_id)
        feature = await _feature(session, ontology_id, feature_schema_id)
        schema = await find_in_organization(session, ctx, FeatureSchema, feature_schema_id)
        ontology.updated_at = utcnow()
        in_ontology_projects = Label.project_id.in_(
            select(Project.id).where(Project.ontology_id == ontology_id)
        )
        if await _feature_has_labels(session, schema, in_ontology_projects):
            feature.archived = True
            return {"archived": True, "deleted": False}
        await session.delete(feature)
    return {"archived": False, "deleted": True}


@mutation.field("unarchiveFeatureSchema")
async def resolve_unarchive_feature_schema(
    _: None, info: GraphQLResolveInfo, ontology_id: str, feature_schema_id: str
) -> OntologyView:
    ctx = context(info)
    async with ctx.transaction() as session:
        ontology = await find_in_organization(session, ctx, Ontology, ontology_id)
        feature = await _feature(session, ontology_id, feature_schema_id)
        if not feature.archived:
            raise validation(f"Feature schema {feature_schema_id!r} is not archived")
        feature.archived = False
        ontology.updated_at = utcnow()
        await session.flush()
        return await _view(session, ontology)


@query.field("isFeatureSchemaArchived")
async def resolve_is_feature_schema_archived(
    _: None, info: GraphQLResolveInfo, ontology_id: str, feature_schema_id: str
) -> bool:
    ctx = context(info)
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Ontology, ontology_id)
        return (await _feature(session, ontology_id, feature_schema_id)).archived


# --- projects --------------------------------------------------------------------------------


@mutation.field("connectOntology")
async def resolve_connect_ontology(
    _: None, info: GraphQLResolveInfo, project_id: str, ontology_id: str
) -> Project:
    ctx = context(info)
    async with ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
        ontology = await find_in_organization(session, ctx, Ontology, ontology_id)
        if ontology.media_type != project.media_type:
            raise validation(
                f"Ontology {ontology.id!r} is for media type {ontology.media_type}, but project "
                f"{project.id!r} has media type {project.media_type}; they must match"
            )
        if project.ontology_id not in (None, ontology.id):
            labeled = await session.scalar(
                select(Label.id).where(Label.project_id == project.id).limit(1)
            )
            if labeled is not None:
                raise ApiError(
                    ErrorCode.CONFLICT,
                    f"Project {project.id!r} has labels; its ontology can no longer be replaced",
                )
        await session.execute(
            update(Project)
            .where(Project.id == project.id)
            .values(ontology_id=ontology.id, updated_at=utcnow())
        )
    project_with_creator: Project = await resolve_project(None, info, project_id)
    return project_with_creator


@mutation.field("uploadProjectInstructions")
async def resolve_upload_project_instructions(
    _: None, info: GraphQLResolveInfo, project_id: str, file: UploadFile
) -> str:
    ctx = context(info)
    if not isinstance(file, UploadFile):
        raise validation("file must be sent as a multipart upload")
    filename = file.filename or ""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    expected = _INSTRUCTION_TYPES.get(suffix)
    if expected is None:
        raise validation(f"Instructions must be a .pdf or .html file, got {filename!r}")
    content_type = (file.content_type or "").split(";")[0].strip().lower()
    if content_type != expected:
        raise validation(f"A {suffix} file must be sent as {expected}, got {content_type!r}")
    async with ctx.session() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
    if project.ontology_id is None:
        raise validation(f"Project {project_id!r} has no ontology: connect one first")
    file_id = new_id("fil")
    store = ctx.state.files
    size = await store.save(ctx.organization_id, file_id, file.file)
    try:
        if size > MAX_UPLOAD_BYTES:
            raise validation(f"Files may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        async with ctx.transaction() as session:
            session.add(
                StoredFile(
                    id=file_id,
                    organization_id=ctx.organization_id,
                    filename=filename[-255:],
                    content_type=expected,
                    size=size,
                    created_at=utcnow(),
                )
            )
            await session.flush()
            await session.execute(
                update(Ontology)
                .where(Ontology.id == project.ontology_id)
                .values(instructions_file_id=file_id, updated_at=utcnow())
            )
    except BaseException:
        await store.delete(ctx.organization_id, file_id)
        raise
    return _file_url(ctx, file_id)


def _file_url(ctx: Context, file_id: str) -> str:
    return f"{str(ctx.request.base_url).rstrip('/')}/files/{file_id}"


@project_type.field("ontology")
async def resolve_project_ontology(
    project: Project, info: GraphQLResolveInfo
) -> OntologyView | None:
    if project.ontology_id is None:
        return None
    ctx = context(info)
    async with ctx.session() as session:
        return await _view(
            session, await find_in_organization(session, ctx, Ontology, project.ontology_id)
        )


@project_type.field("instructionsUrl")
async def resolve_instructions_url(project: Project, info: GraphQLResolveInfo) -> str | None:
    if project.ontology_id is None:
        return None
    ctx = context(info)
    async with ctx.session() as session:
        file_id = await session.scalar(
            select(Ontology.instructions_file_id).where(Ontology.id == project.ontology_id)
        )
    return None if file_id is None else _file_url(ctx, file_id)


def _connection_types() -> list[ObjectType]:
    types = []
    for name in ("FeatureSchemaConnection", "OntologyConnection"):
        connection = ObjectType(name)
        connection.set_field("totalCount", resolve_total_count)
        types.append(connection)
    return types


bindables = [ontology_type, project_type, *_connection_types()]
