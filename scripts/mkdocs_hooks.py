"""MkDocs hooks for the docs site (``hooks:`` in mkdocs.yml).

The docstrings use Sphinx roles (``:func:`~tokentrail.types.usage_from```), which the API
reference (mkdocstrings) shows as text. :func:`on_page_content` turns each role into plain
code: ``usage_from`` for a ``~`` target, the full dotted name otherwise.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|exc|obj):<code>(~?)([^<]*)</code>")


def _plain(m: re.Match[str]) -> str:
    target = m.group(2)
    return f"<code>{target.rsplit('.', 1)[-1] if m.group(1) else target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """The page's HTML with Sphinx roles shown as code."""
    return _ROLE.sub(_plain, html)
