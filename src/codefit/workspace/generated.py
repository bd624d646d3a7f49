"""Version modules the project's build writes into the package, carried into every tree codefit builds.

A project versioned by its git tags (setuptools_scm, hatch-vcs, pdm-backend) declares a file its
build writes (`src/filelock/version.py`) and git ignores. The package imports it
(`from .version import version`), so a copy of the tracked files alone cannot import the project
and every test errs (filelock, isodate, urllib3). Such a file is carried from the checkout into the
workspace and every copy graded, as the base tree's own, when:

- the project's build configuration at the commit a tree comes from declares it (pyproject.toml's
  `[tool.setuptools_scm]` `version_file`/`write_to`, `[tool.hatch.build.hooks.vcs]` `version-file`,
  `[tool.pdm.version]` `write_to`, or `write_to`/`version_file` in setup.py or setup.cfg): a change
  under judgement cannot name another file;
- git does not track it at that commit, and the checkout holds it as a regular file inside the
  repository (no link on the way);
- it is a plain version module: names of a version's vocabulary given literal values, the typing
  scaffolding the generators write, and nothing else. Any ignored file could hold a secret, and a
  file the harness adds is no change the guards see, so nothing that can compute is carried.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from codefit import pysource
from codefit.workspace import trees
from codefit.workspace.git import GitDir

MAX_BYTES = 16_384
BUILD_FILES = ("pyproject.toml", "setup.py", "setup.cfg")  # where a build declares its version module
# setup.py: use_scm_version={"write_to": "src/pkg/_version.py"}; setup.cfg: write_to = ...
_SETUP_KEY = re.compile(r"""\b(?:write_to|version_file)\b["']?\s*[:=]\s*["']?([\w./-]+\.py)""")
_VERSION_NAME = re.compile(
    r"_*(version|version_tuple|version_info|commit_id|revision|git_revision|full_version|release)_*",
    re.IGNORECASE,
)
_SHORT_TEXT = re.compile(r"[\w.+!:/ -]{0,64}")
_MAX_INT, _MAX_ITEMS = 10**15, 8
_SCAFFOLD_NAMES = frozenset({"__all__", "TYPE_CHECKING", "VERSION_TUPLE", "COMMIT_ID"})
_TYPING_MODULES = frozenset({"__future__", "typing"})


def declared(read: Callable[[str], bytes | None]) -> list[str]:
    """The version files the build configuration read through `read` (a commit's file, by relative
    path) declares, as relative paths inside the repository, in the order found."""
    found: list[str] = []
    config = _toml(read("pyproject.toml"))
    scm = _at(config, "tool", "setuptools_scm")
    found += [_text(scm.get("version_file")), _text(scm.get("write_to"))]
    found.append(_text(_at(config, "tool", "hatch", "build", "hooks", "vcs").get("version-file")))
    pdm = _text(_at(config, "tool", "pdm", "version").get("write_to"))
    found += [pdm, f"src/{pdm}"] if pdm else []  # pdm-backend: relative to the package dir
    for name in ("setup.py", "setup.cfg"):
        data = read(name)
        if data:
            found += _SETUP_KEY.findall(data.decode("utf-8", errors="replace"))
    clean = [p for p in (_inside_relative(f) for f in found if f) if p]
    return list(dict.fromkeys(clean))


def carried_files(repo: Path, paths: Sequence[str]) -> dict[str, bytes]:
    """{relative path: bytes} of the files among `paths` (declared, untracked) to carry from the
    checkout at `repo`: regular files there, plain version modules (see the module docstring)."""
    return {rel: judged for rel in paths if isinstance(judged := _judged(repo, rel), bytes)}


def left_behind(repo: Path, paths: Sequence[str]) -> dict[str, str]:
    """{relative path: why} of the files among `paths` (declared, untracked) not carried."""
    return {rel: judged for rel in paths if isinstance(judged := _judged(repo, rel), str)}


def _judged(repo: Path, rel: str) -> bytes | str:
    """The checkout's file at `rel` when it is carried, else why it is not."""
    if not os.path.lexists(repo / rel):
        return "the checkout does not hold it: the build writes it when the project is installed"
    data = _regular_file(repo, rel)
    if data is None:
        return f"not a regular file of at most {MAX_BYTES} bytes (a link, or on a link)"
    return data if plain_version_module(data) else "it does more than give version names short literal values"


def untracked_declared(git: GitDir, treeish: str) -> list[str]:
    """The version files the build configuration of `treeish` declares and `treeish` does not hold:
    the build writes them, and no tree of the commit's own should keep them."""
    # Only the files asked for are listed: a whole tree's listing is the dearest git call of a workspace.
    config = [e for e in trees.entries(git, treeish, BUILD_FILES) if e.mode in (trees.BLOB, trees.EXECUTABLE)]
    content = trees.blobs(git, (e.sha for e in config))
    files = declared({e.path: content[e.sha] for e in config}.get)
    tracked = {e.path for e in trees.entries(git, treeish, files)} if files else set()
    return [rel for rel in files if rel not in tracked]


def carried_at(git: GitDir, repo: Path, treeish: str) -> dict[str, bytes]:
    """The files to carry into trees of `treeish`, a commit or tree of the repository at `repo`."""
    return carried_files(repo, untracked_declared(git, treeish))


def carried_in_checkout(repo: Path, listed: Collection[str]) -> dict[str, bytes]:
    """The files to carry into copies of the checkout's working tree, `listed` its files git shows."""

    def read(rel: str) -> bytes | None:
        return _regular_file(repo, rel) if rel in listed else None

    return carried_files(repo, [rel for rel in declared(read) if rel not in listed])


def write_carried(carried: Mapping[str, bytes], dest: Path) -> None:
    """Write each carried file into the tree at `dest` where the tree has nothing at its path."""
    for rel, data in carried.items():
        target = dest / rel
        if os.path.lexists(target) or not _no_link_above(dest, rel):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def plain_version_module(data: bytes) -> bool:
    """Whether `data` is a module that only gives a version's names literal values (with the typing
    scaffolding setuptools_scm, hatch-vcs and vcs-versioning write around them)."""
    if len(data) > MAX_BYTES:
        return False
    try:
        tree = pysource.parse(data.decode("utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return False
    return all(_plain(statement) for statement in tree.body)


def _plain(node: ast.stmt) -> bool:
    if isinstance(node, ast.Expr):  # a docstring (a module's `__doc__`: short too)
        return (
            isinstance(node.value, ast.Constant)
            and _literal(node.value)
            and isinstance(node.value.value, str)
        )
    if isinstance(node, ast.ImportFrom):
        return node.module in _TYPING_MODULES and node.level == 0
    if isinstance(node, ast.Assign):
        names = all(isinstance(t, ast.Name) and _version_name(t.id) for t in node.targets)
        return names and _literal(node.value)
    if isinstance(node, ast.AnnAssign):
        plain_value = node.value is None or _literal(node.value)
        named = isinstance(node.target, ast.Name) and _version_name(node.target.id)
        return named and plain_value and _literal(node.annotation)  # a module evaluates annotations
    if isinstance(node, ast.If):  # `if TYPE_CHECKING: ... else: ...`
        guarded = isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        return guarded and all(_plain(s) for s in [*node.body, *node.orelse])
    return False


def _version_name(name: str) -> bool:
    return name in _SCAFFOLD_NAMES or _VERSION_NAME.fullmatch(name) is not None


def _literal(node: ast.expr) -> bool:
    """A short constant (a version, a tag, a commit id, a date), a few of them in a tuple or list,
    `object`, or a typing expression of names (an alias). Short: under `codefit check` the pull
    request's build writes the file, and what it carries reaches the code under no guard's eyes."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return _SHORT_TEXT.fullmatch(value) is not None
        if isinstance(value, int) and not isinstance(value, bool):
            return abs(value) <= _MAX_INT
        return value is ... or isinstance(value, bool | type(None))
    if isinstance(node, ast.Tuple | ast.List):
        return len(node.elts) <= _MAX_ITEMS and all(_literal(item) for item in node.elts)
    if isinstance(node, ast.Name):  # `VERSION_TUPLE = object`, or a typing name in an alias
        return True
    if isinstance(node, ast.Subscript):  # Tuple[Union[int, str], ...]
        return isinstance(node.value, ast.Name) and _literal(node.slice)
    if isinstance(node, ast.BinOp):  # int | str
        return isinstance(node.op, ast.BitOr) and _literal(node.left) and _literal(node.right)
    return False


def _regular_file(repo: Path, rel: str) -> bytes | None:
    """The checkout's file at `rel`: a regular file, no link on the way, at most MAX_BYTES."""
    if not _no_link_above(repo, rel):
        return None
    path = repo / rel
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
        return None
    return path.read_bytes()


def _no_link_above(root: Path, rel: str) -> bool:
    current = root
    for part in PurePosixPath(rel).parts[:-1]:
        current = current / part
        if current.is_symlink():
            return False
    return True


def _inside_relative(path: str) -> str | None:
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or pure.suffix != ".py":
        return None
    return pure.as_posix().removeprefix("./")


def _toml(data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    try:
        return tomllib.loads(data.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError:
        return {}


def _at(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The table at `keys` (`tool.hatch.build`), or an empty one where any is missing or no table."""
    table: Mapping[str, Any] = data
    for key in keys:
        value = table.get(key)
        table = value if isinstance(value, dict) else {}
    return dict(table)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
