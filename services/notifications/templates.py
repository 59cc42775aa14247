"""Messages rendered from an event's data with Jinja2, in the recipient's locale, zh-CN
first with an English fallback, in the format of the channel that carries them.

A template is ``templates/<kind>.<locale>.j2`` with two blocks, ``subject`` and
``body``; a kind without a template in the locale falls back to ``<kind>.en.j2``, then
to ``_generic.en.j2``. Event data is always passed as variables, never as template
source, so it is never evaluated. How each ``{{ value }}`` is written depends on the
format (:class:`Format`): plain text carries it as it is (the inbox, e-mail as
text/plain, SMS: no ``&lt;`` entities to read or to count); markdown (the WeCom robot)
escapes its markdown-significant characters, so a note's ``[链接](…)`` or ``**x**`` stays
text while the template's own markup stays markup; HTML escapes it (autoescape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

DEFAULT_LOCALE = "zh-CN"
FALLBACK_LOCALE = "en"

_MARKDOWN_SIGNIFICANT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=])")


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    html = "html"


def escape_markdown(value: object) -> str:
    """``value`` as markdown text: each markdown-significant character backslash-escaped."""
    return _MARKDOWN_SIGNIFICANT.sub(r"\\\1", str(value))


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    locale: str


class Templates:
    def __init__(self, directory: Path | None = None) -> None:
        loader = FileSystemLoader(directory or Path(__file__).parent / "templates")
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": StrictUndefined,
            "keep_trailing_newline": False,
        }
        self._envs = {
            Format.text: Environment(autoescape=False, **common),
            Format.markdown: Environment(autoescape=False, finalize=escape_markdown, **common),
            Format.html: Environment(autoescape=True, **common),
        }

    def render(
        self,
        kind: str,
        data: dict[str, Any],
        locale: str = DEFAULT_LOCALE,
        format: Format = Format.text,
    ) -> Rendered:
        names = [
            f"{kind}.{locale}.j2",
            f"{kind}.{FALLBACK_LOCALE}.j2",
            f"_generic.{FALLBACK_LOCALE}.j2",
        ]
        template = self._envs[format].select_template(names)
        used = str(template.name).split(".")[-2]
        context = {"kind": kind, **data}
        return Rendered(
            subject=_block(template, "subject", context).strip(),
            body=_block(template, "body", context).strip(),
            locale=used,
        )


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context)))
