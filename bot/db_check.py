"""One check every CLI command runs first: is the configured database there, reachable and set
up? The answer is one or two lines saying what is wrong and what to run, never a traceback."""

from sqlalchemy import inspect, make_url, text

from bot.config import Settings
from bot.db import make_engine

SAMPLE = "examples/community.yaml"


def _reason(exc: BaseException) -> str:
    """The first line of the deepest error, short enough for one line."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return first[:160]


async def database_problem(
    settings: Settings, *, may_create: bool = False, needs_tables: bool = False
) -> str | None:
    """What keeps a CLI command from using the database, with what to run; None when it is fine.
    `may_create`: the command makes a missing SQLite file (migrations); `needs_tables`: it reads
    data, so an empty database is a problem too."""
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    path = settings.sqlite_path()
    if path is not None and not path.is_file():
        if may_create:
            path.parent.mkdir(parents=True, exist_ok=True)
            return None
        return (f"no database at {path}: set it up with `gridbot db upgrade` and "
                f"`gridbot import-structure {SAMPLE}` (or point DATABASE_URL in .env at yours).")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    except Exception as exc:  # any driver's way of saying "cannot connect" becomes one line
        return (f"cannot reach the database {shown}: {_reason(exc)}\n"
                "start the database server or fix DATABASE_URL in .env, then try again.")
    finally:
        await engine.dispose()
    if needs_tables and "cases" not in tables:
        return (f"the database {shown} is empty: run `gridbot db upgrade`, then "
                f"`gridbot import-structure {SAMPLE}` (your own file).")
    return None
