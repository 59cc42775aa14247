"""Messages rendered from an event's data with Jinja2 (autoescaped: event data is never
markup), in the recipient's locale, zh-CN first with an English fallback.

A template is ``templates/<kind>.<locale>.j2`` with two blocks, ``subject`` and
``body``; a kind without a template in the locale falls back to ``<kind>.en.j2``, then
to ``_generic.en.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

DEFAULT_LOCALE = "zh-CN"
FALLBACK_LOCALE = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    locale: str


class Templates:
    def __init__(self, directory: Path | None = None) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory or Path(__file__).parent / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )

    def render(self, kind: str, data: dict[str, Any], locale: str = DEFAULT_LOCALE) -> Rendered:
        names = [
            f"{kind}.{locale}.j2",
            f"{kind}.{FALLBACK_LOCALE}.j2",
            f"_generic.{FALLBACK_LOCALE}.j2",
        ]
        template = self._env.select_template(names)
        used = str(template.name).split(".")[-2]
        context = {"kind": kind, **data}
        return Rendered(
            subject=_block(template, "subject", context).strip(),
            body=_block(template, "body", context).strip(),
            locale=used,
        )


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context)))
