"""The id patterns and role groups every feature of the visits service names."""

from __future__ import annotations

from shared.auth import Role

ID = r"^[0-9A-Za-z_-]{2,40}$"
"""A school, zone, inspector, visit, campaign or checklist id."""
DIVISION_CODE = r"^[0-9]{6}$"
"""A GB/T 2260 division code (province, city, county)."""
OFFICES = (Role.county_office, Role.city_office, Role.province_office)
FIELD_STAFF = (Role.inspector, Role.zone_leader)
OFFICE_LEVELS = ("province", "city", "county")
