"""What the command line says when it cannot go on: one or two clear lines, never a traceback."""

import logging
import sys
from collections.abc import Callable

from sqlalchemy import exc as sa_exc
from sqlalchemy import make_url

log = logging.getLogger("gridbot.cli")


class StartupError(Exception):
    """The bot cannot start, for a reason the operator must fix (e.g. a wrong token)."""


def _database(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "DATABASE_URL"


def explain(exc: BaseException, database_url: str) -> str:
    """One line saying what went wrong and what to check."""
    if isinstance(exc, StartupError):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8 and try "
                "again; nothing was changed")
    if isinstance(exc, RecursionError):
        return "the file is nested far too deeply to be a structure file; nothing was changed"
    if isinstance(exc, (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError, OSError)):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        return (f"cannot reach the database {_database(database_url)}: {reason} "
                "(check DATABASE_URL and that the server runs)")
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc) else ''}"


def guarded(command: str, run: Callable[[], int], database_url: str) -> int:
    """Run a command; an error becomes one line on stderr and exit code 1 (2 for StartupError)."""
    try:
        return run()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        log.debug("gridbot %s failed", command, exc_info=True)
        print(f"gridbot {command}: {explain(exc, database_url)}", file=sys.stderr)
        return 2 if isinstance(exc, StartupError) else 1
