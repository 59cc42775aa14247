"""Evidence (photos, audio, documents) as every service stores and serves it.

Bytes never travel in events: an event carries an
:class:`~shared.contracts.visits.EvidenceRef` (id, sha256, size, media type) and the
bytes live in the service's *own* GridFS bucket ``evidence`` in its own database. Each
service that takes evidence wires the same pieces in its bootstrap:

- :mod:`shared.evidence.settings` — ``EvidenceSettings``, the size limits and chunk size;
- :mod:`shared.evidence.store` — ``GridFSEvidence``, the store (also the lookup);
- :mod:`shared.evidence.media` — accepted media types, magic bytes, safe file names;
- :mod:`shared.evidence.upload` — the streaming multipart reader (413/415/422);
- :mod:`shared.evidence.api` — ``router`` (``POST /evidence``, ``GET /evidence/{id}``,
  ``GET /evidence/{id}/meta``) and ``start_evidence``, which puts the store at
  ``app.state.evidence``;
- :mod:`shared.evidence.lookup` — ``EvidenceFacts``, the ``EvidenceLookup`` port and
  ``check_evidence_refs``, what a lifecycle uses to check the refs a command carries.

No service reads another one's evidence: a ref is checked against the store of the
service whose command carries it.
"""
