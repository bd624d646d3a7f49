"""A link planted at a guide's name (AGENTS.md -> a host file) makes codefit neither read the host
file into the workspace nor write through the link."""

from __future__ import annotations

from pathlib import Path

from codefit.harness.guides import GuideInput, write_guides


def test_guides_never_read_or_write_through_a_planted_link(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    secret = tmp_path / "host-secret"
    secret.write_text("the host's private key\n")
    (workspace / "AGENTS.md").symlink_to(secret)
    (workspace / "CLAUDE.md").symlink_to(tmp_path / "not-there-yet")
    guide = GuideInput(task="fix it", writable=("**",), protected=(), checks=(), mcp=False)
    written = write_guides(workspace, guide, ("AGENTS.md", "CLAUDE.md"))
    assert secret.read_text() == "the host's private key\n"  # not written through
    assert not (tmp_path / "not-there-yet").exists()
    for name in written:
        path = workspace / name
        assert path.is_file() and not path.is_symlink()
        assert "private key" not in path.read_text()  # not read into the workspace
