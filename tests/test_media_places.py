"""Where buildings stand (the structure file's optional `locations:`) and the building nearest a
shared location."""

import pytest

from bot.db import Sessions
from services import media
from services.structure_import import import_structure, load_structure
from services.structure_yaml import StructureError
from tests.conftest import EXAMPLE_STRUCTURE

GRID = 'buildings: ["1", "2", "3", "4", "5"]'


def located(locations: str) -> str:
    return EXAMPLE_STRUCTURE.read_text("utf-8").replace(
        GRID, f"{GRID}\n        locations: {locations}")


async def test_the_nearest_building_within_300_metres_is_found(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await import_structure(session, load_structure(located(
            '{"1": {lat: 31.2300, lon: 121.4700}, "3": {lat: 31.2310, lon: 121.4710}}')))
    async with sessions() as session:
        near = await media.nearest_building(session, latitude=31.2309, longitude=121.4709)
        assert near is not None and near.number == "3"
        assert await media.nearest_building(session, latitude=31.26, longitude=121.47) is None
        elsewhere = await media.nearest_building(session, latitude=31.2309, longitude=121.4709,
                                                 community_id=near.community_id + 1)
        assert elsewhere is None


@pytest.mark.parametrize("locations", [
    '{"99": {lat: 31.23, lon: 121.47}}',  # not a building of this grid
    '{"1": {lat: 91, lon: 121.47}}',  # off the Earth
    '{"1": {lat: 31.23}}',  # no longitude
])
def test_a_wrong_location_is_refused_with_its_place(locations: str) -> None:
    with pytest.raises(StructureError) as caught:
        load_structure(located(locations), source="community.yaml")
    assert "locations" in str(caught.value)


def test_metres_between_points() -> None:
    assert round(media.metres((31.23, 121.47), (31.24, 121.47))) == 1112
