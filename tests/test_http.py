"""bot/http.py, the Bot API's HTTP/1.1 client, against a raw server that answers as scripted:
lengths, chunks, closes, interim answers, garbage, silence; which connections are reused."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.http import HttpClient, HttpError, target_of

Script = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]
TOKEN_URL = "/bot123456:SECRET/sendMessage"


class Server:
    """Answers each request with the next script; records requests and connections."""

    def __init__(self, *scripts: Script) -> None:
        self.scripts = list(scripts)
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed_by_client = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, path: str = TOKEN_URL) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                await self.scripts.pop(0)(request, writer)
                await writer.drain()
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed_by_client += 1
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()


def answer(body: bytes = b'{"ok":true}', status: str = "200 OK", extra: bytes = b"",
           version: bytes = b"HTTP/1.1") -> Script:
    async def script(_request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(version + b" " + status.encode() + b"\r\nContent-Type: application/json\r\n"
                     + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                     + body)
    return script


def raw(data: bytes, *, close: bool = False, piecewise: bool = False) -> Script:
    async def script(_request: bytes, writer: asyncio.StreamWriter) -> None:
        for piece in ([data[i:i + 1] for i in range(len(data))] if piecewise else [data]):
            writer.write(piece)
            await writer.drain()
        if close:
            writer.close()
    return script


def silent() -> Script:
    async def script(_request: bytes, _writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)
    return script


@pytest.fixture
async def server_factory() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    servers: list[Server] = []

    async def make(*scripts: Script) -> Server:
        server = Server(*scripts)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient()
    yield http
    await http.close()


async def test_a_json_call_and_keep_alive(server_factory, client) -> None:
    server = await server_factory(answer(b'{"ok":true,"result":1}'), answer(b'{"ok":true}'))
    assert await client.post(server.url(), b'{"chat_id":1}', 5) == (200, b'{"ok":true,"result":1}')
    assert await client.post(server.url(), b'{}', 5) == (200, b'{"ok":true}')
    assert server.connections == 1  # the second call reused the first connection
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST " + TOKEN_URL.encode() + b" HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Type: application/json" in lines
    assert b"Content-Length: 13" in lines and body == b'{"chat_id":1}'


async def test_an_error_status_is_an_answer_not_a_failure(server_factory, client) -> None:
    body = b'{"ok":false,"error_code":429,"parameters":{"retry_after":3}}'
    server = await server_factory(answer(body, "429 Too Many Requests"))
    assert await client.post(server.url(), b"{}", 5) == (429, body)


@pytest.mark.parametrize("piecewise", [False, True])
async def test_chunked_answers(server_factory, client, piecewise: bool) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\n{\"ok\"\r\n6\r\n:true}\r\n0\r\n\r\n")
    with_trailer = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n")
    server = await server_factory(raw(chunked, piecewise=piecewise),
                                  raw(with_trailer, piecewise=piecewise), answer())
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert await client.post(server.url(), b"{}", 5) == (200, b"{}")
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 1


async def test_an_answer_split_into_single_bytes(server_factory, client) -> None:
    body = '{"ok":true,"result":{"text":"3号楼楼道灯坏了"}}'.encode()
    whole = (b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
             + body)
    server = await server_factory(raw(whole, piecewise=True))
    assert await client.post(server.url(), b"{}", 5) == (200, body)


async def test_an_answer_read_until_the_server_closes(server_factory, client) -> None:
    server = await server_factory(raw(b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":true}", close=True),
                                  answer())
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 2


@pytest.mark.parametrize("extra,version", [(b"Connection: close\r\n", b"HTTP/1.1"),
                                           (b"", b"HTTP/1.0")])
async def test_no_reuse_when_the_server_says_so(server_factory, client, extra: bytes,
                                                version: bytes) -> None:
    server = await server_factory(answer(extra=extra, version=version), answer())
    await client.post(server.url(), b"{}", 5)
    await client.post(server.url(), b"{}", 5)
    assert server.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_not_used(server_factory,
                                                                     client) -> None:
    async def answer_then_close(request: bytes, writer: asyncio.StreamWriter) -> None:
        await answer()(request, writer)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()

    server = await server_factory(answer_then_close, answer())
    await client.post(server.url(), b"{}", 5)
    await asyncio.sleep(0.2)  # the server's close reaches the idle connection
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 2


async def test_a_silent_server_times_out_and_the_connection_is_dropped(server_factory,
                                                                        client) -> None:
    server = await server_factory(silent(), answer())
    with pytest.raises(TimeoutError):
        await client.post(server.url(), b"{}", 0.2)
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 2  # never a late answer read as the next call's


async def test_a_cancelled_call_drops_its_connection(server_factory, client) -> None:
    server = await server_factory(silent(), answer())
    call = asyncio.create_task(client.post(server.url(), b"{}", 30))
    await asyncio.sleep(0.1)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 2


async def test_concurrent_calls_use_their_own_connections(server_factory, client) -> None:
    async def slow(body: bytes) -> Script:
        async def script(request: bytes, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(0.1)
            await answer(body)(request, writer)
        return script

    server = await server_factory(await slow(b"1"), await slow(b"2"), await slow(b"3"))
    answers = await asyncio.gather(*(client.post(server.url(), b"{}", 5) for _ in range(3)))
    assert sorted(body for _, body in answers) == [b"1", b"2", b"3"]
    assert server.connections == 3


async def test_an_interim_answer_is_skipped(server_factory, client) -> None:
    server = await server_factory(raw(b"HTTP/1.1 100 Continue\r\n\r\n"
                                      b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"))
    assert await client.post(server.url(), b"{}", 5) == (200, b"{}")


async def test_no_content(server_factory, client) -> None:
    server = await server_factory(raw(b"HTTP/1.1 204 No Content\r\n\r\n"), answer())
    assert await client.post(server.url(), b"{}", 5) == (204, b"")
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 1


@pytest.mark.parametrize("garbage", [
    b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
async def test_an_answer_that_is_not_http_fails_cleanly(server_factory, client,
                                                        garbage: bytes) -> None:
    server = await server_factory(raw(garbage), answer())
    with pytest.raises(HttpError) as failure:
        await client.post(server.url(), b"{}", 5)
    assert "SECRET" not in str(failure.value)
    assert await client.post(server.url(), b"{}", 5) == (200, b'{"ok":true}')
    assert server.connections == 2


async def test_the_server_closing_in_the_middle_of_an_answer(server_factory, client) -> None:
    server = await server_factory(
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\"", close=True))
    with pytest.raises(HttpError):
        await client.post(server.url(), b"{}", 5)


async def test_no_server_at_all_never_shows_the_url(client) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(HttpError) as failure:
        await client.post(f"http://127.0.0.1:{port}{TOKEN_URL}", b"{}", 5)
    assert "SECRET" not in str(failure.value) and "127.0.0.1" not in str(failure.value)


async def test_a_closed_client_refuses_calls(server_factory) -> None:
    server = await server_factory(answer())
    http = HttpClient()
    await http.post(server.url(), b"{}", 5)
    await http.close()
    with pytest.raises(HttpError):
        await http.post(server.url(), b"{}", 5)


def test_targets() -> None:
    plain = target_of("http://127.0.0.1:8081/bot1:T/getMe?x=1")
    assert (plain.scheme, plain.host, plain.port) == ("http", "127.0.0.1", 8081)
    assert plain.head.startswith(b"POST /bot1:T/getMe?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n")
    secure = target_of("https://api.telegram.org/bot1:T/sendMessage")
    assert (secure.port, secure.key) == (443, ("https", "api.telegram.org", 443))
    assert b"\r\nHost: api.telegram.org\r\n" in secure.head
    six = target_of("http://[::1]:8081/bot1:T/getMe")
    assert six.host == "::1" and b"\r\nHost: [::1]:8081\r\n" in six.head
    with pytest.raises(ValueError):
        target_of("ftp://example.org/bot1:T/getMe")


def hang_up() -> Script:
    """Read the request and close without a word (a keep-alive close crossing the request)."""
    async def script(_request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.close()
    return script


async def test_a_reused_connection_closed_as_the_request_crossed_is_tried_once_more(
        server_factory, client) -> None:
    server = await server_factory(answer(b"1"), hang_up(), answer(b"2"))
    assert await client.post(server.url(), b"{}", 5) == (200, b"1")
    assert await client.post(server.url(), b"{}", 5) == (200, b"2")  # not an error
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_new_connection_that_hangs_up_is_a_failure_not_a_retry(server_factory,
                                                                       client) -> None:
    server = await server_factory(hang_up(), answer())
    with pytest.raises(HttpError):
        await client.post(server.url(), b"{}", 5)
    assert server.connections == 1 and len(server.requests) == 1


async def test_a_reused_connection_that_broke_mid_answer_is_not_tried_again(server_factory,
                                                                            client) -> None:
    server = await server_factory(
        answer(b"1"), raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", close=True),
        answer(b"2"))
    await client.post(server.url(), b"{}", 5)
    with pytest.raises(HttpError):  # the server had begun answering: it may have acted
        await client.post(server.url(), b"{}", 5)
    assert len(server.requests) == 2
