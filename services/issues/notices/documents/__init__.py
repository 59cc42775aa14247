"""zh-CN PDF documents of the issues service: the 《督导整改通知书》 with its receipt slip.

Fill :class:`NoticeDocument` from the issue's events and the directory and call
:func:`render_notice`; the pages come from the shared press (:mod:`shared.pdf`).
"""

from services.issues.notices.documents.notice import NoticeDocument, render_notice

__all__ = ["NoticeDocument", "render_notice"]
