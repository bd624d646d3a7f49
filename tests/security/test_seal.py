"""Sealing held-out tests: round trip, key handling, and the commands the CLI mounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from codefit.commands.seal import seal_command, unseal_command
from codefit.seal import (
    KEY_ENV,
    SEALED_DIR,
    SealError,
    decrypt_into,
    generate_key,
    keys_dir,
    read_header,
    seal,
)
from tests.conftest import MakeRepo

HIDDEN = {"test_hidden.py": "def test_secret():\n    assert 6 * 7 == 42\n", "data/cases.txt": "1 2 3\n"}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("seal")(seal_command)
    app.command("unseal")(unseal_command)
    return app


def test_round_trip_restores_every_file(tmp_path: Path) -> None:
    source = write_tree(tmp_path / "hidden", HIDDEN)
    key = generate_key()
    out = tmp_path / "h.sealed"
    seal(source, out, split="validation", key=key)
    assert b"secret" not in out.read_bytes()
    # A plaintext line with spaces and `*` cannot occur by chance in the base64 token (a bare "42" can).
    assert b"6 * 7 == 42" not in out.read_bytes()
    dest = tmp_path / "copy"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_ENV, key.decode())
        decrypt_into(out, dest)
    assert {str(p.relative_to(dest)): p.read_text() for p in dest.rglob("*") if p.is_file()} == HIDDEN


def test_wrong_key_in_environment_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "h.sealed"
    seal(write_tree(tmp_path / "hidden", HIDDEN), out, split="test", key=generate_key())
    monkeypatch.setenv(KEY_ENV, generate_key().decode())
    with pytest.raises(SealError, match="was sealed with key") as info:
        decrypt_into(out, tmp_path / "copy")
    assert info.value.where == str(out)
    assert not (tmp_path / "copy").exists()


def test_a_value_that_is_no_key_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not "holds key 4a4f..., but this file was sealed with key e96c...": the value is no key at all."""
    sealed = tmp_path / "h.sealed"
    seal(write_tree(tmp_path / "hidden", HIDDEN), sealed, split="validation", key=generate_key())
    monkeypatch.setenv(KEY_ENV, "notakey")
    with pytest.raises(SealError, match="CODEFIT_SEAL_KEY is not a key") as caught:
        decrypt_into(sealed, tmp_path / "out")
    assert "sealed with key" not in str(caught.value)


def test_missing_key_names_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "h.sealed"
    header = seal(write_tree(tmp_path / "hidden", HIDDEN), out, split="test", key=generate_key())
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(SealError, match=f"{KEY_ENV}.*{header.key_id}"):
        decrypt_into(out, tmp_path / "copy")


def test_altered_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    out = tmp_path / "h.sealed"
    seal(write_tree(tmp_path / "hidden", HIDDEN), out, split="test", key=key)
    data = bytearray(out.read_bytes())
    data[-10] = ord("A") if data[-10] != ord("A") else ord("B")
    out.write_bytes(bytes(data))
    monkeypatch.setenv(KEY_ENV, key.decode())
    with pytest.raises(SealError, match="wrong key, or the file was altered"):
        decrypt_into(out, tmp_path / "copy")


def test_not_a_sealed_file(tmp_path: Path) -> None:
    bogus = tmp_path / "x.sealed"
    bogus.write_text("hello\n")
    with pytest.raises(SealError, match="not a codefit sealed file"):
        read_header(bogus)


def test_seal_command_keeps_key_outside_repo_and_unseal_restores(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    repo = make_repo({"src/app.py": "X = 1\n", "hidden/test_hidden.py": HIDDEN["test_hidden.py"]})
    result = CliRunner().invoke(
        cli(), ["seal", str(repo / "hidden"), "--split", "validation", "--repo", str(repo)]
    )
    assert result.exit_code == 0, result.output
    sealed = repo / SEALED_DIR / "hidden.validation.sealed"
    header = json.loads(sealed.read_bytes().split(b"\n", 1)[0])
    assert header["split"] == "validation"
    key_file = keys_dir() / f"{header['key_id']}.key"
    assert key_file.is_file() and repo not in key_file.parents
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "still inside the repository" in result.output

    dest = tmp_path / "unsealed"
    result = CliRunner().invoke(cli(), ["unseal", str(sealed), "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert (dest / "test_hidden.py").read_text() == HIDDEN["test_hidden.py"]


def test_seal_command_remove_deletes_plaintext(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, generate_key().decode())
    repo = make_repo({"hidden/test_h.py": "def test_a():\n    pass\n"})
    result = CliRunner().invoke(
        cli(), ["seal", str(repo / "hidden"), "--split", "test", "--repo", str(repo), "--remove"]
    )
    assert result.exit_code == 0, result.output
    assert not (repo / "hidden").exists()
    assert (repo / SEALED_DIR / "hidden.test.sealed").is_file()
    assert not keys_dir().exists()  # the environment's key was used; nothing written


def test_resealing_edited_tests_replaces_the_file_only_when_asked(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The maintainer's round trip: unseal, edit, seal again over the same name with --force; the
    config hint is left out once a sensor names the file."""
    monkeypatch.setenv(KEY_ENV, generate_key().decode())
    repo = make_repo({"codefit.toml": 'sealed = ".codefit-sealed/held.validation.sealed"\n'})
    held = tmp_path / "held"
    held.mkdir()
    (held / "test_h.py").write_text("def test_a():\n    assert 1\n")
    argv = ["seal", str(held), "--split", "validation", "--repo", str(repo)]
    first = CliRunner().invoke(cli(), argv)
    assert first.exit_code == 0, first.output
    assert "config: add" not in first.output  # codefit.toml names it already
    (held / "test_h.py").write_text("def test_a():\n    assert 2\n")
    refused = CliRunner().invoke(cli(), argv)
    assert isinstance(refused.exception, SealError) and "pass --force to replace it" in str(refused.exception)
    again = CliRunner().invoke(cli(), [*argv, "--force"])
    assert again.exit_code == 0, again.output
    dest = tmp_path / "back"
    sealed = repo / SEALED_DIR / "held.validation.sealed"
    assert CliRunner().invoke(cli(), ["unseal", str(sealed), "--dest", str(dest)]).exit_code == 0
    assert (dest / "test_h.py").read_text() == "def test_a():\n    assert 2\n"
