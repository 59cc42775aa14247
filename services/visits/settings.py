"""Settings of the visits service."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings

MIB = 1024 * 1024


class VisitsSettings(ServiceSettings):
    port: int = 8001
    mongodb_database: str = "duxue_visits"

    # Evidence (photos, audio, documents of a visit): the largest upload per size class.
    evidence_max_image_bytes: int = Field(default=10 * MIB, ge=1)
    evidence_max_audio_bytes: int = Field(default=50 * MIB, ge=1)
    evidence_max_document_bytes: int = Field(default=20 * MIB, ge=1)
    evidence_chunk_bytes: int = Field(default=255 * 1024, ge=1024, le=4 * MIB)
    """GridFS chunk size: one chunk document each, well below the 16 MiB document limit."""

    # Roster imports and the public plate.
    roster_max_bytes: int = 5 * MIB
    public_rate_per_minute: float = 60
    public_rate_burst: int = 20

    # Visits: a sign-in farther than this from the school's location is flagged.
    signin_radius_m: float = Field(default=500, gt=0)
