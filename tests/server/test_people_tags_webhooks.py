"""Roles, invites, project members, resource tags, webhooks and their real delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from webhook_receiver import webhook_receiver

from labelkit.server.webhooks import WebhookWorker, emit

from .conftest import Api
from .workflow_helpers import add_user

INVITE = """mutation($email: String!, $role: UserRole!, $pr: [ProjectRoleInput!]) {
  createInvite(email: $email, role: $role, projectRoles: $pr) {
    id email role projectRoles { projectId role } createdAt invitedBy { id } } }"""
MEMBERS = """query($p: ID!, $first: Int, $after: String) {
  projectMembers(projectId: $p, first: $first, after: $after) {
    totalCount edges { node { user { id email } role accessFrom } } pageInfo { hasNextPage endCursor } } }"""
SET_MEMBER = """mutation($p: ID!, $u: ID!, $r: UserRole!) {
  setProjectMemberRole(projectId: $p, userId: $u, role: $r) { user { id } role accessFrom } }"""
REMOVE_MEMBER = (
    "mutation($p: ID!, $u: ID!) { removeProjectMember(projectId: $p, userId: $u) { deletedCount } }"
)
ORG_ROLE = (
    "mutation($u: ID!, $r: UserRole!) { setOrganizationRole(userId: $u, role: $r) { id role } }"
)
TAG = "mutation($t: String!, $c: String!) { createResourceTag(text: $t, color: $c) { id text color createdAt } }"
SET_TAGS = "mutation($p: ID!, $ids: [ID!]!) { setProjectResourceTags(projectId: $p, tagIds: $ids) { id text } }"
WEBHOOK_FIELDS = "id projectId url topics status createdAt updatedAt"
CREATE_HOOK = f"mutation($input: CreateWebhookInput!) {{ createWebhook(input: $input) {{ {WEBHOOK_FIELDS} }} }}"
UPDATE_HOOK = f"mutation($id: ID!, $input: UpdateWebhookInput!) {{ updateWebhook(id: $id, input: $input) {{ {WEBHOOK_FIELDS} }} }}"
DELIVERIES = """query($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount edges { node {
  id webhookId topic status payload nextAttemptAt createdAt updatedAt
  attempts { attempt at statusCode error durationMs } } } } }"""


async def me(api: Api) -> dict[str, Any]:
    return dict((await api.data("{ me { id email role } }"))["me"])


async def test_roles_and_organization_roles(app: Starlette, api: Api) -> None:
    roles = (await api.data("{ roles { name description } }"))["roles"]
    assert [r["name"] for r in roles] == ["ADMIN", "TEAM_MANAGER", "REVIEWER", "LABELER", "NONE"]
    user_id = await add_user(app, api, "lab@example.com", "LABELER")
    changed = await api.data(ORG_ROLE, {"u": user_id, "r": "REVIEWER"})
    assert changed["setOrganizationRole"] == {"id": user_id, "role": "REVIEWER"}
    own = await api.error(ORG_ROLE, {"u": (await me(api))["id"], "r": "LABELER"})
    assert own["extensions"]["code"] == "VALIDATION"
    assert (await api.error(ORG_ROLE, {"u": "usr_missing", "r": "LABELER"}))["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_invites(app: Starlette, api: Api) -> None:
    project = await api.create_project("Invited to")
    invite = (await api.data(INVITE, {"email": "new@example.com", "role": "LABELER"}))[
        "createInvite"
    ]
    assert (invite["email"], invite["role"], invite["projectRoles"]) == (
        "new@example.com",
        "LABELER",
        [],
    )
    assert invite["invitedBy"]["id"] == (await me(api))["id"]
    project_only = (
        await api.data(
            INVITE,
            {
                "email": "p@example.com",
                "role": "NONE",
                "pr": [{"projectId": project["id"], "role": "REVIEWER"}],
            },
        )
    )["createInvite"]
    assert project_only["projectRoles"] == [{"projectId": project["id"], "role": "REVIEWER"}]
    # The same address may be invited again.
    assert (await api.data(INVITE, {"email": "new@example.com", "role": "REVIEWER"}))[
        "createInvite"
    ]

    listed = (await api.data("{ invites { totalCount edges { node { id email } } } }"))["invites"]
    assert listed["totalCount"] == 3
    cancel = "mutation($id: ID!) { cancelInvite(id: $id) { deletedCount } }"
    assert (await api.data(cancel, {"id": invite["id"]}))["cancelInvite"]["deletedCount"] == 1
    assert (await api.error(cancel, {"id": invite["id"]}))["extensions"]["code"] == "NOT_FOUND"
    assert (await api.data("{ invites { totalCount } }"))["invites"]["totalCount"] == 2

    await add_user(app, api, "member@example.com", "LABELER")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"email": (await me(api))["email"], "role": "LABELER"}, "VALIDATION", "yourself"),
        ({"email": "MEMBER@example.com", "role": "LABELER"}, "CONFLICT", "already a member"),
        ({"email": "not-an-email", "role": "LABELER"}, "VALIDATION", "email"),
        ({"email": "x@example.com", "role": "NONE"}, "VALIDATION", "needs projectRoles"),
        (
            {
                "email": "x@example.com",
                "role": "LABELER",
                "pr": [{"projectId": project["id"], "role": "LABELER"}],
            },
            "VALIDATION",
            "only to invites with organization role NONE",
        ),
        (
            {
                "email": "x@example.com",
                "role": "NONE",
                "pr": [{"projectId": project["id"], "role": "NONE"}],
            },
            "VALIDATION",
            "can't be NONE",
        ),
        (
            {
                "email": "x@example.com",
                "role": "NONE",
                "pr": [{"projectId": "prj_nope", "role": "LABELER"}],
            },
            "NOT_FOUND",
            "prj_nope",
        ),
    ]
    for variables, code, message in cases:
        error = await api.error(INVITE, variables)
        assert error["extensions"]["code"] == code and message in error["message"], variables


async def test_project_members_and_access(app: Starlette, api: Api) -> None:
    project = await api.create_project("Members")
    admin = await me(api)
    labeler = await add_user(app, api, "labeler@example.com", "LABELER")
    outsider = await add_user(app, api, "outsider@example.com", "NONE")

    def summary(connection: dict[str, Any]) -> dict[str, tuple[str, str]]:
        return {
            e["node"]["user"]["id"]: (e["node"]["role"], e["node"]["accessFrom"])
            for e in connection["edges"]
        }

    members = (await api.data(MEMBERS, {"p": project["id"]}))["projectMembers"]
    assert summary(members) == {
        admin["id"]: ("ADMIN", "ORGANIZATION"),
        labeler: ("LABELER", "ORGANIZATION"),
    }

    added = (await api.data(SET_MEMBER, {"p": project["id"], "u": outsider, "r": "REVIEWER"}))[
        "setProjectMemberRole"
    ]
    assert (added["role"], added["accessFrom"]) == ("REVIEWER", "PROJECT_MEMBERSHIP")
    await api.data(SET_MEMBER, {"p": project["id"], "u": outsider, "r": "LABELER"})
    page = (await api.data(MEMBERS, {"p": project["id"], "first": 2}))["projectMembers"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = (await api.data(MEMBERS, {"p": project["id"], "after": page["pageInfo"]["endCursor"]}))[
        "projectMembers"
    ]
    assert summary(rest) == {outsider: ("LABELER", "PROJECT_MEMBERSHIP")}

    org_role = await api.error(SET_MEMBER, {"p": project["id"], "u": labeler, "r": "REVIEWER"})
    assert (
        org_role["extensions"]["code"] == "VALIDATION"
        and "organization role LABELER" in org_role["message"]
    )
    none_role = await api.error(SET_MEMBER, {"p": project["id"], "u": outsider, "r": "NONE"})
    assert none_role["extensions"]["code"] == "VALIDATION"
    assert (await api.error(REMOVE_MEMBER, {"p": project["id"], "u": labeler}))["extensions"][
        "code"
    ] == "VALIDATION"

    # An organization role hides the project role; back to NONE, the project role applies again.
    await api.data(ORG_ROLE, {"u": outsider, "r": "REVIEWER"})
    assert summary((await api.data(MEMBERS, {"p": project["id"]}))["projectMembers"])[outsider] == (
        "REVIEWER",
        "ORGANIZATION",
    )
    await api.data(ORG_ROLE, {"u": outsider, "r": "NONE"})
    assert summary((await api.data(MEMBERS, {"p": project["id"]}))["projectMembers"])[outsider] == (
        "LABELER",
        "PROJECT_MEMBERSHIP",
    )

    assert (await api.data(REMOVE_MEMBER, {"p": project["id"], "u": outsider}))[
        "removeProjectMember"
    ]["deletedCount"] == 1
    assert outsider not in summary(
        (await api.data(MEMBERS, {"p": project["id"]}))["projectMembers"]
    )
    assert (await api.error(REMOVE_MEMBER, {"p": project["id"], "u": outsider}))["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_resource_tags(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    project = await api.create_project("Tagged")
    red = (await api.data(TAG, {"t": "urgent", "c": "FF0000"}))["createResourceTag"]
    green = (await api.data(TAG, {"t": "easy", "c": "008856"}))["createResourceTag"]
    assert red["color"] == "ff0000"
    assert [
        t["text"] for t in (await api.data("{ resourceTags { id text } }"))["resourceTags"]
    ] == ["urgent", "easy"]

    set_tags = await api.data(
        SET_TAGS, {"p": project["id"], "ids": [green["id"], red["id"], green["id"]]}
    )
    assert {t["text"] for t in set_tags["setProjectResourceTags"]} == {"urgent", "easy"}
    read = await api.data(
        "query($id: ID!) { project(id: $id) { resourceTags { text color } } }",
        {"id": project["id"]},
    )
    assert read["project"]["resourceTags"] == [
        {"text": "urgent", "color": "ff0000"},
        {"text": "easy", "color": "008856"},
    ]
    assert (await api.data(SET_TAGS, {"p": project["id"], "ids": [red["id"]]}))[
        "setProjectResourceTags"
    ] == [{"id": red["id"], "text": "urgent"}]

    assert (await api.error(TAG, {"t": "urgent", "c": "000000"}))["extensions"][
        "code"
    ] == "CONFLICT"
    for color in ("#ff0000", "red", "12345"):
        assert (await api.error(TAG, {"t": "x", "c": color}))["extensions"]["code"] == "VALIDATION"
    too_many = await api.error(
        SET_TAGS, {"p": project["id"], "ids": [f"rtg_{i}" for i in range(101)]}
    )
    assert too_many["extensions"]["code"] == "VALIDATION" and "At most 100" in too_many["message"]
    other = await new_api()
    foreign = await other.error(
        SET_TAGS, {"p": (await other.create_project())["id"], "ids": [red["id"]]}
    )
    assert foreign["extensions"]["code"] == "NOT_FOUND"


async def test_webhook_crud_and_validation(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    project = await api.create_project("Hooks")
    hook = (
        await api.data(
            CREATE_HOOK,
            {
                "input": {
                    "projectId": project["id"],
                    "url": "http://127.0.0.1:9/h",
                    "secret": "s",
                    "topics": ["LABEL_CREATED"],
                }
            },
        )
    )["createWebhook"]
    assert (hook["status"], hook["topics"], hook["projectId"]) == (
        "ACTIVE",
        ["LABEL_CREATED"],
        project["id"],
    )
    org_wide = (
        await api.data(
            CREATE_HOOK,
            {
                "input": {
                    "url": "https://example.com/h",
                    "secret": "s",
                    "topics": ["REVIEW_CREATED"],
                }
            },
        )
    )["createWebhook"]
    assert org_wide["projectId"] is None

    updated = (
        await api.data(
            UPDATE_HOOK,
            {
                "id": hook["id"],
                "input": {
                    "status": "INACTIVE",
                    "topics": ["LABEL_UPDATED", "LABEL_DELETED"],
                    "url": "http://127.0.0.1:9/x",
                },
            },
        )
    )["updateWebhook"]
    assert (updated["status"], updated["topics"], updated["url"]) == (
        "INACTIVE",
        ["LABEL_UPDATED", "LABEL_DELETED"],
        "http://127.0.0.1:9/x",
    )
    listing = "query($p: ID) { webhooks(projectId: $p) { totalCount edges { node { id } } } }"
    assert (await api.data(listing, {"p": project["id"]}))["webhooks"]["totalCount"] == 1
    assert (await api.data(listing, {}))["webhooks"]["totalCount"] == 2

    for variables in (
        {"url": "ftp://example.com", "secret": "s", "topics": ["LABEL_CREATED"]},
        {"url": "http://", "secret": "s", "topics": ["LABEL_CREATED"]},
        {"url": "http://example.com/" + "x" * 2048, "secret": "s", "topics": ["LABEL_CREATED"]},
        {"url": "http://example.com", "secret": "", "topics": ["LABEL_CREATED"]},
        {"url": "http://example.com", "secret": "s" * 256, "topics": ["LABEL_CREATED"]},
        {"url": "http://example.com", "secret": "s", "topics": []},
        {"url": "http://example.com", "secret": "s", "topics": ["LABEL_EXPLODED"]},
    ):
        assert (await api.error(CREATE_HOOK, {"input": variables}))["extensions"][
            "code"
        ] == "VALIDATION"
    unknown_project = {
        "projectId": "prj_none",
        "url": "http://e.com",
        "secret": "s",
        "topics": ["LABEL_CREATED"],
    }
    assert (await api.error(CREATE_HOOK, {"input": unknown_project}))["extensions"][
        "code"
    ] == "NOT_FOUND"

    other = await new_api()
    assert (await other.error(UPDATE_HOOK, {"id": hook["id"], "input": {"status": "ACTIVE"}}))[
        "extensions"
    ]["code"] == "NOT_FOUND"
    assert (await other.error(DELIVERIES, {"id": hook["id"]}))["extensions"]["code"] == "NOT_FOUND"
    assert (await other.data(listing, {}))["webhooks"]["totalCount"] == 0

    delete = "mutation($id: ID!) { deleteWebhook(id: $id) { deletedCount } }"
    assert (await api.data(delete, {"id": hook["id"]}))["deleteWebhook"]["deletedCount"] == 1
    assert (await api.error(delete, {"id": hook["id"]}))["extensions"]["code"] == "NOT_FOUND"


@pytest.fixture
async def fast_worker(app: Starlette) -> AsyncIterator[WebhookWorker]:
    """The app's own worker, with short retry delays for the test."""
    worker: WebhookWorker = app.state.labelkit.webhooks
    saved = (worker.backoff, worker.max_attempts)
    worker.backoff, worker.max_attempts = 0.05, 3
    yield worker
    worker.backoff, worker.max_attempts = saved


async def test_events_are_delivered_signed_and_retried(
    app: Starlette, api: Api, fast_worker: WebhookWorker
) -> None:
    project = await api.create_project("Delivered")
    other_project = await api.create_project("Elsewhere")
    sessions = app.state.labelkit.sessions
    async with webhook_receiver() as receiver:
        receiver.statuses = [500]  # the first attempt fails, the retry succeeds
        secret = "s3cret"
        hook = (
            await api.data(
                CREATE_HOOK,
                {
                    "input": {
                        "projectId": project["id"],
                        "url": receiver.url,
                        "secret": secret,
                        "topics": ["LABEL_CREATED", "REVIEW_CREATED"],
                    }
                },
            )
        )["createWebhook"]
        inactive = (
            await api.data(
                CREATE_HOOK,
                {"input": {"url": receiver.url, "secret": "x", "topics": ["LABEL_CREATED"]}},
            )
        )["createWebhook"]
        await api.data(UPDATE_HOOK, {"id": inactive["id"], "input": {"status": "INACTIVE"}})

        async with sessions.begin() as session:
            queued = await emit(
                session,
                organization_id=api.organization_id,
                project_id=project["id"],
                topic="LABEL_CREATED",
                data={"labelId": "lbl_1"},
            )
            # Wrong topic, another project: nothing is queued for these.
            assert (
                await emit(
                    session,
                    organization_id=api.organization_id,
                    project_id=project["id"],
                    topic="LABEL_DELETED",
                    data={},
                )
                == []
            )
            assert (
                await emit(
                    session,
                    organization_id=api.organization_id,
                    project_id=other_project["id"],
                    topic="LABEL_CREATED",
                    data={},
                )
                == []
            )
        assert len(queued) == 1
        fast_worker.wake()

        first, second = await receiver.wait_for(2)
        assert first.body == second.body
        for received in (first, second):
            expected = (
                "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
            )
            assert received.headers["x-labelkit-signature"] == expected
            assert received.headers["x-labelkit-event"] == "LABEL_CREATED"
            assert received.headers["content-type"] == "application/json"
        payload = json.loads(first.body)
        assert payload["id"] == queued[0] and payload["data"] == {"labelId": "lbl_1"}
        assert (payload["topic"], payload["projectId"]) == ("LABEL_CREATED", project["id"])

        delivery = await wait_for_status(api, hook["id"], "SUCCEEDED")
        assert [(a["attempt"], a["statusCode"], a["error"]) for a in delivery["attempts"]] == [
            (1, 500, "HTTP 500"),
            (2, 200, None),
        ]
        assert delivery["payload"] == payload and delivery["nextAttemptAt"] is None

        # A receiver that keeps failing: FAILED after max_attempts.
        receiver.statuses = [503, 503, 503]
        async with sessions.begin() as session:
            await emit(
                session,
                organization_id=api.organization_id,
                project_id=project["id"],
                topic="REVIEW_CREATED",
                data={},
            )
        fast_worker.wake()
        failed = await wait_for_status(api, hook["id"], "FAILED", index=1)
        assert [a["statusCode"] for a in failed["attempts"]] == [503, 503, 503]
        assert len(receiver.requests) == 5


async def wait_for_status(api: Api, webhook_id: str, status: str, index: int = 0) -> dict[str, Any]:
    import asyncio

    async with asyncio.timeout(10):
        while True:
            edges = (await api.data(DELIVERIES, {"id": webhook_id}))["webhookDeliveries"]["edges"]
            if len(edges) > index and edges[index]["node"]["status"] == status:
                return dict(edges[index]["node"])
            await asyncio.sleep(0.05)


async def test_unreachable_receiver_is_logged_as_an_error(
    app: Starlette, api: Api, fast_worker: WebhookWorker
) -> None:
    project = await api.create_project("Unreachable")
    async with webhook_receiver() as receiver:
        url = receiver.url  # closed when the block ends: nothing listens there afterwards
    hook = (
        await api.data(
            CREATE_HOOK,
            {
                "input": {
                    "projectId": project["id"],
                    "url": url,
                    "secret": "s",
                    "topics": ["LABEL_UPDATED"],
                }
            },
        )
    )["createWebhook"]
    async with app.state.labelkit.sessions.begin() as session:
        await emit(
            session,
            organization_id=api.organization_id,
            project_id=project["id"],
            topic="LABEL_UPDATED",
            data={},
        )
    fast_worker.wake()
    delivery = await wait_for_status(api, hook["id"], "FAILED")
    assert [a["statusCode"] for a in delivery["attempts"]] == [None, None, None]
    assert all("ConnectError" in a["error"] for a in delivery["attempts"])
    with pytest.raises(ValueError, match="unknown webhook topic"):
        async with app.state.labelkit.sessions.begin() as session:
            await emit(
                session, organization_id=api.organization_id, project_id=None, topic="NOPE", data={}
            )
