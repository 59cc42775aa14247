"""What a roster row is compared with, from the directory facts fold (no I/O).

Reconciling a roster needs every field a roster row can state, as the event store holds
it (never a read model, which may lag). The directory's own folds keep those fields
(:mod:`services.visits.directory.domain.facts`); this module turns a folded school's
listings into the shape the roster check compares with.
"""

from __future__ import annotations

from services.visits.directory.domain.facts import SchoolFile
from services.visits.directory.roster.validate import ExistingListing


def existing_listings(record: SchoolFile) -> list[ExistingListing]:
    return [
        ExistingListing(x.inspector_id, x.starts_on, x.ends_on, x.listing_id, x.duties, x.version)
        for x in record.listings.listings.values()
    ]
