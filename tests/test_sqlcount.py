"""The bench's statement counter: shapes of statements, counted per kind of update."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sqlcount import SqlCounter, statement_shape


def test_a_shape_folds_its_lists_of_parameters_and_its_whitespace() -> None:
    assert statement_shape("SELECT a\n  FROM t WHERE t.id IN (?, ?, ?)") == (
        "SELECT a FROM t WHERE t.id IN (…)")
    assert statement_shape("INSERT INTO t (a, b) VALUES ($1::INTEGER, $2::VARCHAR)") != (
        statement_shape("INSERT INTO t (a, b) VALUES ($1, $2)"))  # typed: another shape
    assert statement_shape("SELECT x FROM t WHERE t.id IN (__[POSTCOMPILE_id_1])") == (
        "SELECT x FROM t WHERE t.id IN (…)")


async def test_shapes_are_counted_per_kind_only_when_asked(engine: AsyncEngine) -> None:
    plain, shaped = SqlCounter(), SqlCounter(shapes=True)
    plain.attach(engine)
    shaped.attach(engine)
    async with engine.connect() as connection:
        for _ in range(2):
            await connection.execute(text("SELECT 1"))
    assert plain.shapes_json()["shapes"] == {}
    assert shaped.shapes_json()["shapes"]["other"]["SELECT 1"] >= 2
    assert shaped.statements["other"] == plain.statements["other"] >= 2
    shaped.reset()
    assert shaped.shapes_json() == {"updates": {}, "shapes": {}}
