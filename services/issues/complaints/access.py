"""Who may see and handle a complaint (举报投诉): the one policy every complaint route uses.

Complaints are sensitive (a parent who complains about a school may fear for their
child), so a case is shown to the people who handle it and to nobody else:

========================  =====================================================  =========
caller                    sees                                                   may act
========================  =====================================================  =========
current handler           the whole case, the timeline, the contact              the steps
(routed to / accepted by)
county office of the      the whole case, the timeline, the contact              the steps,
school's county                                                                  re-route,
                                                                                 erasure
zone leader of the        the whole case and the timeline, no contact            no (403)
complaint's zone
the school's principal    after verification only: the facts (:data:`FACTS`)     no (403)
anyone else               nothing: 404, as for an unknown id                     404
========================  =====================================================  =========

"Anyone else" includes other inspectors (also zone leaders of other zones), inspectors
the case was re-routed away from, other counties, the city and province offices,
integrators and admins: they get the aggregates of ``GET /complaints/summary``.
Complaints are never escalated to an office above the county, so no case reaches them.

Roles are read literally (an admin token holds no case). The zone is the complaint's
(the school's zone when the complaint was received); its leader is the directory's
current leader of that zone. :func:`access` decides for one case, :func:`list_query` is
the same rule as a read-model filter; the routes call nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.issues.complaints import domain as c
from shared.auth import Principal, Role, sees
from shared.jurisdiction import Jurisdiction


class Seen(StrEnum):
    """How much of a case the caller sees (from most to least)."""

    handler = "handler"
    zone_leader = "zone_leader"
    school = "school"
    none = "none"


FIELD_STAFF = frozenset({Role.inspector, Role.zone_leader})
SCHOOL_SEES = frozenset({c.Status.verified, c.Status.answered, c.Status.closed})
"""A principal sees a complaint about their school once it has been verified."""

FACTS: dict[str, tuple[str, ...] | None] = {
    "complaint_id": None,
    "school_id": None,
    "school_name": None,
    "category": None,
    "status": None,
    "status_label": None,
    "received_on": None,
    "answer_due_on": None,
    "answer_overdue": None,
    "verification": ("outcome", "verified_at"),
    "issue_id": None,
    "answer": ("answered_on",),
    "closed_at": None,
    "erased": None,
    "version": None,
}
"""What the school's principal sees (allow-list; a tuple keeps only those sub-fields).

Not the subject nor the content (the complainant's own words often say who they are),
not the findings, notes, reasons or the answer's text (the handler's), not the channel,
the contact, whether one was given, the routing or who handles it. The school acts on
the linked rectification issue, whose description and requirement the handler writes
for it.
"""


@dataclass(frozen=True)
class Case:
    """What the rule needs to know about a complaint (from its stream or its read model)."""

    where: Jurisdiction
    """The school's place when the complaint was received (with its zone)."""
    school_id: str
    status: c.Status
    routed_to: tuple[str, ...]
    accepted_by: str | None

    @classmethod
    def of_state(cls, state: c.Complaint, where: Jurisdiction) -> Case:
        return cls(where, state.school_id, state.status, state.routed_to, state.accepted_by)

    @classmethod
    def of_doc(cls, doc: dict[str, Any]) -> Case:
        where = Jurisdiction(
            province=doc["province"],
            city=doc.get("city"),
            county=doc.get("county"),
            zone=doc.get("zone_id") if doc.get("county") else None,
            school=doc["school_id"],
        )
        return cls(
            where,
            doc["school_id"],
            c.Status(doc["status"]),
            tuple(doc.get("routed_to") or ()),
            doc.get("accepted_by"),
        )


@dataclass(frozen=True)
class Access:
    seen: Seen
    county_office: bool = False

    @property
    def visible(self) -> bool:
        return self.seen != Seen.none

    @property
    def handles(self) -> bool:
        """May take the handling steps and read the contact."""
        return self.seen == Seen.handler

    @property
    def directs(self) -> bool:
        """May re-route the case and erase its personal data (the county office)."""
        return self.county_office

    @property
    def timeline(self) -> bool:
        return self.seen in (Seen.handler, Seen.zone_leader)


NONE = Access(Seen.none)


def is_county_office_of(principal: Principal, where: Jurisdiction) -> bool:
    """The caller is the county office of the place (not a city or province office)."""
    mine = principal.jurisdiction
    return (
        Role.county_office in principal.roles
        and mine.county is not None
        and mine.county == where.county
        and sees(principal, where)
    )


def access(principal: Principal, case: Case, led_zones: Iterable[str] = ()) -> Access:
    """The rule for one case; ``led_zones`` are the zones the caller leads (directory)."""
    if is_county_office_of(principal, case.where):
        return Access(Seen.handler, county_office=True)
    if principal.roles & FIELD_STAFF and sees(principal, case.where):
        me = principal.user_id
        if me in case.routed_to or me == case.accepted_by:
            return Access(Seen.handler)
        if case.where.zone is not None and case.where.zone in set(led_zones):
            return Access(Seen.zone_leader)
    if (
        Role.principal in principal.roles
        and principal.jurisdiction.school == case.school_id
        and sees(principal, case.where)
        and case.status in SCHOOL_SEES
    ):
        return Access(Seen.school)
    return NONE


def list_query(principal: Principal, led_zones: Iterable[str] = ()) -> list[dict[str, Any]]:
    """:func:`access` as read-model alternatives (``$or``), to be combined with the
    caller's jurisdiction filter; empty when the caller can see no case at all."""
    mine = principal.jurisdiction
    alternatives: list[dict[str, Any]] = []
    if Role.county_office in principal.roles and mine.county is not None:
        alternatives.append({"county": mine.county})
    if principal.roles & FIELD_STAFF:
        me = principal.user_id
        alternatives += [{"routed_to": me}, {"accepted_by": me}]
        if zones := sorted(set(led_zones)):
            alternatives.append({"zone_id": {"$in": zones}})
    if Role.principal in principal.roles and mine.school is not None:
        statuses = sorted(s.value for s in SCHOOL_SEES)
        alternatives.append({"school_id": mine.school, "status": {"$in": statuses}})
    return alternatives


def sees_facts_only(principal: Principal) -> bool:
    """The caller can see no case beyond the school's facts (a principal, no handler or
    office role): a list filter on what the facts leave out (the channel, who handles
    it) would tell them by its count, so it is 403."""
    mine = principal.jurisdiction
    office = Role.county_office in principal.roles and mine.county is not None
    return Role.principal in principal.roles and not office and not principal.roles & FIELD_STAFF


def facts(doc: dict[str, Any]) -> dict[str, Any]:
    """The school's view of a complaint document (:data:`FACTS`)."""
    shown: dict[str, Any] = {}
    for name, keep in FACTS.items():
        if name not in doc:
            continue
        value = doc[name]
        if keep is not None and isinstance(value, dict):
            value = {k: value.get(k) for k in keep}
        shown[name] = value
    return shown
