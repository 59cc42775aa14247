"""Settings of the visits service."""

from __future__ import annotations

from pydantic import Field

from shared.evidence.settings import MIB, EvidenceSettings
from shared.settings import ServiceSettings


class VisitsSettings(ServiceSettings, EvidenceSettings):
    """Evidence of a visit (photos, audio, documents): the ``EVIDENCE_*`` limits."""

    port: int = 8001
    mongodb_database: str = "duxue_visits"

    # Roster imports and the public plate.
    roster_max_bytes: int = 5 * MIB
    roster_max_rows: int = Field(default=3000, ge=1)
    """Data rows a roster may have (all sheets together): each row is looked up in the
    event store before anything is written, so a 5 MiB file of tens of thousands of rows
    would keep the database busy for hours; past this the upload is 413."""
    public_rate_per_minute: float = 60
    public_rate_burst: int = 20

    # Visits: a sign-in farther than this from the school's location is flagged.
    signin_radius_m: float = Field(default=500, gt=0)
