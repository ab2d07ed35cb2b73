from __future__ import annotations

from .._generated.enums import TaskStatus
from .._generated.fragments import TaskFields
from ._base import Resource, poll


class Tasks(Resource):
    """`client.tasks`: long-running server jobs (bulk imports and the like)."""

    async def get(self, id: str) -> TaskFields:
        """The task as it is now; `NotFoundError` if it does not exist."""
        return await self._call(self._api.get_task(id=id))

    async def wait(
        self,
        id: str,
        *,
        timeout: float = 300.0,
        poll_interval: float = 0.2,
        max_poll_interval: float = 5.0,
    ) -> TaskFields:
        """Polls until the task is COMPLETE or FAILED and returns it.

        Polls back off from `poll_interval` to `max_poll_interval`; raises `TimeoutError`
        when the task is still in progress after `timeout` seconds.
        """
        return await poll(
            lambda: self.get(id),
            lambda task: task.status != TaskStatus.IN_PROGRESS,
            pending=lambda task: f"task {id} still {task.status.value}",
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )
