"""Evidence settings, a part every service that takes evidence adds to its settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.evidence.media import SizeClass

MIB = 1024 * 1024


class EvidenceSettings(BaseSettings):
    """The largest upload per size class and the GridFS chunk size (``EVIDENCE_*``).

    A mixin: ``class VisitsSettings(ServiceSettings, EvidenceSettings)``.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    evidence_max_image_bytes: int = Field(default=10 * MIB, ge=1)
    evidence_max_audio_bytes: int = Field(default=50 * MIB, ge=1)
    evidence_max_document_bytes: int = Field(default=20 * MIB, ge=1)
    evidence_chunk_bytes: int = Field(default=255 * 1024, ge=1024, le=4 * MIB)
    """GridFS chunk size: one chunk document each, well below the 16 MiB document limit."""

    def evidence_limits(self) -> dict[SizeClass, int]:
        return {
            SizeClass.image: self.evidence_max_image_bytes,
            SizeClass.audio: self.evidence_max_audio_bytes,
            SizeClass.document: self.evidence_max_document_bytes,
        }
