"""The demo county: 四川省绵阳市游仙区, two zones, ten schools, and its users.

Codes are real GB/T 2260 division codes; school ids, names and people are invented.
A second county (涪城区) has two schools, so that a county token can be seen refused.
"""

from __future__ import annotations

from typing import Any

from shared.auth import Principal, Role
from shared.jurisdiction import Jurisdiction

PROVINCE, CITY, COUNTY, NEIGHBOUR = "510000", "510700", "510704", "510703"

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


def schools() -> list[dict[str, Any]]:
    """Registration bodies for the visits service."""
    out = []
    for county, rows in ((COUNTY, _YX), (NEIGHBOUR, _FC)):
        for school_id, name, kind, zone in rows:
            out.append(
                {
                    "school_id": school_id,
                    "name": name,
                    "kind": kind,
                    "province": PROVINCE,
                    "city": CITY,
                    "county": county,
                    "zone_id": zone,
                    "address": f"四川省绵阳市{name}",
                    "principal_name": "校长" + name[-4:-2],
                }
            )
    return out


def _user(user_id: str, name: str, role: Role, **where: str) -> Principal:
    return Principal(
        user_id=user_id, name=name, roles=frozenset({role}), jurisdiction=Jurisdiction(**where)
    )


_IN_CITY = {"province": PROVINCE, "city": CITY}

USERS: list[Principal] = [
    _user(
        "yx-office",
        "游仙区教育督导室",
        Role.county_office,
        province=PROVINCE,
        city=CITY,
        county=COUNTY,
    ),
    _user(
        "yx-inspector-zhang",
        "张督学",
        Role.inspector,
        province=PROVINCE,
        city=CITY,
        county=COUNTY,
        zone="yx-z1",
    ),
    _user(
        "yx-principal-sy",
        "实验小学校长",
        Role.principal,
        province=PROVINCE,
        city=CITY,
        county=COUNTY,
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
