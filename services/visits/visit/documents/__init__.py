"""zh-CN PDF documents of a visit: 《责任督学工作手册》 entries and 反馈清单.

Fill the dataclasses of :mod:`.models` from a read model and call a renderer::

    pdf: bytes = render_feedback_list(FeedbackList(school_name=..., ...))
"""

from services.visits.visit.documents.feedback_list import render_feedback_list
from services.visits.visit.documents.models import (
    ARCHIVE_NOTE,
    DisputeEntry,
    FeedbackList,
    HighlightEntry,
    ItemEntry,
    ProblemEntry,
    Signatures,
    SignInEntry,
    VisitRecord,
)
from services.visits.visit.documents.visit_record import render_visit_record

__all__ = [
    "ARCHIVE_NOTE",
    "DisputeEntry",
    "FeedbackList",
    "HighlightEntry",
    "ItemEntry",
    "ProblemEntry",
    "SignInEntry",
    "Signatures",
    "VisitRecord",
    "render_feedback_list",
    "render_visit_record",
]
