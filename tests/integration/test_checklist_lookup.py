"""The checklist lookup answers the routine template even before any event is folded."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.visits.checklists.data import routine_template
from services.visits.visit.checklist_lookup import ReadModelChecklists


async def test_routine_v1_comes_from_the_data_file_until_the_read_model_has_it(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    lookup = ReadModelChecklists(db)
    newest = await lookup.checklist("routine", None)
    assert newest is not None and newest.version == 1
    assert [i.code for i in newest.items] == [i.code for i in routine_template().items]
    assert newest.items[5].title == "校园及周边安全、学生交通安全"
    assert "campus_walk" in newest.items[5].methods
    assert await lookup.checklist("routine", 1) == newest
    assert await lookup.checklist("routine", 2) is None
    assert await lookup.checklist("food", None) is None
    assert await lookup.campaign("nope") is None
