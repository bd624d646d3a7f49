"""`codefit seal` and `codefit unseal`: typer command functions the CLI mounts.

codefit seal PATH --split validation|test   encrypt held-out tests into .codefit-sealed/
codefit unseal SEALED [--dest DIR]           decrypt them back (maintainers only)
"""

from __future__ import annotations

import shutil
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from codefit.errors import CodefitError
from codefit.seal import KEY_ENV, SEALED_DIR, SealError, decrypt_into, key_for_sealing, keys_dir, read_header
from codefit.seal import seal as seal_path
from codefit.workspace.git import git


class BlindSplit(StrEnum):
    VALIDATION = "validation"
    TEST = "test"


def seal_command(
    path: Annotated[Path, typer.Argument(help="File or directory of held-out tests to seal.")],
    split: Annotated[BlindSplit, typer.Option(help="The blind split these tests belong to.")],
    repo: Annotated[Path, typer.Option(help="Repository the sealed file goes into.")] = Path("."),
    name: Annotated[str | None, typer.Option(help="Sealed file name (default: PATH's name).")] = None,
    remove: Annotated[bool, typer.Option(help="Delete the plaintext after sealing.")] = False,
    force: Annotated[
        bool, typer.Option(help="Replace a sealed file of the same name (tests unsealed and edited).")
    ] = False,
) -> None:
    """Encrypt held-out tests into the repository; the key stays outside it."""
    root = repo_root(repo)
    source = path.resolve()
    out = root / SEALED_DIR / f"{name or source.name}.{split.value}.sealed"
    if out.exists() and not force:
        raise SealError(
            "a sealed file with this name exists; pass --force to replace it, or --name", where=str(out)
        )
    header = seal_path(source, out, split=split.value, key=key_for_sealing(root))
    rel = out.relative_to(root)
    typer.echo(f"sealed {source} into {rel} (key {header.key_id})")
    typer.echo(f"key: ${KEY_ENV} or {keys_dir() / (header.key_id + '.key')} (keep it out of the repository)")
    config = root / "codefit.toml"
    if not config.is_file() or f'"{rel.as_posix()}"' not in config.read_text(encoding="utf-8"):
        typer.echo(f'config: add `sealed = "{rel}"` and `split = "{split.value}"` to the held-out sensor')
    from codefit.gate.split import ignored_warnings

    for warning in ignored_warnings(root, [rel.as_posix()]):
        typer.echo(warning)
    if remove:
        _remove(source)
        typer.echo(f"removed the plaintext {source}")
    elif source == root or root in source.parents:
        typer.echo(
            f"warning: the plaintext {source} is still inside the repository; delete it or pass --remove"
        )


def unseal_command(
    sealed: Annotated[Path, typer.Argument(help="A .sealed file written by `codefit seal`.")],
    dest: Annotated[Path | None, typer.Option(help="Directory to decrypt into.")] = None,
    force: Annotated[bool, typer.Option(help="Write into a non-empty directory.")] = False,
) -> None:
    """Decrypt sealed held-out tests (for maintainers editing them)."""
    header = read_header(sealed)
    target = dest or Path(header.source)
    if target.exists() and any(target.iterdir()) and not force:
        raise SealError("destination is not empty; pass --force to write into it", where=str(target))
    decrypt_into(sealed, target)
    typer.echo(f"unsealed {sealed} ({header.split}) into {target}")


def repo_root(path: Path) -> Path:
    try:
        return Path(git(path.resolve(), "rev-parse", "--show-toplevel").strip())
    except CodefitError as exc:
        raise SealError("not inside a git repository", where=str(path)) from exc


def _remove(source: Path) -> None:
    if source.is_dir():
        shutil.rmtree(source)
    else:
        source.unlink()
