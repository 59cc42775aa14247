"""The directory's application service against the in-memory event store (no Kafka, no
MongoDB): every command an office's, inside its jurisdiction; one load of the command's
stream; 404 before 403 before 412 for a change; the domain's errors."""

from __future__ import annotations

from datetime import date

import pytest

from services.visits.directory import service as d
from services.visits.directory.domain.division import RegisterDivision
from services.visits.directory.domain.inspector import RegisterInspector
from services.visits.directory.domain.listing import EndListing, ListInspector
from services.visits.directory.domain.school import (
    ChangeSchoolZone,
    CorrectSchoolDetails,
    RegisterSchool,
)
from services.visits.directory.domain.zone import CorrectZone, EstablishZone
from services.visits.directory.steps import STEPS
from shared import commands as c
from shared.auth import Role
from shared.contracts.directory import DivisionLevel, Employment
from shared.eventstore import StalePrecondition
from shared.jurisdiction import Jurisdiction
from tests.fakes import Ids, MemoryEventStore, caller
from tests.unit.test_directory_domain import establish, registered_school

HOME = Jurisdiction(province="510000", city="510700", county="510704")
ELSEWHERE = Jurisdiction(province="510000", city="510700", county="510705")


OFFICE = caller("u1", Role.county_office, where=HOME)
OTHER_OFFICE = caller("u1", Role.county_office, where=ELSEWHERE)
INSPECTOR = caller("u1", Role.inspector, where=HOME)


def register_school(
    school_id: str = "s1", zone_id: str | None = None, county: str = "510704"
) -> RegisterSchool:
    stated = registered_school(school_id, county).model_dump()
    return RegisterSchool(**{**stated, "zone_id": zone_id})


def register_inspector(inspector_id: str = "i1", county: str = "510704") -> RegisterInspector:
    return RegisterInspector(
        inspector_id=inspector_id,
        name="李督学",
        employment=Employment.full_time,
        phone="0816-1234567",
        province="510000",
        city="510700",
        county=county,
    )


def establish_zone(zone_id: str = "z1", county: str = "510704") -> EstablishZone:
    return establish(zone_id=zone_id, county=county, leader_id=None, bureau_liaison=None)


@pytest.fixture
def world() -> tuple[d.DirectoryService, MemoryEventStore]:
    store = MemoryEventStore()
    return d.DirectoryService(store, new_id=Ids()), store


def test_every_command_has_a_permission_and_a_step() -> None:
    assert set(d.PERMISSIONS) == set(STEPS)


async def test_an_office_registers_and_corrects_a_school_loading_its_stream_once(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, store = world
    written = await service.handle("s1", register_school(), OFFICE)
    assert (written.entry_id, written.version) == ("s1", 1)
    store.loads.clear()
    fix = CorrectSchoolDetails("s1", "更名", name="游仙区实验小学")
    assert (await service.handle("s1", fix, OFFICE, expected_version=1)).version == 2
    assert store.loads == ["school-s1"]
    assert store.types("school-s1") == ["school_registered", "school_details_corrected"]


async def test_only_an_office_inside_the_entry_sends_directory_commands(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, store = world
    with pytest.raises(c.Forbidden):
        await service.handle("s1", register_school(), INSPECTOR)
    with pytest.raises(c.Forbidden):
        await service.handle("s1", register_school(), OTHER_OFFICE)
    assert store.streams == {}
    await service.handle("s1", register_school(), OFFICE)
    with pytest.raises(c.IllegalStep):  # registered already, by the caller's office: 409
        await service.handle("s1", register_school(), OFFICE)
    with pytest.raises(c.Forbidden):  # an id taken in another county: 403, not 409
        await service.handle("s1", register_school(county="510705"), OTHER_OFFICE)


async def test_a_change_is_404_then_403_then_412(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, _ = world
    fix = CorrectSchoolDetails("s1", "更名", name="新名称")
    with pytest.raises(d.UnknownSchool):
        await service.handle("s1", fix, OTHER_OFFICE, expected_version=9)
    await service.handle("s1", register_school(), OFFICE)
    with pytest.raises(c.Forbidden):
        await service.handle("s1", fix, OTHER_OFFICE, expected_version=9)
    with pytest.raises(StalePrecondition):
        await service.handle("s1", fix, OFFICE, expected_version=9)


async def test_a_school_names_only_an_established_zone_of_its_county(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, _ = world
    with pytest.raises(c.InvalidField):
        await service.handle("s1", register_school(zone_id="z9"), OFFICE)
    await service.handle("z9", establish_zone("z9", county="510705"), OTHER_OFFICE)
    with pytest.raises(c.Forbidden):  # another county's zone: the caller is not over it
        await service.handle("s1", register_school(zone_id="z9"), OFFICE)


async def test_a_zone_leader_and_a_listed_inspector_belong_to_an_office_over_it(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, _ = world
    await service.handle("far", register_inspector("far", county="510705"), OTHER_OFFICE)
    await service.handle("z1", establish_zone(), OFFICE)
    with pytest.raises(c.Forbidden):
        change = CorrectZone("z1", "换组长", change_leader=True, leader_id="far")
        await service.handle("z1", change, OFFICE, expected_version=1)
    await service.handle("s1", register_school(), OFFICE)
    with pytest.raises(c.Forbidden):
        await service.handle("s1", ListInspector("s1", "far", date(2026, 9, 1)), OFFICE)


async def test_a_listing_answers_its_own_id_and_version(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, store = world
    await service.handle("i1", register_inspector(), OFFICE)
    await service.handle("s1", register_school(), OFFICE)
    listed = await service.handle("s1", ListInspector("s1", "i1", date(2026, 9, 1)), OFFICE)
    assert (listed.entry_id, listed.version) == ("s1-L1", 1)
    end = EndListing("s1-L1", date(2026, 12, 31), "调离")
    with pytest.raises(StalePrecondition):  # the listing's version, not the stream's (2)
        await service.handle("s1-L1", end, OFFICE, expected_version=2)
    assert (await service.handle("s1-L1", end, OFFICE, expected_version=1)).version == 2
    with pytest.raises(c.IllegalStep):
        await service.handle("s1-L1", end, OFFICE)
    with pytest.raises(d.UnknownEntry):
        await service.handle("s1-L7", end, OFFICE)
    assert store.types("school-s1") == ["school_registered", "inspector_listed", "listing_ended"]


async def test_an_unknown_id_in_a_body_is_422_naming_the_field(
    world: tuple[d.DirectoryService, MemoryEventStore],
) -> None:
    service, store = world
    province = caller("u1", Role.province_office, where=Jurisdiction(province="510000"))
    await service.handle("s1", register_school(), OFFICE)
    await service.handle("z1", establish_zone(), OFFICE)
    before = {sid: len(events) for sid, events in store.streams.items()}
    leader = "body.leader_id"
    cases: list[tuple[str, d.Command, int | None, str]] = [
        ("s9", ListInspector("s9", "i1", date(2026, 9, 1)), None, "body.school_id"),
        ("s1", ListInspector("s1", "i9", date(2026, 9, 1)), None, "body.inspector_id"),
        ("s1", ChangeSchoolZone("s1", "z9", "学区调整"), 1, "body.zone_id"),
        ("z2", establish(zone_id="z2", leader_id="i9", bureau_liaison=None), None, leader),
        ("z1", CorrectZone("z1", "换组长", change_leader=True, leader_id="i9"), 1, leader),
    ]
    for entry_id, command, expected, named in cases:
        with pytest.raises(c.InvalidField) as unknown:
            await service.handle(entry_id, command, OFFICE, expected_version=expected)
        assert unknown.value.field == named, command
    orphan = RegisterDivision("510704", "游仙区", DivisionLevel.county)
    with pytest.raises(c.InvalidField) as unknown:
        await service.handle("510704", orphan, province)
    assert unknown.value.field == "body.code"
    assert {sid: len(events) for sid, events in store.streams.items()} == before
    with pytest.raises(d.UnknownSchool):  # an id in the path stays 404
        await service.handle("s9", CorrectSchoolDetails("s9", "更名", name="x"), OFFICE)
