"""The visit masks: a school's visited months per year, and its entry in the histograms
of the units above it — moved with the school when it changes zone (docs/reporting.md,
"A school that changes zone").

A unit's ``masks`` document of year Y maps an entry key to a number of schools:

* ``v~<mask>`` — schools whose visited months of the window (January of Y−1 to December
  of Y, bit 0 to bit 23) form ``mask``, counted in every period that ends in Y;
* ``v~<mask>~<from>~<to>~<registered>`` (``-`` for a part not given) — the same, counted
  only in periods whose last month ``L`` has ``from <= L < to`` (the school was in the
  unit's zone at the end of ``L``); ``registered`` (a registration month, owing visits
  only from it on) is always ``-`` for now: joining it to the mask would depend on the
  order the directory and visits topics are read in (docs/reporting.md).

A school's own document holds its one mask and, under ``zones``, its entries above it:
``{"zone", "from", "to", "mask", "key"}``, one per stay in a zone (``key`` as written
into that zone's and its county's documents). A zone change ends the stay in the old
zone at the change month and starts one in the new zone with the same mask; a visit
sets its month in the stay of the zone its event names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from services.reporting.rollups import known
from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.periods import month_key
from services.reporting.rollups.domain.units import Unit
from shared.projection import Doc, DocRef, View

Stay = dict[str, Any]


def mask_ref(unit: Unit | str, year: int) -> DocRef:
    unit_id = unit if isinstance(unit, str) else unit.id
    return DocRef("masks", f"{unit_id}|{year:04d}")


def entry_key(
    mask: int, start: str | None, end: str | None, registered: str | None, year: int
) -> str | None:
    """The key of a school's entry in a ``masks`` document of ``year``; ``None`` when the
    entry counts in no period ending in that year (or the school has no visit)."""
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    start = start if start is not None and start > first else None
    end = end if end is not None and end <= last else None
    if not mask or (start is not None and start > last) or (end and end <= (start or first)):
        return None
    if registered is not None and registered <= f"{year - 1:04d}-01":
        registered = None  # existed in every month of the window
    if start is None and end is None and registered is None:
        return c.key(c.VISITED_MASK, mask)
    parts = (p if p is not None else c.NOT_GIVEN for p in (start, end, registered))
    return c.key(c.VISITED_MASK, mask, *parts)


def _change(old: str | None, new: str | None) -> c.Counts:
    delta: c.Counts = {}
    if new is not None:
        delta[new] = 1
    if old is not None:
        delta = c.add(delta, {old: -1})
    return delta


def _own(doc: Doc | None) -> tuple[int, str | None]:
    """The school's mask and its key in its own document."""
    if doc is None or not doc["n"]:
        return 0, None
    key = next(iter(doc["n"]))
    return int(key.split("~")[1]), key


def stays(doc: Doc | None, zone: str) -> list[Stay]:
    """The school's stays in zones of a year's document (one in ``zone`` for a document
    written before stays were kept, or for none)."""
    if doc is not None and "zones" in doc:
        return [dict(s) for s in doc["zones"]]
    mask, key = _own(doc)
    return [{"zone": zone, "from": None, "to": None, "mask": mask, "key": key}]


def _stay_of(found: list[Stay], zone: str, month: str) -> Stay | None:
    """The school's stay in ``zone`` the month falls in (else its last there); ``None``
    when it never stayed there (a visit read before the move it follows: counting it in
    ``zone`` would count the school in two zones)."""
    mine = [s for s in found if s["zone"] == zone]
    for stay in mine:
        if (stay["from"] or "") <= month and (stay["to"] is None or month < stay["to"]):
            return stay
    return mine[-1] if mine else None


def _write(view: View, unit: Unit, year: int, day: date, recorded: str, delta: c.Counts) -> None:
    if not delta:
        return
    for ref, fields in (
        (mask_ref(unit, year), {"year": year}),
        (known.mask_delta_ref(unit, year, day, recorded), {"year": year, "recorded_on": recorded}),
    ):
        doc = view.get(ref) or {**unit.meta(), **fields, "n": {}}
        view.put(ref, {**doc, "n": c.add(doc["n"], delta)})


def mark_visited(
    view: View, units: Sequence[Unit], day: date, recorded: str, registered: str | None
) -> None:
    """Set the visit's month in the school's masks (the years ``day`` falls in) and in
    its stay in the zone the event names; the units above get the stay's change."""
    school, zone, above = units[-1], units[-2], units[:-2]
    month = month_key(day)
    for year, bit in ((day.year, 12 + day.month - 1), (day.year + 1, day.month - 1)):
        ref = mask_ref(school, year)
        mine = view.get(ref)
        old, old_key = _own(mine)
        new_key = entry_key(old | 1 << bit, None, None, registered, year)
        found = stays(mine, zone.id)
        stay = _stay_of(found, zone.id, month)
        zone_delta: c.Counts = {}
        if stay is not None:
            bits = stay["mask"] | 1 << bit
            stay_key = entry_key(bits, stay["from"], stay["to"], registered, year)
            zone_delta = _change(stay["key"], stay_key)
            stay.update(mask=bits, key=stay_key)
        _write(view, school, year, day, recorded, _change(old_key, new_key))
        for unit in (*above, zone):
            _write(view, unit, year, day, recorded, zone_delta)
        doc = view.get(ref) or {**school.meta(), "year": year, "n": {}}
        view.put(ref, {**doc, "zones": found})


def move_years(day: date) -> tuple[int, ...]:
    """The mask documents a zone change rewrites: the year of the change and the two
    after (a document of year Y holds the months of Y−1 and Y)."""
    return (day.year, day.year + 1, day.year + 2)


def move(
    view: View,
    school: Unit,
    old: Unit,
    new: Unit,
    above: Sequence[Unit],
    day: date,
    recorded: str,
    registered: str | None,
) -> None:
    """End the school's stay in ``old`` at the month of ``day`` and start one in ``new``
    with the same mask, in every year's document the change can touch."""
    month = month_key(day)
    for year in move_years(day):
        ref = mask_ref(school, year)
        mine = view.get(ref)
        found = stays(mine, old.id)
        current = [s for s in found if s["to"] is None and s["zone"] == old.id]
        if not current:
            continue  # the school's stays are elsewhere: nothing of it is counted in ``old``
        stay = current[-1]
        ended = entry_key(stay["mask"], stay["from"], month, registered, year)
        started = entry_key(stay["mask"], month, None, registered, year)
        old_delta = _change(stay["key"], ended)
        new_delta = _change(None, started)
        stay.update(to=month, key=ended)
        found.append({"zone": new.id, "from": month, "to": None, "mask": stay["mask"]})
        found[-1]["key"] = started
        _write(view, old, year, day, recorded, old_delta)
        _write(view, new, year, day, recorded, new_delta)
        for unit in above:
            _write(view, unit, year, day, recorded, c.add(old_delta, new_delta))
        doc = mine or {"year": year, "n": {}}
        view.put(ref, {**doc, **school.meta(), "zones": found})
