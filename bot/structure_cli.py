"""`gridbot import-structure FILE`: load or update the structure in one transaction."""

import sys
from pathlib import Path

from bot.config import Settings
from bot.db import open_database
from services.structure_import import StructureError, import_structure, load_structure


async def import_file(settings: Settings, path: Path) -> int:
    """Validate the file, then write it; a malformed file changes nothing."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        structure = load_structure(text, source=path.name)
    except StructureError as exc:
        print(f"error: {exc}\nnothing was changed.", file=sys.stderr)
        return 1
    async with open_database(settings) as (_engine, sessions):
        async with sessions() as session, session.begin():
            report = await import_structure(session, structure)
    print(report.summary())
    return 0
