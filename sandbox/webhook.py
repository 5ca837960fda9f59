"""Webhook delivery: POST each update in order, retrying with backoff until the bot accepts it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout, MultipartReader

from sandbox.errors import bad_request
from sandbox.files import UploadedFile
from sandbox.params import read_multipart
from sandbox.updates import UpdateQueue

ReplyHandler = Callable[[dict[str, Any], dict[str, UploadedFile]], Awaitable[None]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
FIRST_BACKOFF = 0.05
MAX_BACKOFF = 1.0


class Webhook:
    """The webhook setting of the bot and the task that delivers updates to it."""

    def __init__(self, queue: UpdateQueue, on_reply: ReplyHandler) -> None:
        self.queue = queue
        self.on_reply = on_reply
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.ip_address: str | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._session: ClientSession | None = None

    def set(self, url: str, secret_token: str | None, max_connections: int | None,
            ip_address: str | None) -> None:
        """Point delivery at url; only local addresses are reachable from the sandbox."""
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or parsed.hostname not in LOCAL_HOSTS:
            raise bad_request("bad webhook: the sandbox delivers webhooks only to "
                              "http(s)://127.0.0.1 or localhost URLs")
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections or 40
        self.ip_address = ip_address
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver_forever())
        self.queue.notify()

    def clear(self) -> None:
        """Remove the webhook; pending updates stay for getUpdates."""
        self.url = ""
        self.secret_token = None
        self.queue.notify()

    def info(self) -> dict[str, Any]:
        """The WebhookInfo object."""
        info: dict[str, Any] = {"url": self.url, "has_custom_certificate": False,
                                "pending_update_count": self.queue.pending}
        if self.url:
            info["max_connections"] = self.max_connections
            if self.ip_address:
                info["ip_address"] = self.ip_address
            if self.queue.allowed is not None:
                info["allowed_updates"] = sorted(self.queue.allowed)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def close(self) -> None:
        """Stop delivering and release the HTTP client."""
        self.url = ""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_forever(self) -> None:
        backoff = FIRST_BACKOFF
        while self.url:
            updates = self.queue.peek(1)
            if not updates:
                await self.queue.wait(1.0)
                continue
            if await self._deliver(updates[0]):
                backoff = FIRST_BACKOFF
            else:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _deliver(self, update: dict[str, Any]) -> bool:
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=30))
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        try:
            async with self._session.post(self.url, json=update, headers=headers) as resp:
                if not 200 <= resp.status < 300:
                    self._error(f"Wrong response from the webhook: {resp.status} {resp.reason}")
                    return False
                reply = await _read_reply(resp)
        except (ClientError, OSError, TimeoutError) as exc:
            self._error(f"Connection failed: {exc.__class__.__name__}: {exc}")
            return False
        self.queue.remove(update["update_id"])
        self.delivered.append(update)
        if reply is not None:
            await self.on_reply(*reply)
        return True

    def _error(self, message: str) -> None:
        self.last_error_date = int(time.time())
        self.last_error_message = message


async def _read_reply(resp: ClientResponse,
                      ) -> tuple[dict[str, Any], dict[str, UploadedFile]] | None:
    """A method call the bot put in its webhook response body, if any."""
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if resp.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = json.loads(await resp.read() or b"null")
            if isinstance(body, dict):
                params = body
    elif resp.content_type == "multipart/form-data":
        await read_multipart(MultipartReader(resp.headers, resp.content), params, files)
    return (params, files) if params.get("method") else None
