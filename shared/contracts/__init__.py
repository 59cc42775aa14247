"""Public event contracts, one module per bounded context.

Importing this package registers every contract in :data:`shared.events.registry`.
"""

from shared.contracts import (
    assessments,
    checklists,
    complaints,
    directory,
    issues,
    notifications,
    plans,
    registers,
    reporting,
    self_inspection,
    visits,
)

__all__ = [
    "assessments",
    "checklists",
    "complaints",
    "directory",
    "issues",
    "notifications",
    "plans",
    "registers",
    "reporting",
    "self_inspection",
    "visits",
]
