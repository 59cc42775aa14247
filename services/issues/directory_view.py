"""The issues service's copy of the directory read model (see :mod:`shared.directory`).

Complaints are routed to the school's listed inspector, self-inspection reports are
consolidated per zone, and every permission check asks where a school is: all from
this copy, folded from ``duxue.directory.events`` into the issues database.
"""

from __future__ import annotations

from shared.directory.view import DirectoryView

VIEW = "issues_directory"


def directory_view() -> DirectoryView:
    return DirectoryView(VIEW)
