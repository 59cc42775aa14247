"""The additive counts a unit keeps per month, and their keys.

A monthly document's ``n`` is a flat map of integer counts; a parent's map is the sum of
its children's, key by key, by construction (the same delta is added along the chain).
Keys with a ``~`` carry a sub-key: ``visits~routine``, ``problem~safety~major``,
``close_days~12`` (a histogram of days to close), ``open~07`` (net change of open issues
on day 7 of the month; an as-of day is a cumulative sum of these),
``campaign_visits~<campaign>`` and ``campaign_schools~<campaign>`` (schools whose first
visit under the campaign fell in the month), and per problem item
``item_closed~<item>``, ``item_closed_on_time~<item>``, ``item_reopened~<item>`` and
``item_open~<item>`` (net change of the item's open issues in the month: +1 opened or
reopened, −1 closed), the parts of the rectification rate by item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Counts = dict[str, int]

REGISTERED = "registered"
VISITS = "visits"
OPENED = "issues_opened"
REOPENED = "issues_reopened"
CLOSED = "issues_closed"
CLOSED_ON_TIME = "closed_on_time"
CLOSED_LATE = "closed_late"
BECAME_OVERDUE = "issues_became_overdue"
NOTICES = "notices_issued"
ESCALATIONS = "escalations"
PROBLEM = "problem"
CLOSE_DAYS = "close_days"
OPEN_DELTA = "open"
OVERDUE_DELTA = "overdue_open"
COMPLAINTS = "complaints_received"
VERIFIED = "complaints_verified"
SUBSTANTIATED = "complaints_substantiated"
PARTLY = "complaints_partly_substantiated"
ANSWERED = "complaints_answered"
ANSWERED_ON_TIME = "complaints_answered_on_time"
SELF_INSPECTIONS_FILED = "self_inspections_filed"
SELF_INSPECTIONS_ON_TIME = "self_inspections_on_time"
CAMPAIGN_VISITS = "campaign_visits"
CAMPAIGN_SCHOOLS = "campaign_schools"
VISITED_MASK = "v"
NOT_GIVEN = "-"
"""A part of a visit-mask entry's key that is not given (``v~<mask>~-~<to>~-``)."""
ITEM_CLOSED = "item_closed"
ITEM_CLOSED_ON_TIME = "item_closed_on_time"
ITEM_REOPENED = "item_reopened"
ITEM_OPEN = "item_open"


def key(*parts: object) -> str:
    return "~".join(str(p) for p in parts)


def add(counts: Mapping[str, int], deltas: Mapping[str, int]) -> Counts:
    """``counts + deltas``, zeros dropped (so equal sums are equal maps)."""
    out = dict(counts)
    for k, v in deltas.items():
        total = out.get(k, 0) + v
        if total:
            out[k] = total
        else:
            out.pop(k, None)
    return out


def total(many: Iterable[Mapping[str, int]]) -> Counts:
    out: Counts = {}
    for counts in many:
        out = add(out, counts)
    return out


def sub(counts: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The sub-keys of ``prefix``: ``sub({"visits~routine": 2}, "visits") == {"routine": 2}``."""
    head = prefix + "~"
    return {k[len(head) :]: v for k, v in counts.items() if k.startswith(head)}
