"""The ``units`` documents of the roll-ups: what makes every read a point look-up.

``_id = <unit>``: the unit's fields (:meth:`~.domain.units.Unit.meta`), ``children`` (the
ids of the units one level down that have counts, sorted: the drill-down) and ``cum``:
per month ``YYYY-MM``, the part of the unit's counts of that month that later periods
read as "before" (:func:`carried`). A period's figures then need the unit's monthly
documents of the period's months, its visit mask of the period's last year and this
document — all by ``_id``, whatever the history (docs/reporting.md, "Cost of reads").
``cum`` is additive like the monthly counts, so a parent's is its children's sum.
"""

from __future__ import annotations

from services.reporting.rollups.domain import counts as c
from services.reporting.rollups.domain.units import Unit
from shared.projection import Doc, DocRef, View

UNITS = "units"


def unit_ref(unit_id: str) -> DocRef:
    return DocRef(UNITS, unit_id)


def carried(deltas: c.Counts) -> c.Counts:
    """What of a month's counts the figures of a later period read as "before" (the
    cumulative figures): schools registered, the net change of open and of open overdue
    issues (summed over the month's days, as ``open~00`` / ``overdue_open~00``), the
    schools first visited under each campaign and the net change of each problem item's
    open issues (``item_open~<item>``)."""
    out: c.Counts = {}
    for k, v in deltas.items():
        if k == c.REGISTERED or k.startswith((_CAMPAIGN_SCHOOLS, _ITEM_OPEN)):
            out = c.add(out, {k: v})
        elif k.startswith(_OPEN):
            out = c.add(out, {_OPEN_SUM: v})
        elif k.startswith(_OVERDUE):
            out = c.add(out, {_OVERDUE_SUM: v})
    return out


_CAMPAIGN_SCHOOLS = c.CAMPAIGN_SCHOOLS + "~"
_ITEM_OPEN = c.ITEM_OPEN + "~"
_OPEN, _OPEN_SUM = c.OPEN_DELTA + "~", c.key(c.OPEN_DELTA, "00")
_OVERDUE, _OVERDUE_SUM = c.OVERDUE_DELTA + "~", c.key(c.OVERDUE_DELTA, "00")


def enrol(view: View, unit: Unit, month: str, carry: c.Counts) -> None:
    """The unit's ``units`` document: created with its first counts (and listed among
    its parent's children), its month's carried counts added."""
    ref = unit_ref(unit.id)
    doc = view.get(ref)
    if doc is None:
        doc = {**unit.meta(), "children": [], "cum": {}}
        parent = view.get(unit_ref(unit.parent)) if unit.parent else None
        if parent is not None and unit.id not in parent["children"]:
            children = sorted([*parent["children"], unit.id])
            view.put(unit_ref(parent["unit"]), {**parent, "children": children})
    elif not carry:
        return
    if carry:
        cum = dict(doc["cum"])
        month_carry = c.add(cum.get(month, {}), carry)
        if month_carry:
            cum[month] = month_carry
        else:
            cum.pop(month, None)
        doc = {**doc, "cum": cum}
    view.put(ref, doc)


def carried_before(unit: Doc | None, month: str) -> c.Counts:
    """The counts carried into ``month`` from every month before it."""
    if unit is None:
        return {}
    return c.total(n for m, n in unit["cum"].items() if m < month)


def move_child(view: View, school: Unit, old: Unit, new: Unit) -> None:
    """A school that changed zone: listed under the new zone's children only, its own
    document naming the new zone as its parent (the drill-down lists units as they are
    now)."""
    mine = view.get(unit_ref(school.id))
    if mine is None:
        return
    view.put(unit_ref(school.id), {**mine, **school.meta()})
    for zone, keep in ((old, False), (new, True)):
        doc = view.get(unit_ref(zone.id))
        if doc is None:
            continue
        children = set(doc["children"]) - {school.id} | ({school.id} if keep else set())
        view.put(unit_ref(zone.id), {**doc, "children": sorted(children)})
