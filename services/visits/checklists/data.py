"""The data file behind the default routine checklist (``services/visits/data``).

``routine_checklist.json`` holds the default routine template, version 1 (the eight
national items) and, under ``extra_items``, the ninth item some provinces add
(全面贯彻党的教育方针、落实立德树人). Version 1 is published once; after that the file
must not change what version 1 says — changes are published as new versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.contracts.checklists import ChecklistItem

DATA = Path(__file__).resolve().parent.parent / "data"
ROUTINE = "routine"


@dataclass(frozen=True)
class TemplateData:
    checklist_id: str
    version: int
    title: str
    note: str
    items: tuple[ChecklistItem, ...]
    extra_items: tuple[ChecklistItem, ...]


def _read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@cache
def routine_template() -> TemplateData:
    raw = _read("routine_checklist.json")
    return TemplateData(
        checklist_id=raw["checklist_id"],
        version=int(raw["version"]),
        title=raw["title"],
        note=raw.get("note", ""),
        items=tuple(ChecklistItem.model_validate(i) for i in raw["items"]),
        extra_items=tuple(ChecklistItem.model_validate(i) for i in raw.get("extra_items", [])),
    )


def extra_item(code: str) -> ChecklistItem | None:
    return next((i for i in routine_template().extra_items if i.code == code), None)
