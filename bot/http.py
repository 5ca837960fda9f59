"""A small HTTP/1.1 client for the Bot API's JSON calls: keep-alive connections, one request at a
time on each, the answer read by Content-Length or chunks.

Every report costs a getUpdates answer and two sends. Through aiohttp's client each call cost
about 0.2 ms of CPU back to back and 0.8 ms at a steady 20 reports a second (request and
response objects, timers, tracing, cookie and header handling, stream readers), a quarter of
the bot's CPU per report. The Bot API needs none of that: a POST with a JSON body to one host,
and a JSON answer. Here a call is one write and one parse in a protocol callback (bench/RESULTS.md
has the figures). Multipart uploads still go through aiohttp (bot/botapi.py).

Failures raise `HttpError` (an `OSError`) or `TimeoutError`; their text never holds the URL,
which contains the bot's token. A connection is reused only after an answer that was read to
its end and did not ask to close; a timed-out, cancelled or broken call closes its connection.
The one call made again here is one on a reused connection that broke before anything came
back (the server had closed it as it was reused); any other failure is the callers' to retry
(the outbox, the poller).
"""

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

IDLE_S = 15.0  # an idle connection older than this is closed instead of reused (as aiohttp)
MAX_HEAD = 64 * 1024  # an answer's status line and headers
MAX_BODY = 64 * 1024 * 1024
USER_AGENT = b"gridbot"


class HttpError(OSError):
    """The call failed on the way: no connection, a broken one, or an answer that is not HTTP."""


@dataclass(frozen=True)
class Target:
    """Where one URL's requests go, and the start of their request head."""

    scheme: str
    host: str
    port: int
    head: bytes  # "POST /path HTTP/1.1" and the fixed headers, up to Content-Length's value

    @property
    def key(self) -> tuple[str, str, int]:
        """Connections are shared by scheme, host and port."""
        return self.scheme, self.host, self.port


def target_of(url: str, content_type: bytes = b"application/json") -> Target:
    """Split a URL once into its connection and the POST head for it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the Bot API base URL must be http:// or https:// with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    default = port == (443 if parts.scheme == "https" else 80)
    host = parts.hostname if default else f"{parts.hostname}:{port}"
    if ":" in parts.hostname and default:  # an IPv6 literal keeps its brackets in Host
        host = f"[{parts.hostname}]"
    elif ":" in parts.hostname:
        host = f"[{parts.hostname}]:{port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    head = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode()
            + b"\r\nUser-Agent: " + USER_AGENT + b"\r\nContent-Type: " + content_type
            + b"\r\nContent-Length: ")
    return Target(parts.scheme, parts.hostname, port, head)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; reads one answer per request."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.open = False
        self.idle_since = 0.0
        self.heard = False  # anything came back since the last request was written
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.length: int | None = None  # the body's length; None: until the connection closes
        self.chunked = False
        self.body = bytearray()
        self.keep = True

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport, self.open = cast(asyncio.Transport, transport), True

    def data_received(self, data: bytes) -> None:
        self.heard = True
        if self.waiter is None or self.waiter.done():
            self._fail(HttpError("the server sent data nobody asked for"))
            return
        self.buffer += data
        try:
            self._parse()
        except HttpError as error:
            self._fail(error)

    def eof_received(self) -> bool:
        self.open = False
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if self.status and self.length is None and not self.chunked:
                self.keep = False
                waiter.set_result((self.status, bytes(self.buffer)))
            else:
                waiter.set_exception(HttpError("the server closed the connection"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open and exc is None:  # closed without an EOF of its own (TLS): the same end
            self.eof_received()
        self.open = False
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(HttpError("the connection was lost"))

    # a request

    def send(self, data: bytes) -> "asyncio.Future[tuple[int, bytes]]":
        """Write one request; the future gets (status, body)."""
        assert self.transport is not None
        self._reset()
        self.buffer.clear()
        self.heard = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def reusable(self) -> bool:
        """Whether the last answer left the connection ready for another request."""
        return self.open and self.keep and not self.buffer

    def close(self) -> None:
        """Drop the connection at once (nothing of it is reused)."""
        self.open = False
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self.close()

    def _parse(self) -> None:
        if not self.status:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise HttpError("the answer's headers are too long")
                return
            head = bytes(self.buffer[:end])
            del self.buffer[:end + 4]
            if not self._head(head):  # 1xx: an interim answer, the real one follows
                self._parse()
                return
        if self.chunked:
            self._chunks()
        elif self.length is not None:
            if len(self.buffer) >= self.length:
                body = bytes(self.buffer[:self.length])
                del self.buffer[:self.length]
                self._done(body)
        elif len(self.buffer) > MAX_BODY:
            raise HttpError("the answer is too long")

    def _head(self, head: bytes) -> bool:
        """Read the status line and headers; False for an interim (1xx) answer."""
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise HttpError("the answer is not HTTP/1.x")
        status = int(code)
        if status < 200:
            return False
        self.status, self.keep = status, version == "HTTP/1.1"
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise HttpError("a malformed header in the answer")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                if not value.isdigit() or int(value) > MAX_BODY:
                    raise HttpError("a bad Content-Length in the answer")
                self.length = int(value)
            elif name == "transfer-encoding":
                self.chunked = value.lower().endswith("chunked")
            elif name == "connection":
                tokens = {t.strip().lower() for t in value.split(",")}
                self.keep = ("keep-alive" in tokens or self.keep) and "close" not in tokens
        if self.chunked:
            self.length = None
        elif status in (204, 304):
            self.length = 0
        if self.length is None and not self.chunked:
            self.keep = False  # read until the server closes
        return True

    def _chunks(self) -> None:
        while True:
            end = self.buffer.find(b"\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise HttpError("a bad chunk in the answer")
                return
            size_text = bytes(self.buffer[:end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError("a bad chunk in the answer") from None
            if size == 0:  # the last chunk; then trailer headers (rare) and an empty line
                rest = end + 2
                if len(self.buffer) < rest + 2:
                    return
                if self.buffer[rest:rest + 2] == b"\r\n":
                    stop = rest + 2
                else:
                    stop = self.buffer.find(b"\r\n\r\n", rest)
                    if stop < 0:
                        return
                    stop += 4
                del self.buffer[:stop]
                self._done(bytes(self.body))
                return
            if len(self.buffer) < end + 2 + size + 2:
                return
            if len(self.body) + size > MAX_BODY:
                raise HttpError("the answer is too long")
            self.body += self.buffer[end + 2:end + 2 + size]
            del self.buffer[:end + 2 + size + 2]

    def _done(self, body: bytes) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, body))


class HttpClient:
    """POSTs bodies and returns (status, body); connections are kept per host and reused."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._targets: dict[tuple[str, bytes], Target] = {}
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    def target(self, url: str, content_type: bytes = b"application/json") -> Target:
        """The URL's parsed target, kept for the next call to it."""
        found = self._targets.get((url, content_type))
        if found is None:
            found = self._targets[(url, content_type)] = target_of(url, content_type)
        return found

    async def post(self, url: str, body: bytes, timeout: float,
                   content_type: bytes = b"application/json") -> tuple[int, bytes]:
        """POST `body` to `url`; within `timeout` seconds, or TimeoutError."""
        if self._closed:
            raise HttpError("the HTTP client is closed")
        target = self.target(url, content_type)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        request = target.head + str(len(body)).encode() + b"\r\n\r\n" + body
        connection = self._reuse(target)
        if connection is not None:
            try:
                return await self._exchange(target, connection, request, deadline)
            except HttpError:
                if connection.heard:
                    raise
                # Nothing came back on a kept-alive connection: most likely the server closed
                # it just as it was reused (the close crossed the request) and never read the
                # request. The callers would make the call again anyway, 2 s later (an
                # emergency's alert too): once more now, on a new connection.
        connection = await self._connect(target, max(deadline - loop.time(), 0.001))
        return await self._exchange(target, connection, request, deadline)

    async def _exchange(self, target: Target, connection: "_Connection", request: bytes,
                        deadline: float) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        self._busy.add(connection)
        waiter = connection.send(request)
        timer = loop.call_at(deadline, _time_out, waiter)
        try:
            answer = await waiter
        except BaseException:
            connection.close()  # timed out, cancelled or broken: never reused
            raise
        finally:
            timer.cancel()
            self._busy.discard(connection)
        if connection.reusable() and not self._closed:
            connection.waiter, connection.idle_since = None, time.monotonic()
            self._idle.setdefault(target.key, deque()).append(connection)
        else:
            connection.close()
        return answer

    def _reuse(self, target: Target) -> _Connection | None:
        idle = self._idle.get(target.key)
        now = time.monotonic()
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to be closed
            if connection.open and now - connection.idle_since < IDLE_S:
                return connection
            connection.close()
        return None

    async def _connect(self, target: Target, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if target.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            tls = self._tls
        try:
            async with asyncio.timeout(timeout):
                _, protocol = await loop.create_connection(
                    _Connection, target.host, target.port, ssl=tls,
                    server_hostname=target.host if tls else None)
        except OSError as error:  # refused, unreachable, no such host, TLS failure
            raise HttpError(f"could not connect: {type(error).__name__}") from None
        return protocol

    async def close(self) -> None:
        """Close every connection; later calls fail."""
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        for connection in list(self._busy):
            connection.close()


def _time_out(waiter: "asyncio.Future[tuple[int, bytes]]") -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
