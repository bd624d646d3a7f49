"""Folders an interpreter imports from outside its own prefix: editable installs of other checkouts.

`pip install -e ../lib` leaves in site-packages either a `.pth` naming a folder of the checkout or
an `__editable__…finder.py` whose `MAPPING` names each package's folder. The sandbox shows
nothing of other checkouts, so those folders are read here, without running the interpreter,
and shown read-only by need (`confined_spec`), never the checkout's `.git`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from codefit import pysource


def import_paths(prefixes: Iterable[Path]) -> tuple[Path, ...]:
    """Existing folders (or module files) named by the `.pth` files and editable finders of the
    site-packages under `prefixes`, outside those prefixes."""
    roots = [p.resolve() for p in prefixes]
    found: dict[Path, None] = {}
    for site in _site_packages(roots):
        for path in (*_pth_paths(site), *_finder_paths(site)):
            resolved = path.resolve()
            if resolved.exists() and not any(r == resolved or r in resolved.parents for r in roots):
                found[resolved] = None
    return tuple(found)


def _site_packages(prefixes: Iterable[Path]) -> Iterator[Path]:
    for prefix in prefixes:
        for pattern in ("lib/python3*/site-packages", "lib64/python3*/site-packages"):
            yield from (p for p in prefix.glob(pattern) if p.is_dir())


def _pth_paths(site: Path) -> Iterator[Path]:
    for pth in sorted(site.glob("*.pth")):
        try:
            lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            text = line.strip()
            if text and not text.startswith(("#", "import ", "import\t")):
                yield site / text  # absolute lines stay absolute


def _finder_paths(site: Path) -> Iterator[Path]:
    for finder in sorted(site.glob("__editable__*finder.py")):
        try:
            tree = pysource.parse(finder.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "MAPPING" for t in node.targets)
                and isinstance(node.value, ast.Dict)
            ):
                for value in node.value.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield Path(value.value)
