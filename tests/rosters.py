"""Roster files for tests: a valid county roster as XLSX (or CSV) bytes.

``roster_xlsx(county)`` is a standard county: 2 zones with leaders, 10 schools,
3 inspectors, listings at 9 schools (the 10th is a gap). Pass ``zones``, ``schools``,
``inspectors`` or ``listings`` (dicts with the contracts' English field names) to build
another roster; ``standard_roster(county)`` gives the default entries to start from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from services.visits.directory.roster.format import to_sheets, write_csv, write_xlsx

Entry = dict[str, Any]
KINDS = ["primary", "junior", "kindergarten", "nine_year", "senior"]


def standard_roster(county: str, starts_on: date = date(2026, 9, 1)) -> dict[str, list[Entry]]:
    """Ids are prefixed with ``county`` so rosters of different tests never collide."""
    p = county
    inspectors = [
        {
            "inspector_id": f"{p}-insp-{n}",
            "name": name,
            "employment": employment,
            "phone": f"0816-22{n}0000",
            "title": "督学",
            "duties": "经常性督导",
        }
        for n, name, employment in (
            (1, "张督学", "full_time"),
            (2, "李督学", "part_time"),
            (3, "王督学", "full_time"),
        )
    ]
    zones = [
        {"zone_id": f"{p}-z1", "name": "第一责任区", "leader_id": f"{p}-insp-1"},
        {
            "zone_id": f"{p}-z2",
            "name": "第二责任区",
            "leader_id": f"{p}-insp-3",
            "bureau_liaison": "赵局长",
        },
    ]
    schools = [
        {
            "school_id": f"{p}-s{n}",
            "name": f"测试第{n}学校",
            "kind": KINDS[n % len(KINDS)],
            "zone_id": f"{p}-z{1 if n <= 5 else 2}",
            "address": f"测试路{n}号",
            "principal_name": "校长",
        }
        for n in range(1, 11)
    ]
    listings = [
        {
            "inspector_id": f"{p}-insp-{1 + (n - 1) // 3}",
            "school_id": f"{p}-s{n}",
            "starts_on": starts_on.isoformat(),
            "duties": "每月至少一次随访",
        }
        for n in range(1, 10)
    ]
    return {"zones": zones, "inspectors": inspectors, "schools": schools, "listings": listings}


def _entries(
    county: str,
    zones: Sequence[Entry] | None,
    schools: Sequence[Entry] | None,
    inspectors: Sequence[Entry] | None,
    listings: Sequence[Entry] | None,
) -> dict[str, Any]:
    base = standard_roster(county)
    return to_sheets(
        zones=base["zones"] if zones is None else zones,
        inspectors=base["inspectors"] if inspectors is None else inspectors,
        schools=base["schools"] if schools is None else schools,
        listings=base["listings"] if listings is None else listings,
    )


def roster_xlsx(
    county: str,
    zones: Sequence[Entry] | None = None,
    schools: Sequence[Entry] | None = None,
    inspectors: Sequence[Entry] | None = None,
    listings: Sequence[Entry] | None = None,
) -> bytes:
    """A roster workbook for ``county`` (omitted kinds: the standard roster's)."""
    return write_xlsx(_entries(county, zones, schools, inspectors, listings))


def roster_csv(county: str, *kinds: Sequence[Entry] | None) -> bytes:
    """The same roster as one CSV table with a leading 类型 column (``kinds`` in
    :func:`roster_xlsx`'s order: zones, schools, inspectors, listings)."""
    zones, schools, inspectors, listings = (*kinds, None, None, None, None)[:4]
    return write_csv(_entries(county, zones, schools, inspectors, listings))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(data: bytes, name: str = "roster.xlsx") -> dict[str, Any]:
    """``files=`` for httpx: the roster as multipart field ``file``."""
    media = XLSX if name.endswith(".xlsx") else "text/csv"
    return {"file": (name, data, media)}
