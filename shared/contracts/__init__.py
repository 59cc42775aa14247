"""Public event contracts, one module per bounded context.

Importing this package registers every contract in :data:`shared.events.registry`.
"""

from shared.contracts import (
    checklists,
    directory,
    issues,
    plans,
    registers,
    self_inspection,
    visits,
)

__all__ = [
    "checklists",
    "directory",
    "issues",
    "plans",
    "registers",
    "self_inspection",
    "visits",
]
