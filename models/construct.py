"""Building new table rows cheaply on the hot path."""

from typing import Any, TypeVar

from sqlalchemy.orm import class_mapper
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


def new_row(model: type[M], **values: Any) -> M:
    """A new (transient) row of a table model, as `model(**values)` builds it, without its
    per-field `setattr` (each an instrumented attribute event: ~5 µs a field, ~0.15 ms for a
    case). Like `__init__`, it does not validate; unknown names are refused."""
    fields = model.model_fields
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    row = class_mapper(model).class_manager.new_instance()
    state = row.__dict__
    for name, field in fields.items():
        state[name] = (values[name] if name in values
                       else field.get_default(call_default_factory=True))
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row
