"""What a lifecycle asks of the evidence store, and the check of the refs a command carries.

A command that cites evidence (a visit's finding, an issue's progress report) carries
only :class:`~shared.contracts.visits.EvidenceRef` values. Before such a command is
decided, every ref must name evidence already stored in *this* service, of the same
school, with the same sha256, size and media type: :func:`check_evidence_refs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.commands import InvalidField
from shared.contracts.visits import EvidenceRef


@dataclass(frozen=True)
class EvidenceFacts:
    evidence_id: str
    sha256: str
    size: int
    media_type: str
    file_name: str
    school_id: str


class EvidenceLookup(Protocol):
    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        """Evidence already stored (uploaded and hash-checked) — never its bytes."""
        ...


async def check_evidence_refs(
    lookup: EvidenceLookup,
    refs: Sequence[EvidenceRef],
    school_id: str,
    field: str = "body.evidence",
) -> tuple[EvidenceRef, ...]:
    """The refs, unchanged, when each names stored evidence of ``school_id`` byte for byte.

    Raises :class:`~shared.commands.InvalidField` (HTTP 422) naming ``{field}.<i>`` for
    the first ref that is unknown, differs in sha256/size/media type, or belongs to
    another school.
    """
    for i, ref in enumerate(refs):
        at = f"{field}.{i}"
        stored = await lookup.evidence(ref.evidence_id)
        if stored is None:
            raise InvalidField(at, f"证据 {ref.evidence_id} 不存在 (unknown evidence)")
        if (stored.sha256, stored.size, stored.media_type) != (
            ref.sha256,
            ref.size,
            ref.media_type,
        ):
            raise InvalidField(at, "证据的哈希、大小或类型与存储不符 (evidence does not match)")
        if stored.school_id != school_id:
            raise InvalidField(at, "证据不属于该校 (evidence of another school)")
    return tuple(refs)
