"""The visits service's copy of the directory read model (see :mod:`shared.directory`)."""

from __future__ import annotations

from shared.directory.view import DirectoryView

VIEW = "visits_directory"


def directory_view() -> DirectoryView:
    return DirectoryView(VIEW)
