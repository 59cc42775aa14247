"""The zone's monthly report (责任区月报告) and the county's monthly bulletin (督导工作通报).

:mod:`.gather` reads the figures from the roll-ups into the objects of :mod:`.model`;
:mod:`.content` turns them into layout blocks (charts from :mod:`.charts`); :mod:`.pdf`
and :mod:`.word` print the blocks as PDF and DOCX; :mod:`.api` holds the routes.
"""

from services.reporting.documents.content import county_bulletin, zone_report
from services.reporting.documents.pdf import render as render_pdf
from services.reporting.documents.word import render as render_docx

__all__ = ["county_bulletin", "render_docx", "render_pdf", "zone_report"]
