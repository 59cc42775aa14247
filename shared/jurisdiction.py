"""Jurisdiction paths: where an event happened and what a caller may see.

A path runs province → city → county → zone → school. Codes of the first three levels
are administrative division codes (GB/T 2260, six digits); zones and schools carry the
ids the directory gives them. A caller may act on a path when their own path is a
prefix of it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

LEVELS: tuple[str, ...] = ("province", "city", "county", "zone", "school")

_CODE = r"^[0-9A-Za-z_-]{1,40}$"

# A school may sit in a zone, directly in a county, or directly under a city (市直学校).
_PARENT = {"city": "province", "county": "city", "zone": "county", "school": "city"}


class Jurisdiction(BaseModel):
    """A position in the administrative tree; deeper levels need the shallower ones."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    province: str = Field(pattern=_CODE)
    city: str | None = Field(default=None, pattern=_CODE)
    county: str | None = Field(default=None, pattern=_CODE)
    zone: str | None = Field(default=None, pattern=_CODE)
    school: str | None = Field(default=None, pattern=_CODE)

    @model_validator(mode="after")
    def _parents_present(self) -> Jurisdiction:
        for level, parent in _PARENT.items():
            if getattr(self, level) is not None and getattr(self, parent) is None:
                raise ValueError(f"{level} is set but {parent} is missing")
        return self

    def parts(self) -> tuple[str, ...]:
        """``level:code`` for each set level, from the province down."""
        return tuple(
            f"{level}:{getattr(self, level)}"
            for level in LEVELS
            if getattr(self, level) is not None
        )

    @property
    def path(self) -> str:
        """The path as one string, e.g. ``province:510000/city:510700/county:510704``."""
        return "/".join(self.parts())

    @property
    def level(self) -> str:
        """The deepest level that is set."""
        return self.parts()[-1].split(":", 1)[0]

    def contains(self, other: Jurisdiction) -> bool:
        """True when ``other`` lies inside (or is) this jurisdiction."""
        for level in LEVELS:
            mine = getattr(self, level)
            if mine is None:
                continue
            if getattr(other, level) != mine:
                return False
        return True

    @classmethod
    def from_path(cls, path: str) -> Jurisdiction:
        """Parse the string form produced by :attr:`path`."""
        values: dict[str, str] = {}
        for part in filter(None, path.split("/")):
            level, _, code = part.partition(":")
            if level not in LEVELS or not code:
                raise ValueError(f"bad jurisdiction path segment: {part!r}")
            values[level] = code
        return cls.model_validate(values)
