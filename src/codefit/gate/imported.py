"""Test modules that other test modules import: they are not split.

itsdangerous' `test_timed.py` imports `TestSigner` from `test_signer.py` and subclasses it; pytest
runs the imported class's tests under `test_timed.py` too. Cases carved out of `test_signer.py`
would vanish from those runs as well (72 of 297 cases ran nowhere after the split), and a module
moved whole would leave its importers failing to import. Such a module stays whole, visible.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import PurePosixPath

from codefit import pysource


def imported_modules(sources: dict[str, str]) -> dict[str, str]:
    """{module: a module importing it} among `sources` ({repository-relative path: text})."""
    found: dict[str, str] = {}
    for importer, text in sources.items():
        try:
            tree = pysource.parse(text)
        except (SyntaxError, ValueError):
            continue
        for name in _imported_names(tree, PurePosixPath(importer)):
            for module in sources:
                if module != importer and module not in found and _names(module, name):
                    found[module] = importer
    return found


def _imported_names(tree: ast.Module, importer: PurePosixPath) -> Iterable[str]:
    """Dotted names the module imports, as modules or as names from modules (`from a import b`:
    `a` and `a.b`); a relative import as a path from the importer's folder (`./b`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                folder = importer.parent
                for _ in range(node.level - 1):
                    folder = folder.parent
                base = "/".join([*folder.parts, *(node.module or "").split(".")]).strip("/")
                yield "./" + base
                yield from ("./" + f"{base}/{alias.name}".strip("/") for alias in node.names)
            elif node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _names(module: str, name: str) -> bool:
    """Whether the dotted (or `./`-relative) `name` is the test module at the path `module`."""
    stem = module.removesuffix(".py").removesuffix("/__init__")
    if name.startswith("./"):
        return stem == name[2:]
    dotted = name.replace(".", "/")
    return stem == dotted or stem.endswith("/" + dotted)
