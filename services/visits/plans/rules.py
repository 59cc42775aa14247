"""The default frequency rules, from ``services/visits/data/frequency_rules.json``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from services.visits.plans.domain.frequency import FrequencyRules

DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def default_rules() -> FrequencyRules:
    """The rules of domain.md ("How often"), used where no office set its own."""
    return FrequencyRules(**json.loads((DATA / "frequency_rules.json").read_text(encoding="utf-8")))
