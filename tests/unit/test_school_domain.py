"""Given/When/Then over the pure school aggregate."""

import pytest

from services.visits.directory.domain import school
from services.visits.directory.domain.school import CorrectSchoolDetails, RegisterSchool, School
from shared.commands import IllegalStep
from shared.contracts.directory import SchoolDetailsCorrected, SchoolKind, SchoolRegistered


def register_cmd(**overrides: object) -> RegisterSchool:
    values: dict[str, object] = {
        "school_id": "s1",
        "name": "游仙区第一小学",
        "kind": SchoolKind.primary,
        "province": "510000",
        "city": "510700",
        "county": "510704",
        "zone_id": "z1",
        "address": "绵阳市游仙区",
        "city_direct": False,
        "principal_name": "李校长",
        "location": None,
    }
    values.update(overrides)
    return RegisterSchool(**values)  # type: ignore[arg-type]


def fold(events: list) -> School:  # type: ignore[type-arg]
    state = School()
    for e in events:
        state = school.evolve(state, e)
    return state


def test_registering_a_new_school_emits_school_registered() -> None:
    events = school.register(School(), register_cmd())
    assert len(events) == 1 and isinstance(events[0], SchoolRegistered)
    state = fold(events)
    assert state.registered
    assert state.jurisdiction is not None and state.jurisdiction.county == "510704"


def test_registering_twice_is_an_illegal_step() -> None:
    state = fold(school.register(School(), register_cmd()))
    with pytest.raises(IllegalStep, match="已登记"):
        school.register(state, register_cmd())


def test_city_direct_schools_have_no_county() -> None:
    with pytest.raises(IllegalStep):
        school.register(School(), register_cmd(city_direct=True))
    events = school.register(School(), register_cmd(city_direct=True, county=None, zone_id=None))
    assert fold(events).jurisdiction is not None


def test_correcting_an_unregistered_school_is_illegal() -> None:
    with pytest.raises(IllegalStep, match="未登记"):
        school.correct(School(), CorrectSchoolDetails(school_id="s1", reason="更名", name="新名"))


def test_a_correction_carries_only_what_changed() -> None:
    state = fold(school.register(School(), register_cmd()))
    [event] = school.correct(
        state, CorrectSchoolDetails(school_id="s1", reason="更名", name="游仙区实验小学")
    )
    assert isinstance(event, SchoolDetailsCorrected)
    assert event.name == "游仙区实验小学" and event.kind is None


def test_an_empty_correction_is_refused() -> None:
    state = fold(school.register(School(), register_cmd()))
    with pytest.raises(IllegalStep, match="nothing to correct"):
        school.correct(state, CorrectSchoolDetails(school_id="s1", reason="无"))
