"""Sealed held-out tests: encrypted into the repository, decrypted only into a grading copy.

A sealed file is one JSON header line followed by a Fernet token (AES-128-CBC + HMAC-SHA256, from
`cryptography`) over a gzipped tar of the held-out files. The header names the key by its id (a
hash of the key, never the key), so the grader can find the right key without guessing:

    {"format": "codefit-sealed-1", "key_id": "...", "split": "validation", "source": "hidden"}

Keys live outside the repository: the `CODEFIT_SEAL_KEY` environment variable, or the file
`$XDG_CONFIG_HOME/codefit/keys/<key_id>.key` (default `~/.config/codefit/keys/`). Sealed files are
meant to be committed, in `.codefit-sealed/` at the repository root (`.codefit/` is usually
git-ignored); the workspace never receives that directory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codefit.errors import CodefitError
from codefit.extras import missing_extra

if TYPE_CHECKING:  # the `guards` extra: imported where a key is made or used
    from cryptography.fernet import Fernet

KEY_ENV = "CODEFIT_SEAL_KEY"
SEALED_DIR = ".codefit-sealed"
FORMAT = "codefit-sealed-1"


class SealError(CodefitError):
    """A sealed file cannot be written or opened: a missing or wrong key, a damaged file."""


@dataclass(frozen=True)
class SealedHeader:
    key_id: str
    split: str
    source: str


def keys_dir() -> Path:
    """Where generated keys are kept: the user's config directory, never the repository."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "codefit" / "keys"


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"codefit-seal:" + key.strip()).hexdigest()[:16]


def generate_key() -> bytes:
    return _fernet_class().generate_key()


def key_for_sealing(repo: Path) -> bytes:
    """The environment's key, or a new one saved under `keys_dir()` (outside `repo`)."""
    env_key = os.environ.get(KEY_ENV, "").strip()
    if env_key:
        return env_key.encode()
    directory = keys_dir()
    resolved = directory.resolve()
    if resolved == repo.resolve() or repo.resolve() in resolved.parents:
        raise SealError(f"the key directory {directory} is inside the repository; set {KEY_ENV} instead")
    key = generate_key()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{key_id(key)}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def seal(source: Path, out: Path, *, split: str, key: bytes) -> SealedHeader:
    """Encrypt the file or directory `source` into `out`."""
    if not source.exists():
        raise SealError("nothing to seal: path does not exist", where=str(source))
    payload = _tar_gz(source)
    token = _fernet(key, where=str(out)).encrypt(payload)
    header = SealedHeader(key_id=key_id(key), split=split, source=source.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    head = {"format": FORMAT, "key_id": header.key_id, "split": header.split, "source": header.source}
    out.write_bytes(json.dumps(head).encode() + b"\n" + token)
    return header


def read_header(sealed: Path) -> SealedHeader:
    head, _ = _split(sealed)
    return head


def decrypt_into(sealed: Path, dest: Path) -> None:
    """Decrypt `sealed` into the directory `dest` (a throw-away grading copy)."""
    header, token = _split(sealed)
    key = find_key(header, where=str(sealed))
    fernet = _fernet(key, where=str(sealed))
    from cryptography.fernet import InvalidToken  # _fernet has checked the extra is installed

    try:
        payload = fernet.decrypt(token)
    except InvalidToken:
        raise SealError(
            "the key does not open this sealed file (wrong key, or the file was altered)", where=str(sealed)
        ) from None
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")


def find_key(header: SealedHeader, *, where: str) -> bytes:
    """The key with the header's id: from the environment, else from `keys_dir()`."""
    env_key = os.environ.get(KEY_ENV, "").strip()
    if env_key:
        if not is_key(env_key):
            raise SealError(
                f"{KEY_ENV} is not a key: expected the urlsafe-base64 text of 32 bytes (44 characters, "
                "as a key file holds)",
                where=where,
            )
        if key_id(env_key.encode()) != header.key_id:
            raise SealError(
                f"{KEY_ENV} holds key {key_id(env_key.encode())}, but this file was sealed with key "
                f"{header.key_id}",
                where=where,
            )
        return env_key.encode()
    path = keys_dir() / f"{header.key_id}.key"
    if not path.is_file():
        raise SealError(
            f"no key to open this sealed file: set {KEY_ENV} or place key {header.key_id} at {path}",
            where=where,
        )
    key = path.read_bytes().strip()
    if key_id(key) != header.key_id:
        raise SealError(f"the key file {path} does not hold key {header.key_id}", where=where)
    return key


def is_key(text: str) -> bool:
    """Whether `text` has a key's form (what Fernet takes): urlsafe base64 of 32 bytes."""
    try:
        return len(base64.urlsafe_b64decode(text.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        return False


def _split(sealed: Path) -> tuple[SealedHeader, bytes]:
    try:
        data = sealed.read_bytes()
    except OSError as exc:
        raise SealError(f"cannot read sealed file: {exc.strerror}", where=str(sealed)) from None
    first, _, token = data.partition(b"\n")
    try:
        head = json.loads(first)
        if head.get("format") != FORMAT:
            raise ValueError(head.get("format"))
        header = SealedHeader(
            key_id=str(head["key_id"]), split=str(head["split"]), source=str(head["source"])
        )
    except (ValueError, KeyError, AttributeError):
        raise SealError(
            f"not a codefit sealed file (expected a {FORMAT} header)", where=str(sealed)
        ) from None
    return header, token


def _fernet_class() -> type[Fernet]:
    try:
        from cryptography.fernet import Fernet
    except ImportError as exc:
        raise missing_extra(exc, "sealed held-out tests") or exc from None
    return Fernet


def _fernet(key: bytes, *, where: str) -> Fernet:
    fernet = _fernet_class()
    try:
        return fernet(key)
    except (ValueError, TypeError):
        raise SealError(
            f"malformed key (expected {KEY_ENV} to hold a urlsafe-base64 32-byte key)", where=where
        ) from None


def _tar_gz(source: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    tar.add(path, arcname=str(path.relative_to(source)), recursive=False)
        else:
            tar.add(source, arcname=source.name, recursive=False)
    return buf.getvalue()
