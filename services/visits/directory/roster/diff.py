"""Reconciling a valid roster with the directory, with no I/O: what an import would write.

Each zone, inspector and school row is matched by its id, each listing row by its
inspector and school. A row whose id the directory does not hold is **new**; a row equal
to what the event store holds is **unchanged**; a row that differs is **changed**, with
the fields before and after (written as the directory's correction events). An empty
optional cell never clears a recorded value (the correction events cannot express
"cleared"): it leaves it as it is.

Listings at the file's schools that the directory holds open but the file no longer
names are **absent**; only when the import is asked to (``end_missing``) do they become
**ended** (``ListingEnded`` on ``ends_on``). See docs/roster-import.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel

from services.visits.directory.domain import inspector, school
from services.visits.directory.roster.format import INSPECTOR, LISTING, SCHOOL, ZONE, RowError
from services.visits.directory.roster.validate import (
    Existing,
    ExistingListing,
    InspectorEntry,
    ListingEntry,
    Recorded,
    Roster,
    SchoolEntry,
    ZoneEntry,
)
from shared.contracts.directory import Location

ZONE_FIELDS = ("name", "leader_id", "bureau_liaison")
INSPECTOR_FIELDS = inspector.DETAILS
SCHOOL_FIELDS = school.DETAILS
LISTING_FIELDS = ("starts_on", "duties")
KIND_NAMES = {ZONE: "zone", INSPECTOR: "inspector", SCHOOL: "school", LISTING: "listing"}
COORDINATE_DIGITS = 6
"""Coordinates equal to 6 decimals (about 0.1 m) are the same place (Excel may re-save
104.732 as 104.73200000000001)."""

Fields = dict[str, tuple[object, object]]


@dataclass(frozen=True)
class Change:
    """A row that differs from the directory: the fields before and after."""

    sheet: str
    row: int
    key: str
    """The zone, inspector or school id; for a listing, the listing id."""
    fields: Fields
    version: int
    """What the correction expects: the stream's version, a listing its own."""
    school_id: str = ""
    inspector_id: str = ""


@dataclass(frozen=True)
class Ending:
    """An open listing at one of the file's schools that the file no longer names."""

    listing_id: str
    school_id: str
    inspector_id: str
    starts_on: date
    version: int


@dataclass
class Diff:
    new_zones: list[ZoneEntry] = field(default_factory=list)
    new_inspectors: list[InspectorEntry] = field(default_factory=list)
    new_schools: list[SchoolEntry] = field(default_factory=list)
    new_listings: list[ListingEntry] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(
        default_factory=lambda: {"zones": 0, "inspectors": 0, "schools": 0, "listings": 0}
    )
    ended: list[Ending] = field(default_factory=list)
    absent: list[Ending] = field(default_factory=list)
    ends_on: date | None = None
    warnings: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def changes(self, sheet: str) -> list[Change]:
        return [c for c in self.changed if c.sheet == sheet]

    @property
    def writes(self) -> int:
        """Entries the import writes (each one command)."""
        new = (
            len(self.new_zones)
            + len(self.new_inspectors)
            + len(self.new_schools)
            + len(self.new_listings)
        )
        return new + len(self.changed) + len(self.ended)

    def as_dict(self) -> dict[str, Any]:
        def change(c: Change) -> dict[str, Any]:
            return {
                "kind": KIND_NAMES[c.sheet],
                "id": c.key,
                "sheet": c.sheet,
                "row": c.row,
                "fields": {
                    k: {"before": plain(before), "after": plain(after)}
                    for k, (before, after) in c.fields.items()
                },
                **(
                    {"school_id": c.school_id, "inspector_id": c.inspector_id}
                    if c.school_id
                    else {}
                ),
            }

        def ending(e: Ending) -> dict[str, Any]:
            return {
                "listing_id": e.listing_id,
                "school_id": e.school_id,
                "inspector_id": e.inspector_id,
                "starts_on": e.starts_on.isoformat(),
                **(
                    {"ends_on": self.ends_on.isoformat()}
                    if self.ends_on and e in self.ended
                    else {}
                ),
            }

        return {
            "new": {
                "zones": [z.zone_id for z in self.new_zones],
                "inspectors": [i.inspector_id for i in self.new_inspectors],
                "schools": [s.school_id for s in self.new_schools],
                "listings": [
                    {
                        "inspector_id": x.inspector_id,
                        "school_id": x.school_id,
                        "starts_on": x.starts_on.isoformat(),
                    }
                    for x in self.new_listings
                ],
            },
            "unchanged": dict(self.unchanged),
            "changed": [change(c) for c in self.changed],
            "ended": [ending(e) for e in self.ended],
            "absent": [ending(e) for e in self.absent],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def plain(value: object) -> object:
    """A field value as JSON shows it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def same(before: object, after: object) -> bool:
    if isinstance(before, Location) and isinstance(after, Location):
        return all(
            round(getattr(before, k), COORDINATE_DIGITS)
            == round(getattr(after, k), COORDINATE_DIGITS)
            for k in ("longitude", "latitude")
        )
    return before == after


def field_changes(recorded: Mapping[str, object], wanted: Mapping[str, object]) -> Fields:
    """The fields of ``wanted`` that differ from ``recorded``; ``None`` (empty) is no change."""
    return {
        name: (recorded.get(name), after)
        for name, after in wanted.items()
        if after is not None and not same(recorded.get(name), after)
    }


def _values(entry: object, names: Iterable[str]) -> dict[str, object]:
    return {n: getattr(entry, n) for n in names}


def _entries(
    diff: Diff,
    sheet: str,
    entries: Iterable[ZoneEntry | InspectorEntry | SchoolEntry],
    key_of: str,
    names: tuple[str, ...],
    recorded: Mapping[str, Recorded],
    new: list[Any],
) -> None:
    plural = {ZONE: "zones", INSPECTOR: "inspectors", SCHOOL: "schools"}[sheet]
    for entry in entries:
        key = str(getattr(entry, key_of))
        known = recorded.get(key)
        if known is None:
            new.append(entry)
            continue
        fields = field_changes(known.fields, _values(entry, names))
        if fields:
            diff.changed.append(Change(sheet, entry.row, key, fields, known.version))
        else:
            diff.unchanged[plural] += 1


def _listing(diff: Diff, x: ListingEntry, olds: list[ExistingListing]) -> None:
    mine = [o for o in olds if o.inspector_id == x.inspector_id]
    open_ = next((o for o in mine if o.ends_on is None), None)
    if open_ is not None:
        recorded = {"starts_on": open_.starts_on, "duties": open_.duties}
        fields = field_changes(recorded, {"starts_on": x.starts_on, "duties": x.duties})
        if fields:
            diff.changed.append(
                Change(
                    LISTING,
                    x.row,
                    open_.listing_id,
                    fields,
                    open_.version,
                    school_id=x.school_id,
                    inspector_id=x.inspector_id,
                )
            )
        else:
            diff.unchanged["listings"] += 1
        return
    history = next((o for o in mine if o.starts_on == x.starts_on), None)
    if history is not None:
        diff.unchanged["listings"] += 1
        diff.warnings.append(
            RowError(
                LISTING,
                x.row,
                "挂牌日期",
                f"该挂牌 ({history.listing_id}) 已于 {history.ends_on} 结束，本行未重新挂牌；"
                "如需重新挂牌，请填写晚于结束日的挂牌日期 (listing already ended; row kept)",
            )
        )
        return
    diff.new_listings.append(x)


def reconcile(
    roster: Roster, existing: Existing, end_missing: bool = False, ends_on: date | None = None
) -> Diff:
    """What importing ``roster`` changes, given ``existing`` (already checked valid).

    ``end_missing``: end (on ``ends_on``) the open listings at the file's schools that the
    file does not name; otherwise they are only reported as absent.
    """
    diff = Diff(ends_on=ends_on if end_missing else None)
    _entries(diff, ZONE, roster.zones, "zone_id", ZONE_FIELDS, existing.zones, diff.new_zones)
    _entries(
        diff,
        INSPECTOR,
        roster.inspectors,
        "inspector_id",
        INSPECTOR_FIELDS,
        existing.inspectors,
        diff.new_inspectors,
    )
    _entries(
        diff, SCHOOL, roster.schools, "school_id", SCHOOL_FIELDS, existing.schools, diff.new_schools
    )
    for x in roster.listings:
        _listing(diff, x, existing.listings.get(x.school_id, []))

    named = {(x.inspector_id, x.school_id) for x in roster.listings}
    rows = {x.school_id: (LISTING, x.row) for x in reversed(roster.listings)}
    rows.update({s.school_id: (SCHOOL, s.row) for s in roster.schools})
    for school_id, (sheet, row) in rows.items():
        for old in existing.listings.get(school_id, []):
            if old.ends_on is not None or (old.inspector_id, school_id) in named:
                continue
            gone = Ending(old.listing_id, school_id, old.inspector_id, old.starts_on, old.version)
            if not end_missing:
                diff.absent.append(gone)
            elif ends_on is not None and ends_on < old.starts_on:
                diff.errors.append(
                    RowError(
                        sheet,
                        row,
                        "学校编号",
                        f"挂牌 {old.listing_id} 自 {old.starts_on} 起，不能在 {ends_on} 结束 "
                        "(a listing cannot end before it starts)",
                    )
                )
            else:
                diff.ended.append(gone)
    return diff
