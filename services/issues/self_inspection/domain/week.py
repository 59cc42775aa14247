"""A zone's week: what its schools reported for the months an ISO week touches
(filed / late / missing / not_due), as consolidation and the weekly view see it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.issues.self_inspection.domain.calendar import Week, filing_deadline
from services.issues.self_inspection.domain.report import Report, report_id
from shared.contracts.self_inspection import CoveredReport, UnfiledReport


@dataclass(frozen=True)
class SchoolMonth:
    """One school's report status for one month of the week."""

    school_id: str
    month: str
    status: str
    """``filed`` (on time), ``late``, ``missing`` (deadline passed) or ``not_due``."""
    report: Report | None = None


@dataclass(frozen=True)
class ZoneWeek:
    """What a zone's schools reported for the months a week touches."""

    week: Week
    rows: tuple[SchoolMonth, ...]

    @property
    def reports(self) -> tuple[Report, ...]:
        return tuple(r.report for r in self.rows if r.report is not None)

    def covered(self) -> list[CoveredReport]:
        return [
            CoveredReport(
                report_id=r.report_id,
                school_id=r.school_id,
                month=r.month,
                revision=r.revision,
                late=r.late,
                no_problems=r.no_problems,
                problems=len(r.problems),
                safety_hazards=r.safety_hazards,
            )
            for r in self.reports
        ]

    def unfiled(self) -> list[UnfiledReport]:
        return [
            UnfiledReport(school_id=r.school_id, month=r.month, status=r.status)
            for r in self.rows
            if r.report is None
        ]

    def problems_by_item(self) -> dict[str, int]:
        counts = Counter(p.item_code.value for r in self.reports for p in r.problems)
        return dict(sorted(counts.items()))

    @property
    def problems(self) -> int:
        return sum(len(r.problems) for r in self.reports)

    @property
    def safety_hazards(self) -> int:
        return sum(r.safety_hazards for r in self.reports)

    def status_counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.rows)
        return {s: counts.get(s, 0) for s in ("filed", "late", "missing", "not_due")}


def summarize(
    week: Week,
    school_ids: Sequence[str],
    reports: Mapping[str, Report],
    today: date,
    due_day: int,
) -> ZoneWeek:
    """Each school's status for each month the week touches; ``reports`` by report id."""
    rows: list[SchoolMonth] = []
    for school in sorted(set(school_ids)):
        for month in week.months:
            report = reports.get(report_id(school, month))
            if report is not None and report.filed:
                status = "late" if report.late else "filed"
            else:
                report = None
                status = "missing" if today > filing_deadline(month, due_day) else "not_due"
            rows.append(SchoolMonth(school, month, status, report))
    return ZoneWeek(week, tuple(rows))
