"""Import aiogram without building a validator for every Telegram type up front.

aiogram declares its types with pydantic's `defer_build=True`, then `aiogram.types` calls
`model_rebuild()` on all of them to resolve their forward references, and that builds every
validator at once: about 110 MB of memory for some 300 types, of which the bot uses a handful
(Update, Message, CallbackQuery, User, Chat, ChatMember…). Measured: `import aiogram` takes the
process to 170 MB this way and to 60 MB with this module.

While `aiogram` is first imported, a `model_rebuild` that aiogram calls with its types'
namespace is recorded instead of run, and the names of that namespace that the type's module
imports only for type checkers are put into the module, so pydantic builds the validator on first
use (alone, or inside another model) exactly as the eager rebuild would have. Any other rebuild
(and every rebuild after the import) runs unchanged. Importing this module imports aiogram; it
must come before any other aiogram import (bot/aiogram_channel.py does that).
"""

import sys
from typing import Any

from pydantic import BaseModel

DEFERRED: list[type[BaseModel]] = []


def _import_lazily() -> None:
    if "aiogram" in sys.modules:  # already imported eagerly: nothing to save any more
        return
    eager = BaseModel.__dict__["model_rebuild"]

    def deferring(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if (namespace is not None and not args and not kwargs.get("force")
                and cls.__module__.startswith("aiogram.") and not cls.__pydantic_complete__):
            # The names aiogram imports only for type checkers, where pydantic will look for them
            # when it builds this class on its own or inside another model (a generic Response).
            module = vars(sys.modules[cls.__module__])
            for name, value in namespace.items():
                module.setdefault(name, value)
            DEFERRED.append(cls)
            return None
        return eager.__func__(cls, *args, **kwargs)  # type: ignore[no-any-return]

    BaseModel.model_rebuild = classmethod(deferring)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401
    finally:
        BaseModel.model_rebuild = eager  # type: ignore[method-assign]


_import_lazily()
