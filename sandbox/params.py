"""Reads call parameters from every encoding Telegram accepts: query, JSON, form, multipart."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from sandbox.errors import bad_request
from sandbox.files import UploadedFile


async def read_multipart(reader: MultipartReader, params: dict[str, Any],
                         files: dict[str, UploadedFile]) -> None:
    """Split a multipart body into text parameters and uploaded file parts."""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.name:
            continue  # nested multiparts and nameless parts carry no parameters
        if part.filename is not None:
            data = await part.read(decode=True)
            files[part.name] = UploadedFile(field=part.name, filename=part.filename,
                                            content_type=part.headers.get("Content-Type"),
                                            data=bytes(data))
        else:
            params[part.name] = await part.text()


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The call's parameters (query string merged with the body) and its uploaded files."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, files
    ctype = request.content_type
    if ctype == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise bad_request("sandbox: the request body is not valid JSON") from None
            if not isinstance(body, dict):
                raise bad_request("sandbox: a JSON request body must be an object")
            params.update(body)
    elif ctype == "multipart/form-data":
        await read_multipart(await request.multipart(), params, files)
    elif ctype == "application/x-www-form-urlencoded":
        params.update(await request.post())
    elif await request.read():
        raise bad_request(f"sandbox: unsupported Content-Type {ctype!r}")
    return params, files
