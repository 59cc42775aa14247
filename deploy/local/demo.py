"""The demo county: 四川省绵阳市游仙区, seeded through the roster import, and its users.

Codes are real GB/T 2260 division codes; school ids, names and people are invented.
游仙区 gets two zones with leaders, ten schools, three inspectors (whose ids are the
demo inspector users' ids) and listings at nine schools — 游仙区高级中学 is left
unlisted so that ``GET /directory/gaps?county=510704`` shows one gap. A second county
(涪城区) has two schools, so that a county token can be seen refused.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx

from services.visits.directory.roster.format import to_sheets, write_xlsx
from shared.auth import Principal, Role
from shared.jurisdiction import Jurisdiction

PROVINCE, CITY, COUNTY, NEIGHBOUR = "510000", "510700", "510704", "510703"
LISTED_FROM = "2024-09-01"

_YX = [
    ("yx-sy-xx", "游仙区实验小学", "primary", "yx-z1"),
    ("yx-dx-xx", "游仙区东宣乡小学", "primary", "yx-z1"),
    ("yx-yz", "游仙区第一中学", "junior", "yx-z1"),
    ("yx-sy-yey", "游仙区实验幼儿园", "kindergarten", "yx-z1"),
    ("yx-xq-jn", "游仙区新桥镇九年制学校", "nine_year", "yx-z1"),
    ("yx-wl-xx", "游仙区魏城镇小学", "primary", "yx-z2"),
    ("yx-wl-zx", "游仙区魏城中学", "junior", "yx-z2"),
    ("yx-sd-yey", "游仙区沉抗镇幼儿园", "kindergarten", "yx-z2"),
    ("yx-zj-zx", "游仙区职业技术学校", "vocational", "yx-z2"),
    ("yx-gz", "游仙区高级中学", "senior", "yx-z2"),
]
_FC = [
    ("fc-sy-xx", "涪城区实验小学", "primary", "fc-z1"),
    ("fc-yz", "涪城区第一中学", "junior", "fc-z1"),
]
# inspector id (= demo user id), name, employment, phone, schools listed at
_YX_INSPECTORS = [
    ("yx-inspector-zhang", "张督学", "full_time", "0816-2210001", _YX[0:3]),
    ("yx-inspector-li", "李督学", "part_time", "0816-2210002", _YX[3:6]),
    ("yx-inspector-wang", "王督学", "full_time", "0816-2210003", _YX[6:9]),
]
_FC_INSPECTORS = [("fc-inspector-zhao", "赵督学", "full_time", "0816-2220001", _FC)]
YX_CENTRE = (104.7700, 31.4800)
"""WGS-84 (longitude, latitude) near 游仙区; each demo school sits a little east of the last."""


def location_of(n: int) -> dict[str, float]:
    """The invented WGS-84 coordinates of the ``n``-th demo school (the roster's 经度/纬度)."""
    return {
        "longitude": round(YX_CENTRE[0] + 0.004 * n, 6),
        "latitude": round(YX_CENTRE[1] + 0.002 * (n % 3), 6),
    }


DIVISIONS = [
    {"code": PROVINCE, "name": "四川省", "level": "province"},
    {"code": CITY, "name": "绵阳市", "level": "city"},
    {"code": COUNTY, "name": "游仙区", "level": "county"},
    {"code": NEIGHBOUR, "name": "涪城区", "level": "county"},
]


def roster(county: str) -> bytes:
    """The county's roster workbook, as an office would upload it."""
    yx = county == COUNTY
    schools, inspectors = (_YX, _YX_INSPECTORS) if yx else (_FC, _FC_INSPECTORS)
    zones = (
        [
            {"zone_id": "yx-z1", "name": "游仙区第一督学责任区",
             "leader_id": "yx-inspector-zhang", "bureau_liaison": "陈副局长"},
            {"zone_id": "yx-z2", "name": "游仙区第二督学责任区",
             "leader_id": "yx-inspector-wang", "bureau_liaison": "刘副局长"},
        ]
        if yx
        else [{"zone_id": "fc-z1", "name": "涪城区第一督学责任区",
               "leader_id": "fc-inspector-zhao"}]
    )  # fmt: skip
    return write_xlsx(
        to_sheets(
            zones=zones,
            inspectors=[
                {"inspector_id": i, "name": n, "employment": e, "phone": p, "title": "责任督学"}
                for i, n, e, p, _ in inspectors
            ],
            schools=[
                {
                    "school_id": school_id,
                    "name": name,
                    "kind": kind,
                    "zone_id": zone,
                    "address": f"四川省绵阳市{name}",
                    "principal_name": "校长" + name[-4:-2],
                    **location_of(n + (0 if yx else 20)),
                }
                for n, (school_id, name, kind, zone) in enumerate(schools)
            ],
            listings=[
                {"inspector_id": i, "school_id": s[0], "starts_on": LISTED_FROM}
                for i, _, _, _, listed in inspectors
                for s in listed
            ],
        )
    )


def seed(client: httpx.Client, tokens: dict[str, str]) -> list[str]:
    """Name the divisions, then import both counties' rosters; returns warnings.

    Safe to run again: divisions answer 409; the same roster answers "already_imported",
    and a changed one (an older demo's data in .state) is reconciled into corrections.
    """

    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"}

    warnings = []
    for body in DIVISIONS:
        r = client.post("/divisions", json=body, headers=auth("sc-office"))
        if r.status_code not in (201, 409):
            raise SystemExit(f"error: demo division {body['code']}: {r.text}")
    for county, office in ((COUNTY, "yx-office"), (NEIGHBOUR, "fc-office")):
        r = client.post(
            "/directory/imports",
            files={"file": (f"{county}.xlsx", roster(county))},
            headers=auth(office),
        )
        if r.status_code == 422:  # e.g. a hand-made entry with a demo id in another county
            warnings.append(f"demo roster {county} not imported: {r.json()['message']}")
        elif r.status_code not in (200, 201):
            raise SystemExit(f"error: demo roster {county}: {r.text}")
    return warnings


DEMO_VISIT = "demo-visit-yx-sy-1"


def seed_visit(client: httpx.Client, tokens: dict[str, str], today: date) -> str | None:
    """One routine visit to 游仙区实验小学 with two problems (one a major safety hazard),
    signed by the principal, so the issues service opens two rectification issues.

    Safe to run again: the visit has a fixed id and an existing one is left alone.
    Returns a warning, or None.
    """

    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"}

    inspector, principal = auth("yx-inspector-zhang"), auth("yx-principal-sy")
    plan = {
        "visit_id": DEMO_VISIT,
        "school_id": "yx-sy-xx",
        "planned_on": today.isoformat(),
        "purpose": "月度常规督导",
    }
    for _ in range(60):  # the directory read model may still be catching up
        r = client.post("/visits", json=plan, headers=inspector)
        if r.status_code != 403:
            break
        time.sleep(0.5)
    if r.status_code == 409:
        return None
    if r.status_code != 201:
        return f"demo visit not planned: {r.text}"
    base = f"/visits/{DEMO_VISIT}"
    problems = [
        ("safety", "教学楼东侧消防通道堆放杂物，通道堵塞", "major", "safety_hazard"),
        ("learning_load", "三年级书面作业量超过规定时长", "general", None),
    ]
    at_school = {"location": location_of(0)}  # on the spot: the sign-in is not flagged
    steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [("sign-in", at_school, inspector)]
    for item, notes, severity, major_kind in problems:
        finding = {
            "item_code": item,
            "verdict": "problem",
            "notes": notes,
            "methods": ["campus_walk", "interview"],
            "severity": severity,
            "major_kind": major_kind,
            "requirement": "限期整改并报送整改材料",
            "proposed_deadline": (today + timedelta(days=30)).isoformat(),
        }
        steps.append(("findings", finding, inspector))
    steps += [
        ("feedback", {"summary": "总体规范，存在两项问题需整改"}, inspector),
        ("acknowledgement", {"signer_name": "实验小学校长"}, principal),
    ]
    for path, body, who in steps:
        r = client.post(f"{base}/{path}", json=body, headers=who)
        if r.status_code not in (200, 201):
            return f"demo visit step {path}: {r.text}"
    return None


def _user(user_id: str, name: str, role: Role, **where: str) -> Principal:
    return Principal(
        user_id=user_id, name=name, roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )


_IN_COUNTY = {"province": PROVINCE, "city": CITY, "county": COUNTY}

USERS: list[Principal] = [
    _user("yx-office", "游仙区教育督导室", Role.county_office, **_IN_COUNTY),
    _user("yx-inspector-zhang", "张督学", Role.inspector, **_IN_COUNTY, zone="yx-z1"),
    _user("yx-inspector-li", "李督学", Role.inspector, **_IN_COUNTY),
    _user("yx-inspector-wang", "王督学", Role.inspector, **_IN_COUNTY, zone="yx-z2"),
    _user(
        "yx-principal-sy",
        "实验小学校长",
        Role.principal,
        **_IN_COUNTY,
        zone="yx-z1",
        school="yx-sy-xx",
    ),
    _user(
        "fc-office",
        "涪城区教育督导室",
        Role.county_office,
        province=PROVINCE,
        city=CITY,
        county=NEIGHBOUR,
    ),
    _user("my-office", "绵阳市教育督导室", Role.city_office, province=PROVINCE, city=CITY),
    _user("sc-office", "四川省教育督导室", Role.province_office, province=PROVINCE),
    _user("sc-integrator", "数据对接方", Role.integrator, province=PROVINCE),
    _user("sc-admin", "平台管理员", Role.admin, province=PROVINCE),
]
