"""Uploaded files: what a multipart part carried, the file_ids we hand out, image sizes."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from sandbox.errors import bad_request


@dataclass
class UploadedFile:
    """One multipart file part as the bot sent it."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class StoredFile:
    """A file the emulator knows by file_id, so bots can resend it like on Telegram."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None
    width: int = 0
    height: int = 0
    kind: str = ""  # "photo", "voice", "document", …: what it may be re-sent as


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP image, or None if it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and data[12:16] == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        return w, int.from_bytes(data[27:30], "little") + 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + length
    return None


# Kinds Telegram keeps apart: a file_id of one is refused as another.
RESEND_AS = ("photo", "voice")


@dataclass
class FileStore:
    """Every file the bot uploaded, keyed by the file_id returned to it."""

    files: dict[str, StoredFile] = field(default_factory=dict)

    def add(self, data: bytes | None, file_name: str | None, mime_type: str | None,
            kind: str) -> StoredFile:
        """Store an upload (or a URL's metadata) under fresh ids."""
        digest = hashlib.sha1((data or b"") + (file_name or "").encode()).hexdigest()[:16]
        n = len(self.files) + 1
        stored = StoredFile(file_id=f"SBX{kind[:3].upper()}{n:06d}{digest}",
                            file_unique_id=f"u{digest}", file_name=file_name,
                            mime_type=mime_type, data=data, kind=kind)
        self.files[stored.file_id] = stored
        return stored

    def resolve(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Turn an upload, a known file_id or an HTTP URL into a stored file, as Telegram does."""
        if isinstance(value, UploadedFile):
            name = value.filename or value.field
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(name)[0] or mime
            return self.add(value.data, name, mime, kind)
        if value in self.files:
            stored = self.files[value]
            if kind in RESEND_AS and stored.kind in RESEND_AS and stored.kind != kind:
                # Telegram refuses a file_id of another type, e.g. a photo's as a voice.
                raise bad_request(f"wrong file type: can't use file of type "
                                  f"{stored.kind.title()} as {kind.title()}")
            return stored
        if value.startswith(("http://", "https://")):
            name = unquote(urlparse(value).path.rsplit("/", 1)[-1]) or "file"
            return self.add(None, name, mimetypes.guess_type(name)[0], kind)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def document(self, stored: StoredFile) -> dict[str, Any]:
        """The Document object for a stored file."""
        doc: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            doc["file_name"] = stored.file_name
        if stored.mime_type:
            doc["mime_type"] = stored.mime_type
        if stored.data is not None:
            doc["file_size"] = len(stored.data)
        return doc

    def photo(self, stored: StoredFile) -> list[dict[str, Any]]:
        """The PhotoSize list for a stored image; rejects bytes that are not an image."""
        if stored.data is not None and not stored.width:
            size = image_size(stored.data)
            if size is None:
                # Telegram refuses photos it cannot decode with exactly this description.
                raise bad_request("IMAGE_PROCESS_FAILED")
            stored.width, stored.height = size
        width, height = stored.width or 1, stored.height or 1
        photo: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                 "width": width, "height": height}
        if stored.data is not None:
            photo["file_size"] = len(stored.data)
        return [photo]
