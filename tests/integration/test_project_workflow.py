"""The project workflow through the SDK against a real `labelkit serve` process: ontologies,
batches, the labeling queue, people, tags and webhooks (delivered to a loopback receiver)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from webhook_receiver import webhook_receiver

import labelkit
from labelkit import Classification, GlobalKey, OntologyBuilder, Option, Tool
from labelkit.server.db import create_engine, create_sessionmaker
from labelkit.server.ids import new_id
from labelkit.server.models import Label, LabelFeature, Project, User, utcnow
from labelkit.server.webhooks import emit
from labelkit.testing import LocalServer


@pytest.fixture
async def database(server: LocalServer) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Direct access to the server's database, for what has no API yet (labels, users)."""
    engine = create_engine(server.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def add_label(
    database: async_sessionmaker[AsyncSession], project_id: str, row_id: str, *features: str
) -> None:
    async with database.begin() as session:
        organization_id = await session.scalar(
            select(Project.organization_id).where(Project.id == project_id)
        )
        user = await session.scalar(
            select(User).where(User.organization_id == organization_id).limit(1)
        )
        assert user is not None
        label = Label(
            id=new_id("lbl"),
            organization_id=user.organization_id,
            project_id=project_id,
            data_row_id=row_id,
            created_by_id=user.id,
            created_at=utcnow(),
            updated_at=utcnow(),
            payload={},
        )
        session.add(label)
        await session.flush()
        session.add_all(LabelFeature(label_id=label.id, feature_schema_id=f) for f in features)


async def add_user(
    database: async_sessionmaker[AsyncSession], organization_id: str, email: str, role: str
) -> str:
    async with database.begin() as session:
        user = User(
            id=new_id("usr"),
            organization_id=organization_id,
            email=email,
            name=email,
            role=role,
            created_at=utcnow(),
        )
        session.add(user)
    return user.id


def vehicles() -> OntologyBuilder:
    return OntologyBuilder(
        tools=[
            Tool(
                tool=Tool.Type.BBOX,
                name="car",
                color="#ff8800",
                classifications=[
                    Classification(
                        class_type=Classification.Type.RADIO,
                        name="color",
                        options=[Option(value="red"), Option(value="blue")],
                    )
                ],
            ),
            Tool(tool=Tool.Type.POLYGON, name="road"),
            Tool(tool=Tool.Type.POLYLINE, name="lane"),
            Tool(tool=Tool.Type.POINT, name="sign"),
            Tool(tool=Tool.Type.RASTER_SEGMENTATION, name="sky"),
            Tool(tool=Tool.Type.NAMED_ENTITY, name="plate"),
            Tool(tool=Tool.Type.RELATIONSHIP, name="tows"),
        ],
        classifications=[
            Classification(
                class_type=Classification.Type.CHECKLIST,
                name="weather",
                options=[
                    Option(
                        value="rain", options=[Classification(class_type="text", name="how much")]
                    )
                ],
            )
        ],
    )


async def rows_in_new_dataset(
    client: labelkit.Client, unique: str, count: int
) -> tuple[str, list[labelkit.types.DataRow]]:
    dataset = await client.datasets.create(name=f"workflow {unique}")
    rows = await client.data_rows.create(
        dataset.id,
        [
            {"row_data": f"https://example.com/{i}.jpg", "global_key": f"{unique}-{i}"}
            for i in range(count)
        ],
    )
    return dataset.id, rows


async def test_ontologies_feature_schemas_and_projects(
    client: labelkit.Client,
    server: LocalServer,
    database: async_sessionmaker[AsyncSession],
    unique: str,
    tmp_path: Path,
) -> None:
    ontology = await client.ontologies.create(f"vehicles {unique}", vehicles(), media_type="image")
    assert OntologyBuilder.from_dict(ontology.normalized).to_dict() == ontology.normalized
    assert (ontology.object_schema_count, ontology.classification_schema_count) == (7, 1)
    assert ontology.normalized["tools"][0]["color"] == "#ff8800"
    assert (await client.ontologies.get(ontology.id)).normalized == ontology.normalized
    assert [o.id async for o in client.ontologies.list(name_contains=f"VEHICLES {unique}")] == [
        ontology.id
    ]

    schema = await client.feature_schemas.create(Tool(tool=Tool.Type.POINT, name=f"hub {unique}"))
    assert (await client.feature_schemas.get(schema.id)).normalized == schema.normalized
    assert [s.id async for s in client.feature_schemas.list(name_contains=f"hub {unique}")] == [
        schema.id
    ]
    assert schema.id in [s.id async for s in client.feature_schemas.list_unused()]
    renamed = await client.feature_schemas.update_title(schema.id, f"wheel hub {unique}")
    assert renamed.name == f"wheel hub {unique}"
    upserted = await client.feature_schemas.upsert({**renamed.normalized, "color": "#123456"})
    assert (upserted.id, upserted.color) == (schema.id, "#123456")
    spare = await client.feature_schemas.create({"type": "text", "name": f"spare {unique}"})
    await client.feature_schemas.delete_unused(spare.id)
    with pytest.raises(labelkit.NotFoundError):
        await client.feature_schemas.get(spare.id)

    moved = await client.ontologies.insert_feature_schema(ontology.id, schema.id, 1)
    assert [t["name"] for t in moved.normalized["tools"]][:2] == ["car", f"wheel hub {unique}"]
    with pytest.raises(labelkit.ConflictError):
        await client.feature_schemas.delete_unused(schema.id)
    from_ids = await client.ontologies.create_from_feature_schemas(f"hubs {unique}", [schema.id])
    assert from_ids.normalized["tools"][0]["featureSchemaId"] == schema.id

    project = await client.projects.create(
        name=f"workflow {unique}",
        quality_mode="consensus",
        number_of_labels=3,
        coverage_percentage=0.2,
    )
    assert (project.number_of_labels, project.coverage_percentage) == (3, 0.2)
    video = await client.ontologies.create(
        f"clips {unique}", {"tools": [], "classifications": []}, "video"
    )
    with pytest.raises(labelkit.ValidationError, match=r"VIDEO.*IMAGE"):
        await client.projects.connect_ontology(project.id, video.id)
    connected = await client.projects.connect_ontology(project.id, ontology.id)
    assert connected.ontology_id == ontology.id
    assert ontology.id not in [o.id async for o in client.ontologies.list_unused()]
    with pytest.raises(labelkit.ConflictError):
        await client.ontologies.delete_unused(ontology.id)
    await client.ontologies.delete_unused(video.id)

    # Removing: deleted when unused by labels, archived when a label uses it.
    hub_removed = await client.ontologies.remove_feature_schema(ontology.id, schema.id)
    assert (hub_removed.archived, hub_removed.deleted) == (False, True)
    _, [row] = await rows_in_new_dataset(client, unique, 1)
    car = ontology.normalized["tools"][0]
    await add_label(database, project.id, row.id, car["featureSchemaId"])
    car_removed = await client.ontologies.remove_feature_schema(ontology.id, car["featureSchemaId"])
    assert (car_removed.archived, car_removed.deleted) == (True, False)
    assert await client.ontologies.is_feature_schema_archived(ontology.id, car["featureSchemaId"])
    restored = await client.ontologies.unarchive_feature_schema(ontology.id, car["featureSchemaId"])
    assert restored.normalized["tools"][0] == car
    assert not await client.ontologies.is_feature_schema_archived(
        ontology.id, car["featureSchemaId"]
    )

    guide = tmp_path / "guide.pdf"
    guide.write_bytes(b"%PDF-1.4 label the cars")
    url = await client.projects.upload_instructions(project.id, guide)
    async with httpx.AsyncClient() as http:
        fetched = await http.get(url, headers={"Authorization": f"Bearer {server.api_key}"})
    assert fetched.content == b"%PDF-1.4 label the cars"
    html = await client.projects.upload_instructions(
        project.id, b"<h1>Cars</h1>", filename="guide.html"
    )
    assert html.startswith(client.url.rsplit("/", 1)[0])
    with pytest.raises(ValueError, match=r"\.pdf or \.html"):
        await client.projects.upload_instructions(project.id, b"text", filename="guide.txt")
    with pytest.raises(ValueError, match="CONSENSUS"):
        await client.projects.create(name="x", number_of_labels=2)


async def test_batches_queue_and_overrides(
    client: labelkit.Client, database: async_sessionmaker[AsyncSession], unique: str
) -> None:
    project = await client.projects.create(name=f"queue {unique}")
    dataset_id, rows = await rows_in_new_dataset(client, unique, 12)
    ids = [row.id for row in rows]

    low = await client.batches.create(project.id, "low", data_rows=rows[:4])
    assert (low.priority, low.size, low.failed_data_rows) == (5, 4, [])
    high = await client.batches.create(
        project.id, "high", global_keys=[f"{unique}-4", f"{unique}-5", "missing"], priority=1
    )
    assert high.size == 2 and high.failed_data_rows[0]["globalKey"] == "missing"
    assert [b.id async for b in client.batches.list(project.id, page_size=1)] == [low.id, high.id]
    assert (await client.batches.get(high.id)).name == "high"

    with pytest.raises(labelkit.ConflictError):
        await client.batches.create(project.id, "low", data_rows=ids[6:7])
    with pytest.raises(labelkit.ConflictError, match="already in active batch"):
        await client.batches.create(project.id, "again", data_rows=ids[:1])
    for kwargs, message in (
        ({"data_rows": ids, "global_keys": ["k"]}, "exactly one"),
        ({}, "exactly one"),
        ({"data_rows": [f"dr_{i}" for i in range(100_001)]}, "at most 100,000"),
        ({"data_rows": ids[6:7], "priority": 6}, "between 1"),
        ({"data_rows": ids[6:7], "priority": 0}, "between 1"),
    ):
        with pytest.raises(ValueError, match=message):
            await client.batches.create(project.id, "bad", **kwargs)

    task = await client.batches.create_many(project.id, "many-", data_rows=ids[6:9], priority=3)
    assert task.status == labelkit.types.TaskStatus.COMPLETE
    assert task.result["batchNames"] == ["many-0000"] and task.result["createdCount"] == 3
    with pytest.raises(ValueError, match="at most 1,000,000"):
        await client.batches.create_many(
            project.id, "x", global_keys=[f"k{i}" for i in range(1_000_001)]
        )
    rest = await client.batches.create_from_dataset(project.id, dataset_id, "rest-")
    assert rest.result["createdCount"] == 3 and rest.result["batchNames"] == ["rest-0000"]

    # Queue: batch priority, then batch age; then overrides first, lowest first.
    queue = await client.projects.labeling_queue(project.id, first=12)
    by_key = {row.id: row.global_key for row in rows}
    assert [by_key[q.data_row_id] for q in queue] == [
        f"{unique}-{i}" for i in (4, 5, 6, 7, 8, 0, 1, 2, 3, 9, 10, 11)
    ]
    assert (
        await client.projects.set_labeling_overrides(
            project.id, [(GlobalKey(f"{unique}-11"), 2), (GlobalKey(f"{unique}-0"), -5)]
        )
        == 2
    )
    assert await client.projects.set_labeling_overrides(project.id, [(ids[9], 2**31 - 1)]) == 1
    queue = await client.projects.labeling_queue(project.id, first=4)
    assert [by_key[q.data_row_id] for q in queue] == [f"{unique}-{i}" for i in (0, 11, 9, 4)]
    assert [q.override_priority for q in queue] == [-5, 2, 2**31 - 1, None]
    overrides = [o async for o in client.projects.list_labeling_overrides(project.id)]
    assert {o.global_key: o.priority for o in overrides} == {
        f"{unique}-0": -5,
        f"{unique}-11": 2,
        f"{unique}-9": 2**31 - 1,
    }
    assert (
        await client.projects.update_labeling_priority(project.id, 1, global_keys=[f"{unique}-9"])
        == 1
    )
    assert (
        await client.projects.unset_labeling_overrides(project.id, data_rows=[ids[0], ids[11]]) == 2
    )
    assert [
        by_key[q.data_row_id] for q in await client.projects.labeling_queue(project.id, first=2)
    ] == [
        f"{unique}-9",
        f"{unique}-4",
    ]
    with pytest.raises(ValueError, match="at most 1000"):
        await client.projects.set_labeling_overrides(project.id, [(ids[0], 1)] * 1001)
    with pytest.raises(ValueError, match="32-bit"):
        await client.projects.set_labeling_overrides(project.id, [(ids[0], 2**31)])
    with pytest.raises(ValueError, match="all use"):
        await client.projects.set_labeling_overrides(project.id, [(ids[0], 1), (GlobalKey("k"), 1)])
    with pytest.raises(labelkit.ValidationError, match="no data row with this global key"):
        await client.projects.set_labeling_overrides(project.id, [(GlobalKey("missing-row"), 1)])

    # Task queues, moves and labels.
    queues = {q.queue_type: q for q in await client.projects.task_queues(project.id)}
    assert queues[labelkit.TaskQueueType.INITIAL_LABELING].data_row_count == 12
    review = queues[labelkit.TaskQueueType.MANUAL_REVIEW].id
    with pytest.raises(labelkit.ValidationError, match="need a label"):
        await client.projects.move_data_rows_to_task_queue(project.id, review, data_rows=ids[:2])
    await add_label(database, project.id, ids[0])
    await add_label(database, project.id, ids[1])
    assert await client.projects.label_count(project.id) == 2
    assert (
        await client.projects.move_data_rows_to_task_queue(project.id, review, data_rows=ids[:2])
        == 2
    )
    assert (
        await client.projects.move_data_rows_to_task_queue(
            project.id, None, global_keys=[f"{unique}-1"]
        )
        == 1
    )
    counts = {
        q.queue_type.value: q.data_row_count for q in await client.projects.task_queues(project.id)
    }
    assert counts == {"INITIAL_LABELING": 10, "MANUAL_REVIEW": 1, "MANUAL_REWORK": 0, "DONE": 1}
    with pytest.raises(ValueError, match="at most 100,000"):
        await client.projects.move_data_rows_to_task_queue(
            project.id, None, data_rows=[f"dr_{i}" for i in range(100_001)]
        )

    # Batch lifecycle.
    with pytest.raises(labelkit.ConflictError, match="labeled"):
        await client.batches.delete(low.id)
    assert await client.batches.remove_queued_data_rows(low.id) == 2  # rows 2 and 3
    archived = await client.batches.archive(high.id)
    assert archived.archived
    assert {
        by_key[q.data_row_id] for q in await client.projects.labeling_queue(project.id, first=100)
    }.isdisjoint({f"{unique}-4", f"{unique}-5"})
    await client.batches.delete(high.id)
    with pytest.raises(labelkit.NotFoundError):
        await client.batches.get(high.id)


async def test_people_and_resource_tags(
    client: labelkit.Client, database: async_sessionmaker[AsyncSession], unique: str
) -> None:
    me = await client.users.me()
    project = await client.projects.create(name=f"people {unique}")
    roles = [role.name.value for role in await client.users.roles()]
    assert roles == ["ADMIN", "TEAM_MANAGER", "REVIEWER", "LABELER", "NONE"]

    guest = await add_user(database, me.organization.id, f"guest-{unique}@example.com", "NONE")
    member = await client.projects.set_member_role(project.id, guest, "reviewer")
    assert (member.role, member.access_from) == (
        labelkit.UserRole.REVIEWER,
        labelkit.types.ProjectAccessFrom.PROJECT_MEMBERSHIP,
    )
    access = {m.user.id: m.access_from.value async for m in client.projects.members(project.id)}
    assert access[me.id] == "ORGANIZATION" and access[guest] == "PROJECT_MEMBERSHIP"
    with pytest.raises(labelkit.ValidationError, match="organization role ADMIN"):
        await client.projects.set_member_role(project.id, me.id, "labeler")
    promoted = await client.users.set_role(guest, "labeler")
    assert promoted.role == labelkit.UserRole.LABELER
    await client.users.set_role(guest, "none")
    await client.projects.remove_member(project.id, guest)
    assert guest not in [m.user.id async for m in client.projects.members(project.id)]

    invite = await client.invites.create(f"new-{unique}@example.com", "labeler")
    scoped = await client.invites.create(
        f"scoped-{unique}@example.com", "none", project_roles=[(project.id, "reviewer")]
    )
    assert scoped.project_roles[0].project_id == project.id
    assert {invite.id, scoped.id} <= {i.id async for i in client.invites.list()}
    await client.invites.cancel(invite.id)
    assert invite.id not in [i.id async for i in client.invites.list()]
    with pytest.raises(labelkit.ValidationError, match="yourself"):
        await client.invites.create(me.email, "labeler")
    with pytest.raises(ValueError, match="needs project_roles"):
        await client.invites.create("x@example.com", "none")

    tag = await client.resource_tags.create(f"urgent {unique}", "ff0000")
    other = await client.resource_tags.create(f"later {unique}", "008856")
    assert {tag.id, other.id} <= {t.id for t in await client.resource_tags.list()}
    assert [
        t.id for t in await client.projects.set_resource_tags(project.id, [tag.id, other.id])
    ] == [tag.id, other.id]
    assert [t.text for t in await client.projects.resource_tags(project.id)] == [
        f"urgent {unique}",
        f"later {unique}",
    ]
    with pytest.raises(labelkit.ConflictError):
        await client.resource_tags.create(f"urgent {unique}", "000000")
    with pytest.raises(ValueError, match="six hex digits"):
        await client.resource_tags.create("x", "#ff0000")


async def test_webhooks_are_delivered_signed_with_retries(
    client: labelkit.Client, database: async_sessionmaker[AsyncSession], unique: str
) -> None:
    project = await client.projects.create(name=f"hooks {unique}")
    organization_id = (await client.organization.get()).id
    async with webhook_receiver() as receiver:
        receiver.statuses = [500]
        hook = await client.webhooks.create(
            project_id=project.id,
            url=receiver.url,
            secret=f"secret-{unique}",
            topics=["label_created", "label_updated"],
        )
        assert hook.status == labelkit.WebhookStatus.ACTIVE
        assert hook.id in [h.id async for h in client.webhooks.list(project_id=project.id)]

        # Labels have no API yet: the event is queued the way the labels API will queue it.
        async with database.begin() as session:
            [delivery_id] = await emit(
                session,
                organization_id=organization_id,
                project_id=project.id,
                topic="LABEL_CREATED",
                data={"labelId": "lbl_x", "projectId": project.id},
            )
        first, second = await receiver.wait_for(2, timeout=20)
        for received in (first, second):
            signature = received.headers["x-labelkit-signature"]
            assert labelkit.verify_webhook_signature(f"secret-{unique}", received.body, signature)
            digest = hmac.new(
                f"secret-{unique}".encode(), received.body, hashlib.sha256
            ).hexdigest()
            assert signature == f"sha256={digest}"
            assert not labelkit.verify_webhook_signature("wrong", received.body, signature)
        body = json.loads(second.body)
        assert (body["id"], body["topic"], body["data"]["labelId"]) == (
            delivery_id,
            "LABEL_CREATED",
            "lbl_x",
        )

        log: list[Any] = []
        for _ in range(100):
            log = [d async for d in client.webhooks.deliveries(hook.id)]
            if log and log[0].status.value == "SUCCEEDED":
                break
            await asyncio.sleep(0.05)
        assert [(a.attempt, a.status_code) for a in log[0].attempts] == [(1, 500), (2, 200)]
        assert log[0].payload == body

        paused = await client.webhooks.update(hook.id, status="inactive", topics=["review_created"])
        assert (paused.status, paused.topics) == (
            labelkit.WebhookStatus.INACTIVE,
            [labelkit.WebhookTopic.REVIEW_CREATED],
        )
        async with database.begin() as session:
            assert (
                await emit(
                    session,
                    organization_id=organization_id,
                    project_id=project.id,
                    topic="REVIEW_CREATED",
                    data={},
                )
                == []
            )

    with pytest.raises(ValueError, match="http"):
        await client.webhooks.create(url="ftp://x", secret="s", topics=["label_created"])
    with pytest.raises(ValueError, match="topics must be one of"):
        await client.webhooks.create(
            url="http://127.0.0.1:1/", secret="s", topics=["label_exploded"]
        )
    await client.webhooks.delete(hook.id)
    assert hook.id not in [h.id async for h in client.webhooks.list()]


async def test_workflow_objects_are_private_to_their_organization(
    client: labelkit.Client, server: LocalServer, unique: str
) -> None:
    from labelkit.server.admin import create_organization

    project = await client.projects.create(name=f"private {unique}")
    _, rows = await rows_in_new_dataset(client, unique, 1)
    batch = await client.batches.create(project.id, "mine", data_rows=rows)
    ontology = await client.ontologies.create(f"private {unique}", vehicles())
    hook = await client.webhooks.create(
        project_id=project.id, url="http://127.0.0.1:1/", secret="s", topics=["label_created"]
    )

    _, api_key = await create_organization(server.database_url, f"other {unique}")
    async with labelkit.Client(api_key=api_key, url=server.url) as other:
        for call in (
            other.batches.get(batch.id),
            other.batches.archive(batch.id),
            other.ontologies.get(ontology.id),
            other.projects.labeling_queue(project.id),
            other.projects.task_queues(project.id),
            other.webhooks.update(hook.id, status="inactive"),
            other.feature_schemas.get(ontology.normalized["tools"][0]["featureSchemaId"]),
        ):
            with pytest.raises(labelkit.NotFoundError):
                await call
        assert [w async for w in other.webhooks.list()] == []
