from shared.catalogue import render_markdown
from tests.conftest import REPO


def test_docs_events_md_is_the_generated_catalogue() -> None:
    published = (REPO / "docs" / "events.md").read_text(encoding="utf-8")
    assert published == render_markdown(), "run: python -m shared.catalogue > docs/events.md"
