"""What the sandbox shows: an allow-list of mounts, built for bubblewrap.

Nothing of the host is visible unless named here (hide by default, show by need):

- system directories that programs need to run (`SYSTEM_DIRS`, read-only), with the secrets of
  /etc covered (`ETC_SECRETS`); where /bin or /lib are symlinks (merged /usr) they stay symlinks;
- fresh /dev, /proc, and empty writable /tmp and /var/tmp;
- the paths the caller shows read-only (codefit's toolchain, the interpreter prefix of the code
  under test, an agent's program folder) and writable (the tree; an agent's state folder, or
  under a root codefit a per-run copy of it shown at its path, `writable_at`);
- the tree again at each `also_at` path (the user's repository): a symlink to the tree, so that an
  editable install whose finder points into the repository imports the tree, and `realpath`
  (coverage.py, the search's patching) names the tree's files; a shown path inside the repository
  (its `.venv`) is mounted at the same place inside the tree. At `run_at` (one of them, for test
  runs) a bind instead, with the tree's own path covered: the tree is seen there alone, and the
  shown paths inside the repository are mounted over that bind.

Hidden paths (the user's repository, held-out paths and the git repositories that hold them,
codefit's keys and workdir) are covered wherever a shown path would bring them back. Among
overlapping paths the most specific one decides; at the same path, hiding wins.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Read-only, where they exist. No /home, /root, /srv, /mnt, /media, /var/lib or /run: user data.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys")
# Covered inside /etc even though an unprivileged sandbox user could not read most of them.
ETC_SECRETS = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/ssl/private",
    "/etc/credstore",
    "/etc/credstore.encrypted",
    "/etc/krb5.keytab",
    "/etc/security/opasswd",
)
FRESH = (Path("/tmp"), Path("/var/tmp"), Path("/dev"), Path("/proc"))


@dataclass(frozen=True)
class Mount:
    """One entry of the plan: `kind` is ro, rw, hide or link (a symlink at `dest` to `source`)."""

    kind: str
    dest: Path
    source: Path | None = None


@dataclass(frozen=True)
class View:
    """What the caller asks to show and hide (paths as the host names them)."""

    tree: Path
    readable: tuple[Path, ...] = ()
    # Shown even where hidden at the same path: codefit's toolchain (PID 1, the relay run on it).
    essential: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    also_at: tuple[Path, ...] = ()
    # (source, dest): a writable folder or file shown at another path (a per-run copy of the
    # user's own, shown where the user keeps it: `sandbox_lend`).
    writable_at: tuple[tuple[Path, Path], ...] = ()
    # One of `also_at`: the tree is bound there and seen there alone (its own path covered), and
    # the command runs there.
    run_at: Path | None = None


def running_dir(view: View) -> Path:
    """Where the command starts: `run_at` where the plan shows the tree there alone, else the tree."""
    moved = _moved_to(view)
    return moved if moved is not None else view.tree.resolve()


def _moved_to(view: View) -> Path | None:
    if view.run_at is None:
        return None
    tree, at = view.tree.resolve(), view.run_at.absolute()
    apart = at != tree and tree not in at.parents and at not in tree.parents
    return at if apart and at in {a.absolute() for a in view.also_at} else None


def system_args() -> list[str]:
    """The fixed part: system directories, /etc's secrets covered, fresh /dev, /proc, /tmp."""
    args = ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--tmpfs", "/var/tmp"]
    for name in SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    for name in ETC_SECRETS:
        if os.path.lexists(name):
            args += hide_args(Path(name))
    resolv = Path("/etc/resolv.conf")
    if resolv.is_symlink() and resolv.exists():  # systemd-resolved: the target lives under /run
        target = resolv.resolve().parent
        if not any(target == Path(d) or Path(d) in target.parents for d in SYSTEM_DIRS):
            args += ["--ro-bind", str(target), str(target)]
    return args


def system_roots() -> list[Path]:
    return [Path(d).resolve() for d in SYSTEM_DIRS if Path(d).is_dir()]


def plan(view: View) -> list[Mount]:
    """The mounts for `view` beyond the system part, in the order bubblewrap must apply them."""
    tree = view.tree.resolve()
    aliases = [a.absolute() for a in view.also_at if a.absolute() != tree]
    writable = [tree, *(p.resolve() for p in view.writable)]
    shown = [Mount("rw", p, p) for p in writable]
    shown += [Mount("rw", dest.absolute(), source.resolve()) for source, dest in view.writable_at]
    moved = _moved_to(view)
    # Where the tree is bound over the repository, a shown path inside it (its `.venv`) is mounted
    # there, after that bind: a bind takes no mount inside its source along.
    late: list[Mount] = []
    for path in (*view.essential, *view.readable):
        dest = _into_tree(path.absolute(), aliases, tree)
        if dest is None:
            continue
        if moved is not None and moved in path.absolute().parents:
            late.append(Mount("ro", path.absolute(), path))
        else:
            shown.append(Mount("ro", dest, path))
    roots = [*system_roots(), *(m.dest for m in shown)]
    # A symlink where nothing is mounted; inside a shown folder (a repository under /opt), or where
    # the command runs, a bind.
    links = [Mount("rw" if a == moved or _under_any(a, roots) else "link", a, tree) for a in aliases]
    own = [*writable, *aliases, *(dest.absolute() for _, dest in view.writable_at)]
    essential = {p.absolute() for p in view.essential}
    hides = [
        Mount("hide", h)
        for h in hidden_set(view.hidden)
        if _under_any(h, roots) and not _under_any(h, own) and h not in essential
    ]
    covered = [h.dest for h in hides]
    same = [*system_roots(), *(s.dest for s in shown if s.dest == s.source)]
    shown = [
        m
        for m in dict.fromkeys(shown)
        if not _redundant(m, same, covered) and not (m.kind == "ro" and m.dest in covered)
    ]
    ordered = sorted([*shown, *hides], key=lambda m: (len(m.dest.parts), m.kind == "hide"))
    # Last: a bind of the tree takes what is mounted inside it along (a symlink needs nothing).
    # Where it runs elsewhere, its own path is covered after: one path to each file of the tree,
    # the one a plain run in the user's repository would see.
    return [*ordered, *links, *late, *([Mount("hide", tree)] if moved is not None else [])]


def mount_args(mounts: Sequence[Mount]) -> list[str]:
    """bubblewrap's arguments for `mounts`; the folders leading to each are made traversable
    (bubblewrap running as root would create them 0700, closed to the sandbox user)."""
    args: list[str] = []
    made: set[Path] = {Path("/"), *FRESH}
    mounted: list[Path] = system_roots()  # binds: what exists on the host exists there
    for mount in mounts:
        for parent in reversed(mount.dest.parents):
            if parent in made or (_under_any(parent, mounted) and parent.exists()):
                continue
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
        if mount.kind == "hide":
            args += hide_args(mount.dest)
        elif mount.kind == "link":
            args += ["--symlink", str(mount.source), str(mount.dest)]
        else:
            flag = "--bind" if mount.kind == "rw" else "--ro-bind"
            args += [flag, str(mount.source), str(mount.dest)]
        if mount.kind in ("ro", "rw"):
            mounted.append(mount.dest)
        made.add(mount.dest)
    return args


def hide_args(path: Path) -> list[str]:
    return ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]


def hidden_set(hidden: Iterable[Path]) -> list[Path]:
    """`hidden`, resolved and existing, plus the git repository enclosing each (its history holds
    whatever it holds now; a `.git` alone stands for itself), outermost first."""
    found: set[Path] = set()
    for path in hidden:
        if not path.exists():
            continue
        resolved = path.resolve()
        found.add(resolved)
        repo = None if resolved.name == ".git" else enclosing_repository(resolved)
        if repo is not None:
            found.add(repo)
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


def enclosing_repository(path: Path) -> Path | None:
    """The top of the git work tree holding `path` (the folder with a `.git`), if any."""
    for folder in [path, *path.parents]:
        if folder != Path("/") and os.path.lexists(folder / ".git"):
            return folder
    return None


def program_paths(binary: Path) -> tuple[Path, ...]:
    """What running `binary` needs to see: its folder as named and as resolved, the whole
    `node_modules` it lives in (an npm CLI loads its native package from a sibling), the virtual
    environment it belongs to and that environment's interpreter, and a `#!` interpreter."""
    found: list[Path] = []
    for path in (binary.absolute(), binary.resolve()):
        found.append(path.parent)
        modules = [p for p in path.parents if p.name == "node_modules"]
        if modules:
            found.append(modules[-1])
        if (path.parent.parent / "pyvenv.cfg").is_file():
            found.append(path.parent.parent)
            python = path.parent / "python"
            if python.exists():
                found.append(python.resolve().parent.parent)
    interpreter = _shebang(binary)
    if interpreter is not None and interpreter.name != "env" and interpreter.parent.name == "bin":
        found += [interpreter.parent.parent, interpreter.resolve().parent.parent]
    # Never a folder that holds a home (a program kept right in it shows that folder only).
    homes = [Path.home().resolve(), Path("/home")]
    return tuple(
        dict.fromkeys(p for p in found if p.is_dir() and not any(p == h or p in h.parents for h in homes))
    )


def _shebang(binary: Path) -> Path | None:
    try:
        with binary.open("rb") as handle:
            head = handle.read(256)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    words = head[2:].split(b"\n", 1)[0].split()
    return Path(os.fsdecode(words[0])) if words and words[0].startswith(b"/") else None


def _into_tree(path: Path, aliases: Sequence[Path], tree: Path) -> Path | None:
    """Where a shown path is mounted: inside the tree when it lies in an alias of the tree (none
    when the tree has that path itself: the tree's copy is what the sandbox must show)."""
    for alias in aliases:
        if alias in path.parents:
            inside = tree / path.relative_to(alias)
            return None if _has_content(inside) else inside
        if alias == path:
            return None
    return path


def _redundant(mount: Mount, roots: Sequence[Path], covered: Sequence[Path]) -> bool:
    """A read-only path already shown through a folder above it, with nothing hidden between."""
    if mount.kind != "ro" or mount.dest != mount.source:
        return False
    for root in roots:
        if root in mount.dest.parents and not any(
            _under_any(h, [root]) and (h == mount.dest or h in mount.dest.parents) for h in covered
        ):
            return True
    return False


def _has_content(path: Path) -> bool:
    """True for a file, or a folder that is not empty (an empty one is a mount point left before)."""
    if not path.is_dir():
        return path.exists()
    return any(path.iterdir())


def _under_any(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)
