"""The docs/ pages written from the code; a test fails when a committed page differs from its rendering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from okno import docs_outcomes, docs_vocabulary

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
PAGES: dict[str, Callable[[], str]] = {
    "vocabulary.md": docs_vocabulary.render,
    "outcomes.md": docs_outcomes.render,
}


def write_pages() -> list[Path]:
    written = []
    for name, render in PAGES.items():
        path = DOCS_DIR / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written
