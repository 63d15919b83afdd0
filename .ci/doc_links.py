#!/usr/bin/env python3
"""Check the links of README.md and docs/*.md: every relative link names a file that exists,
every anchor a heading of its page, and the README links every page of docs/.

    python3 .ci/doc_links.py

Anchors are GitHub's: the heading lower-cased, punctuation other than `-` and `_` dropped,
spaces made `-`, and `-1`, `-2`, ... added to repeats.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose(path: Path) -> str:
    """The page without code blocks and inline code, where a `](x)` is no link."""
    return INLINE_CODE.sub("", FENCE.sub("", path.read_text()))


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        match = re.match(r"#{1,6} (.*)", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def problems() -> list[str]:
    found = []
    for page in pages():
        for target in LINK.findall(prose(page)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # http:, https:, mailto: are not checked offline
            name, _, anchor = target.partition("#")
            linked = (page.parent / name).resolve() if name else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            if not linked.exists():
                found.append(f"{where} names no file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                found.append(f"{where} names no heading of {linked.relative_to(ROOT)}")
    readme = prose(ROOT / "README.md")
    for page in sorted((ROOT / "docs").glob("*.md")):
        if f"](docs/{page.name}" not in readme:
            found.append(f"README.md does not link docs/{page.name}")
    return found


def main() -> None:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        raise SystemExit(f"{len(found)} broken documentation link(s)")
    print(f"ok: the links of {len(pages())} pages resolve")


if __name__ == "__main__":
    main()
