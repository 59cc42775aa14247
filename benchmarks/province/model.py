"""The simulated province: its divisions, zones, schools, inspectors and listings.

Everything is derived from the seed and the size, never from the clock or ``uuid4``:
the same :class:`Size` and seed always give the same province. The structure itself is
small (a few MB at 20,000 schools) and is held in memory; the *events* of the year are
streamed (see :mod:`benchmarks.province.simulate`).

Proportions (scaled from the domain's province: 20 cities, 180 counties, 1,000 zones,
20,000 schools, 4,000 inspectors):

* counties = schools / 111, cities = counties / 9 (at most 20 cities, 180 counties);
* every county splits its schools into zones of ~19.6 (seed 004: 18–19); each city
  has one city zone of its city-direct schools (市直学校, ~3% of the schools, senior
  and vocational);
* one inspector per ~5 schools, listed at consecutive schools of their county (4–6
  each); 2% of the schools are left unlisted (the gaps an office must see);
* about 10% of the counties are *behind*: their inspectors miss many routine visits.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.contracts.directory import SchoolKind

PROVINCE = "510000"
PROVINCE_NAME = "四川省"

# weights of the kinds of schools outside the city-direct ones
_KINDS: tuple[tuple[SchoolKind, int], ...] = (
    (SchoolKind.kindergarten, 35),
    (SchoolKind.primary, 40),
    (SchoolKind.junior, 12),
    (SchoolKind.nine_year, 8),
    (SchoolKind.senior, 3),
    (SchoolKind.vocational, 2),
)
_KIND_NAMES = {
    SchoolKind.kindergarten: "幼儿园",
    SchoolKind.primary: "小学",
    SchoolKind.junior: "中学",
    SchoolKind.nine_year: "九年制学校",
    SchoolKind.senior: "高级中学",
    SchoolKind.vocational: "职业技术学校",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


MIN_SCHOOLS, MAX_MONTHS = 10, 24


def _int_in(text: str, low: int, high: int | None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < low or (high is not None and value > high):
        within = f"{low}..{high}" if high is not None else f"at least {low}"
        raise argparse.ArgumentTypeError(f"{value} is out of range ({within})")
    return value


def schools_arg(text: str) -> int:
    """``--schools`` of a CLI: an argparse error (not a traceback) below the minimum."""
    return _int_in(text, MIN_SCHOOLS, None)


def months_arg(text: str) -> int:
    """``--months`` of a CLI: 1..24."""
    return _int_in(text, 1, MAX_MONTHS)


def start_arg(text: str) -> tuple[int, int]:
    """``--start YYYY-MM``: the first simulated month, as (year, month)."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}") from None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM (2000-01..2100-12): {text!r}")
    return year, month


@dataclass(frozen=True)
class Size:
    """How big a province to simulate; the defaults are the province of the domain."""

    schools: int = 20_000
    months: int = 12
    seed: int = 1
    start_year: int = 2026
    start_month: int = 1

    def __post_init__(self) -> None:
        if self.schools < MIN_SCHOOLS:
            raise ValueError(f"simulate at least {MIN_SCHOOLS} schools")
        if not 1 <= self.months <= MAX_MONTHS:
            raise ValueError(f"months must be 1..{MAX_MONTHS}")


@dataclass(frozen=True)
class City:
    code: str
    name: str


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city: str
    behind: bool
    """Deliberately behind on its visit frequency (misses ~45% of routine visits)."""


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    city: str
    county: str | None
    """``None`` for a city zone (city-direct schools)."""
    leader_id: str | None


@dataclass(frozen=True)
class School:
    index: int
    school_id: str
    name: str
    kind: SchoolKind
    city: str
    county: str | None
    zone_id: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Inspector:
    inspector_id: str
    name: str
    city: str
    county: str | None
    full_time: bool


@dataclass
class Province:
    """The province's structure, built once per (size, seed)."""

    size: Size
    namespace: UUID
    cities: list[City] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    inspectors: list[Inspector] = field(default_factory=list)
    listed: dict[str, str] = field(default_factory=dict)
    """school id → the inspector listed there from the start (unlisted schools absent)."""
    zone_schools: dict[str, list[School]] = field(default_factory=dict)
    county_inspectors: dict[str, list[Inspector]] = field(default_factory=dict)
    county_of: dict[str, County] = field(default_factory=dict)

    def behind(self, school: School) -> bool:
        return school.county is not None and self.county_of[school.county].behind


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice("明华军芳丽强静伟敏磊洋艳勇杰娟涛")


def build(size: Size) -> Province:
    """The province for ``size`` (deterministic in ``size`` alone)."""
    rng = random.Random(f"province/{size.seed}/{size.schools}")
    ns = uuid5(NAMESPACE_URL, f"https://duxue.example/sim/{size.seed}/{size.schools}")
    province = Province(size=size, namespace=ns)
    n_counties = max(1, min(180, round(size.schools / 111)))
    n_cities = max(1, min(20, round(n_counties / 9)))
    for c in range(n_cities):
        province.cities.append(City(f"51{c + 1:02d}00", f"第{c + 1}市"))
    for k in range(n_counties):
        city = province.cities[k % n_cities]
        nth = k // n_cities + 1
        county = County(
            code=city.code[:4] + f"{nth:02d}",
            name=f"{city.name}第{nth}县",
            city=city.code,
            behind=rng.random() < 0.10,
        )
        province.counties.append(county)
        province.county_of[county.code] = county

    n_city_direct = max(len(province.cities), round(size.schools * 0.03))
    per_county = (size.schools - n_city_direct) // n_counties
    extra = (size.schools - n_city_direct) % n_counties
    index = 0

    def school(city: str, county: str | None, zone_id: str, kind: SchoolKind, where: str) -> None:
        nonlocal index
        s = School(
            index=index,
            school_id=f"s{index:05d}",
            name=f"{where}第{index + 1}{_KIND_NAMES[kind]}",
            kind=kind,
            city=city,
            county=county,
            zone_id=zone_id,
            latitude=round(rng.uniform(26.0, 34.0), 5),
            longitude=round(rng.uniform(97.5, 108.5), 5),
        )
        index += 1
        province.schools.append(s)
        province.zone_schools.setdefault(zone_id, []).append(s)

    kinds, weights = zip(*_KINDS, strict=True)
    zone_total = max(n_counties, round((size.schools - n_city_direct) / 19.6))
    for k, county in enumerate(province.counties):
        count = per_county + (1 if k < extra else 0)
        n_zones = max(1, (k + 1) * zone_total // n_counties - k * zone_total // n_counties)
        zone_ids = [f"z{county.code}-{z + 1:02d}" for z in range(n_zones)]
        for i in range(count):
            zone_id = zone_ids[i * n_zones // count]
            school(county.city, county.code, zone_id, rng.choices(kinds, weights)[0], county.name)
        inspectors = [
            Inspector(
                inspector_id=f"i{county.code}-{n + 1:03d}",
                name=_name(rng) + "督学",
                city=county.city,
                county=county.code,
                full_time=rng.random() < 0.6,
            )
            for n in range(max(1, round(count / 5)))
        ]
        province.inspectors.extend(inspectors)
        province.county_inspectors[county.code] = inspectors
        for z, zone_id in enumerate(zone_ids):
            leader = inspectors[z * len(inspectors) // n_zones]
            province.zones.append(
                Zone(zone_id, f"{county.name}第{z + 1}督学责任区", county.city, county.code,
                     leader.inspector_id)
            )  # fmt: skip
        county_schools = [s for z in zone_ids for s in province.zone_schools[z]]
        for i, s in enumerate(county_schools):
            if rng.random() >= 0.02:
                province.listed[s.school_id] = inspectors[i * len(inspectors) // count].inspector_id
    for c, city in enumerate(province.cities):
        zone_id = f"z{city.code}-c"
        city_inspector = Inspector(f"i{city.code}-c01", _name(rng) + "督学", city.code, None, True)
        province.inspectors.append(city_inspector)
        province.county_inspectors.setdefault(city.code, []).append(city_inspector)
        province.zones.append(
            Zone(
                zone_id, f"{city.name}市直督学责任区", city.code, None, city_inspector.inspector_id
            )
        )
        share = n_city_direct // len(province.cities) + (
            1 if c < n_city_direct % len(province.cities) else 0
        )
        for _ in range(share):
            kind = SchoolKind.senior if rng.random() < 0.7 else SchoolKind.vocational
            school(city.code, None, zone_id, kind, city.name)
            province.listed[province.schools[-1].school_id] = city_inspector.inspector_id
    return province
