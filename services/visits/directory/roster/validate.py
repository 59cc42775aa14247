"""Validating a roster, row by row, with no I/O.

:func:`parse` turns rows into typed entries (checking codes, required cells, dates)
and :func:`check` checks the file as a whole against what the directory already holds
(duplicates in the file, references to zones, inspectors and schools that are neither
in the file nor in the directory, ids already registered, entries outside the county).
Every problem becomes a :class:`~services.visits.directory.roster.format.RowError`; the caller
imports nothing unless both return none. One pass reports every error: a row with a bad
cell still has the ids it names (:class:`Partial`) checked against the file and the
directory, so fixing the cell does not bring up another error of the same row.

Longer than most modules (~470 lines) on purpose: one cell checker per sheet and the
whole-file checks read one table of rules; split, a reader would go back and forth.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from services.visits import names
from services.visits.directory.domain.listing import may_be_listed
from services.visits.directory.domain.zone import may_lead
from services.visits.directory.roster.format import INSPECTOR, LISTING, SCHOOL, ZONE, Row, RowError
from shared.contracts.directory import Employment, Location, SchoolKind
from shared.jurisdiction import Jurisdiction

ID = re.compile(names.ID)
DECIMAL = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
CHINA_LONGITUDE = (73.0, 136.0)
CHINA_LATITUDE = (3.0, 54.0)
"""A box around China (WGS-84): coordinates outside it are a typo or swapped columns."""
PHONE = re.compile(r"^[0-9+() -]{5,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCHOOL_KINDS = {
    "幼儿园": SchoolKind.kindergarten,
    "小学": SchoolKind.primary,
    "初中": SchoolKind.junior,
    "初级中学": SchoolKind.junior,
    "高中": SchoolKind.senior,
    "高级中学": SchoolKind.senior,
    "九年一贯制": SchoolKind.nine_year,
    "九年一贯制学校": SchoolKind.nine_year,
    "职业学校": SchoolKind.vocational,
    "中职": SchoolKind.vocational,
    **{k.value: k for k in SchoolKind},
}
EMPLOYMENTS = {
    "专职": Employment.full_time,
    "兼职": Employment.part_time,
    **{e.value: e for e in Employment},
}


@dataclass(frozen=True)
class ZoneEntry:
    row: int
    zone_id: str
    name: str
    leader_id: str | None
    bureau_liaison: str | None


@dataclass(frozen=True)
class InspectorEntry:
    row: int
    inspector_id: str
    name: str
    employment: Employment
    phone: str
    email: str | None
    title: str | None
    duties: str | None


@dataclass(frozen=True)
class SchoolEntry:
    row: int
    school_id: str
    name: str
    kind: SchoolKind
    zone_id: str
    address: str
    principal_name: str | None
    location: Location | None = None


@dataclass(frozen=True)
class ListingEntry:
    row: int
    inspector_id: str
    school_id: str
    starts_on: date
    duties: str | None


REFERENCES: dict[str, tuple[str, ...]] = {
    ZONE: ("组长督学编号",),
    SCHOOL: ("责任区编号",),
    LISTING: ("督学编号", "学校编号"),
}
"""The columns of each sheet that name another entry (a zone's leader, a school's zone,
a listing's inspector and school)."""


@dataclass(frozen=True)
class Partial:
    """A row with errors: the well-formed ids it names (column → id), checked all the same."""

    kind: str
    row: int
    ids: Mapping[str, str]


@dataclass
class Roster:
    zones: list[ZoneEntry] = field(default_factory=list)
    inspectors: list[InspectorEntry] = field(default_factory=list)
    schools: list[SchoolEntry] = field(default_factory=list)
    listings: list[ListingEntry] = field(default_factory=list)
    invalid_ids: set[str] = field(default_factory=set)
    """Ids of zones, inspectors and schools on rows with errors: references to them are
    not reported again (the row's own error says what to fix)."""
    partial: list[Partial] = field(default_factory=list)
    """The rows with errors, for the references they name."""

    def counts(self) -> dict[str, int]:
        return {
            "zones": len(self.zones),
            "inspectors": len(self.inspectors),
            "schools": len(self.schools),
            "listings": len(self.listings),
        }

    def referenced(self) -> tuple[set[str], set[str], set[str]]:
        """Every zone, inspector and school id the file names (to look them up)."""
        zones = {z.zone_id for z in self.zones} | {s.zone_id for s in self.schools}
        inspectors = {i.inspector_id for i in self.inspectors}
        inspectors |= {z.leader_id for z in self.zones if z.leader_id}
        inspectors |= {x.inspector_id for x in self.listings}
        schools = {s.school_id for s in self.schools} | {x.school_id for x in self.listings}
        for p in self.partial:
            zones |= {v for c, v in p.ids.items() if c == "责任区编号"}
            inspectors |= {v for c, v in p.ids.items() if c in ("组长督学编号", "督学编号")}
            schools |= {v for c, v in p.ids.items() if p.kind == LISTING and c == "学校编号"}
        return zones, inspectors, schools


class _Cells:
    """Reads one row's cells, collecting errors instead of raising."""

    def __init__(self, row: Row, errors: list[RowError]) -> None:
        self.row = row
        self.errors = errors
        self.ok = True

    def partial(self) -> Partial:
        """This row's well-formed references (for a row with errors)."""
        stated = ((c, self.row.get(c)) for c in REFERENCES.get(self.row.kind, ()))
        ids = {c: v for c, v in stated if v is not None and ID.match(v)}
        return Partial(self.row.kind, self.row.number, ids)

    def fail(self, column: str, message: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.row.kind, self.row.number, column, message))

    def text(self, column: str, required: bool, max_len: int = 100) -> str | None:
        value = self.row.get(column)
        if value is None:
            if required:
                self.fail(column, f"“{column}”为必填项 (required)")
            return None
        if len(value) > max_len:
            self.fail(column, f"“{column}”超过 {max_len} 个字符 (too long)")
        return value

    def code(self, column: str, required: bool = True) -> str | None:
        value = self.text(column, required)
        if value is not None and not ID.match(value):
            self.fail(column, f"编号“{value}”不合规：只能含字母、数字、-、_，2–40 位 (bad id)")
        return value

    def pick(self, column: str, choices: dict[str, Employment] | dict[str, SchoolKind]) -> str:
        value = self.text(column, True)
        if value is not None and value not in choices:
            names = "/".join(k for k in choices if not k.isascii())
            self.fail(column, f"“{value}”无效，应为 {names} (unknown value)")
        return value or ""

    def pattern(
        self, column: str, regex: re.Pattern[str], required: bool, what: tuple[str, str]
    ) -> str | None:
        """``what``: the value's name in zh-CN and in English."""
        value = self.text(column, required)
        if value is not None and not regex.match(value):
            self.fail(column, f"“{value}”不是有效的{what[0]} (not a valid {what[1]})")
        return value

    def day(self, column: str) -> date | None:
        value = self.text(column, True)
        if value is None:
            return None
        try:
            return date.fromisoformat(value.replace("/", "-"))
        except ValueError:
            self.fail(column, f"日期“{value}”无效，应为 YYYY-MM-DD (bad date)")
            return None

    def degrees(
        self, column: str, low: float, high: float, box: tuple[float, float]
    ) -> float | None:
        value = self.text(column, False, 30)
        if value is None:
            return None
        if not DECIMAL.match(value) or not math.isfinite(number := float(value)):
            self.fail(column, f"“{value}”不是十进制度数，应如 104.7320 (not decimal degrees)")
            return None
        if not low <= number <= high:
            self.fail(column, f"“{value}”超出 {low:g}～{high:g} 的范围 (out of range)")
            return None
        if not box[0] <= number <= box[1]:
            self.fail(
                column,
                f"“{value}”不在中国境内 ({box[0]:g}～{box[1]:g})，请检查是否填反了经纬度 "
                "(outside China: swapped columns?)",
            )
            return None
        return number

    def location(self) -> Location | None:
        """经度 and 纬度 (WGS-84), both or neither."""
        longitude = self.degrees("经度", -180, 180, CHINA_LONGITUDE)
        latitude = self.degrees("纬度", -90, 90, CHINA_LATITUDE)
        given = {c for c in ("经度", "纬度") if self.row.get(c) is not None}
        if len(given) == 1:
            missing = ({"经度", "纬度"} - given).pop()
            self.fail(missing, "经度和纬度须同时填写或同时留空 (both or neither)")
            return None
        if longitude is None or latitude is None:
            return None
        return Location(longitude=longitude, latitude=latitude)


def _zone(c: _Cells, roster: Roster) -> None:
    zone_id = c.code("责任区编号")
    name = c.text("责任区名称", True)
    leader = c.code("组长督学编号", required=False)
    liaison = c.text("联系局领导", False, 50)
    if not (c.ok and zone_id and name):
        roster.invalid_ids.add(zone_id or "")
        roster.partial.append(c.partial())
    elif zone_id and name:
        roster.zones.append(ZoneEntry(c.row.number, zone_id, name, leader, liaison))


def _inspector(c: _Cells, roster: Roster) -> None:
    inspector_id = c.code("督学编号")
    name = c.text("姓名", True, 50)
    employment = c.pick("专兼职", EMPLOYMENTS)
    phone = c.pattern("电话", PHONE, True, ("电话号码", "phone number"))
    email = c.pattern("邮箱", EMAIL, False, ("邮箱", "email address"))
    title = c.text("职称", False)
    duties = c.text("督学职责", False, 500)
    if not (c.ok and inspector_id and name and phone):
        roster.invalid_ids.add(inspector_id or "")
    elif inspector_id and name and phone:
        roster.inspectors.append(
            InspectorEntry(
                c.row.number,
                inspector_id,
                name,
                EMPLOYMENTS[employment],
                phone,
                email,
                title,
                duties,
            )
        )


def _school(c: _Cells, roster: Roster) -> None:
    school_id = c.code("学校编号")
    name = c.text("学校名称", True)
    kind = c.pick("学校类型", SCHOOL_KINDS)
    zone_id = c.code("责任区编号")
    address = c.text("地址", True, 200)
    principal = c.text("校长", False, 50)
    location = c.location()
    if not (c.ok and school_id and name and zone_id and address):
        roster.invalid_ids.add(school_id or "")
        roster.partial.append(c.partial())
    elif school_id and name and zone_id and address:
        roster.schools.append(
            SchoolEntry(
                c.row.number,
                school_id,
                name,
                SCHOOL_KINDS[kind],
                zone_id,
                address,
                principal,
                location,
            )
        )


def _listing(c: _Cells, roster: Roster) -> None:
    inspector_id = c.code("督学编号")
    school_id = c.code("学校编号")
    starts_on = c.day("挂牌日期")
    duties = c.text("挂牌职责", False, 500)
    if c.ok and inspector_id and school_id and starts_on:
        roster.listings.append(
            ListingEntry(c.row.number, inspector_id, school_id, starts_on, duties)
        )
    else:
        roster.partial.append(c.partial())


_PARSERS: dict[str, Callable[[_Cells, Roster], None]] = {
    ZONE: _zone,
    INSPECTOR: _inspector,
    SCHOOL: _school,
    LISTING: _listing,
}


def parse(rows: Iterable[Row]) -> tuple[Roster, list[RowError]]:
    roster, errors = Roster(), list[RowError]()
    for row in rows:
        _PARSERS[row.kind](_Cells(row, errors), roster)
    return roster, errors


@dataclass(frozen=True)
class ExistingListing:
    inspector_id: str
    starts_on: date
    ends_on: date | None
    listing_id: str = ""
    duties: str | None = None
    version: int = 1


@dataclass(frozen=True)
class Recorded:
    """An entry as the event store holds it: where it is, its fields (the contracts'
    names, as the roster columns map to them) and its stream version."""

    where: Jurisdiction
    fields: Mapping[str, object] = field(default_factory=dict)
    version: int = 1


@dataclass
class Existing:
    """What the directory already holds for the ids a file names."""

    zones: dict[str, Recorded] = field(default_factory=dict)
    inspectors: dict[str, Recorded] = field(default_factory=dict)
    schools: dict[str, Recorded] = field(default_factory=dict)
    listings: dict[str, list[ExistingListing]] = field(default_factory=dict)


def same_county(where: Jurisdiction, county: Jurisdiction) -> bool:
    return (where.province, where.city, where.county) == (
        county.province,
        county.city,
        county.county,
    )


def listing_conflict(
    olds: Iterable[ExistingListing], inspector_id: str, starts_on: date
) -> ExistingListing | None:
    """An ended listing of the same inspector that a row starting ``starts_on`` would
    overlap: the open listing is the one the row reconciles with (it may correct its
    start), an ended one with the same start is the row itself (kept as history)."""
    mine = [o for o in olds if o.inspector_id == inspector_id]
    if any(o.ends_on is not None and o.starts_on == starts_on for o in mine):
        return None
    for old in mine:
        if old.ends_on is not None and old.ends_on >= starts_on:
            return old
    return None


def check(roster: Roster, existing: Existing, county: Jurisdiction) -> list[RowError]:
    """Whole-file rules; ``county`` is where the import writes.

    An id already registered in ``county`` is not an error: the row is reconciled with
    it (:mod:`~services.visits.directory.roster.diff`). Registered anywhere else, it is.
    """
    errors: list[RowError] = []

    def err(kind: str, row: int, column: str, message: str) -> None:
        errors.append(RowError(kind, row, column, message))

    def unique(
        kind: str, column: str, items: Iterable[tuple[int, str]], known: dict[str, Recorded]
    ) -> None:
        first: dict[str, int] = {}
        for row, key in items:
            if key in first:
                err(kind, row, column, f"“{key}”与第 {first[key]} 行重复 (duplicate in file)")
                continue
            first[key] = row
            if key in known and not same_county(known[key].where, county):
                err(
                    kind,
                    row,
                    column,
                    f"“{key}”已在其他地区登记，不能由本县(区)花名册导入或更正 "
                    "(registered elsewhere)",
                )

    unique(ZONE, "责任区编号", ((z.row, z.zone_id) for z in roster.zones), existing.zones)
    unique(
        INSPECTOR,
        "督学编号",
        ((i.row, i.inspector_id) for i in roster.inspectors),
        existing.inspectors,
    )
    unique(SCHOOL, "学校编号", ((s.row, s.school_id) for s in roster.schools), existing.schools)

    file_inspectors = {i.inspector_id for i in roster.inspectors}
    file_zones = {z.zone_id for z in roster.zones}
    file_schools = {s.school_id for s in roster.schools} | roster.invalid_ids
    zone_where = county

    def inspector_ref(
        kind: str, row: int, column: str, inspector_id: str, ok: Callable[[Jurisdiction], bool]
    ) -> None:
        if inspector_id in file_inspectors or inspector_id in roster.invalid_ids:
            return
        office = existing.inspectors.get(inspector_id)
        if office is None:
            err(
                kind,
                row,
                column,
                f"督学“{inspector_id}”既不在本文件也不在平台中 (unknown inspector)",
            )
        elif not ok(office.where):
            err(
                kind,
                row,
                column,
                f"督学“{inspector_id}”属于其他县(区)，超出管辖范围 (outside jurisdiction)",
            )

    def in_county(
        kind: str, row: int, column: str, ref: str, what: str, known: Recorded | None
    ) -> None:
        """A zone or school that is neither in the file nor in the directory, or elsewhere."""
        name = {"zone": "责任区", "school": "学校"}[what]
        if known is None:
            err(kind, row, column, f"{name}“{ref}”既不在本文件也不在平台中 (unknown {what})")
        elif not same_county(known.where, county):
            err(
                kind,
                row,
                column,
                f"{name}“{ref}”属于其他县(区)，超出管辖范围 (outside jurisdiction)",
            )

    def zone_ref(kind: str, row: int, column: str, zone_id: str) -> None:
        if zone_id not in file_zones and zone_id not in roster.invalid_ids:
            in_county(kind, row, column, zone_id, "zone", existing.zones.get(zone_id))

    def school_ref(kind: str, row: int, column: str, school_id: str) -> None:
        if school_id not in file_schools:
            in_county(kind, row, column, school_id, "school", existing.schools.get(school_id))

    def leader_ref(kind: str, row: int, column: str, leader_id: str) -> None:
        inspector_ref(kind, row, column, leader_id, lambda o: may_lead(o, zone_where))

    def listed_ref(kind: str, row: int, column: str, inspector_id: str) -> None:
        inspector_ref(kind, row, column, inspector_id, lambda o: may_be_listed(o, county))

    refs: dict[tuple[str, str], Callable[[str, int, str, str], None]] = {
        (ZONE, "组长督学编号"): leader_ref,
        (SCHOOL, "责任区编号"): zone_ref,
        (LISTING, "督学编号"): listed_ref,
        (LISTING, "学校编号"): school_ref,
    }
    for z in roster.zones:
        if z.leader_id:
            leader_ref(ZONE, z.row, "组长督学编号", z.leader_id)
    for s in roster.schools:
        zone_ref(SCHOOL, s.row, "责任区编号", s.zone_id)
    for p in roster.partial:
        for column, ref in p.ids.items():
            refs[(p.kind, column)](p.kind, p.row, column, ref)

    pairs: dict[tuple[str, str], int] = {}
    for x in roster.listings:
        listed_ref(LISTING, x.row, "督学编号", x.inspector_id)
        school_ref(LISTING, x.row, "学校编号", x.school_id)
        pair = (x.inspector_id, x.school_id)
        if pair in pairs:
            err(
                LISTING,
                x.row,
                "督学编号",
                f"同一督学在同一学校的挂牌与第 {pairs[pair]} 行重复 (duplicate listing)",
            )
        pairs.setdefault(pair, x.row)
        old = listing_conflict(existing.listings.get(x.school_id, []), x.inspector_id, x.starts_on)
        if old is not None:
            err(
                LISTING,
                x.row,
                "挂牌日期",
                f"督学“{x.inspector_id}”在该校的挂牌已于 {old.ends_on} 结束，"
                "新的挂牌日期须晚于该日 (overlaps an ended listing)",
            )
    return errors
