"""A PEP 578 audit hook that records what the code under test should never do during a test run.

Installed by the boot module before pytest or any code of the tree is imported. It records:
- frame introspection (`sys._getframe`, `sys._current_frames`, a traceback's or generator's frame,
  `sys.settrace`/`sys.setprofile`) done by the code under test at any time, directly or through
  `inspect`/`traceback`, or through code it compiled itself: as its modules are imported too, when
  the stack holds the boot's and pytest's frames (a module rewired the reporter it found there);
- object-graph walks (`gc.get_objects`, `gc.get_referrers`, `gc.get_referents`) and new audit hooks
  added by the code under test at any time;
- opening a test file (a test module, a conftest, anything in a held-out folder) from the code
  under test, through whatever stdlib helper or installed library (`open`, `linecache`,
  `pathlib`, an import, pytest's import hook).
- reaching pytest's runtime (its config, plugin manager, session) through the references pytest
  keeps in its modules and on its import hook: those are sealed (`codefit_pytest_sealed`), kept in
  the hook's closure and handed out through an event the hook judges like a frame read.

"The code under test" is a frame whose file lies in the tree and is not a test file; stdlib
frames, installed packages and pytest are not. Frames of code compiled from a string (`<string>`)
count as whoever ran them. Of the code under test, what the base tree holds unchanged is the
user's own (`codefit_pytest_trust`): its introspection counts only when code the candidate changed
or added is further out on the same stack (it called the project's helper). Code compiled from a
string while the candidate's code ran is the candidate's, whoever runs it later. Findings are
kept in a list the reporter drains after each test; the hook keeps its state in a closure, not in
module globals that the code under test could rebind.

The hook never runs code of the tree: what it would run is skipped while it works, so a method of
the candidate's (a `str` subclass's `endswith`, the `__hash__` of a constant of code built at run
time) would go unseen, and could make the hook fail. It reads names and paths as exact `str`
(`exact_text`), looks into code objects only of the shape compiling source gives
(`compiled_shape`: other code is the candidate's), and checks types by identity, never by
`isinstance` (which reads an object's `__class__`). Should it fail all the same, it says so: a
finding, never a silent pass. The hook does call library code that looks names up as it runs
(`os.path.realpath` calls `os.lstat`), and a function the candidate patched in there runs inside the
hook: an event raised while the hook judges another is looked at, and code the candidate changed on
its way out to the hook is a finding.
"""

from __future__ import annotations

import _thread
import os
import stat
import sys
import sysconfig
from collections.abc import Callable, Sequence
from types import CodeType, FrameType, FunctionType

from codefit_pytest_sealed import MACHINERY, RUNTIME, SEAL, STORE, UNSEAL
from codefit_pytest_trust import Trust, compiled_shape, exact_text, nested

FRAME_EVENTS = frozenset({"sys._getframe", "sys._current_frames", "sys.settrace", "sys.setprofile"})
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code"})
ALWAYS_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.addaudithook"})
# Where code objects start to run: code made from a string by the candidate's code is the candidate's.
CODE_EVENTS = frozenset({"exec", "function.__new__", "object.__setattr__"})
SEALING = frozenset({SEAL, UNSEAL, STORE, RUNTIME})
WATCHED = FRAME_EVENTS | ALWAYS_EVENTS | CODE_EVENTS | SEALING | {"object.__getattr__", "open"}
# Stdlib modules whose whole job is to hand frames or source over to their caller.
INTROSPECTION = ("inspect.py", "traceback.py")

LIBRARY, STDLIB, SYNTHETIC, TEST, UNDER_TEST = "library", "stdlib", "synthetic", "test", "under-test"


class Audit:
    """The findings, and how the hook classifies a code file."""

    def __init__(self, classify: Callable[[str], str]) -> None:
        self.findings: list[str] = []
        self.classify = classify  # a code file's kind: library, stdlib, synthetic, test, under-test

    def drain(self) -> list[str]:
        found, self.findings[:] = list(self.findings), []
        return found


def install(root: str, is_test_file: Callable[[str], bool], trust: Trust | None = None) -> Audit:
    """Add the hook for the tree at `root` (a real path); returns the object it reports into.
    `trust`: the base tree's own code (none trusted without it)."""
    realpath = resolver()
    classify = _classifier(root, is_test_file, realpath)
    genuine = trust.genuine if trust is not None else (lambda code: False)
    audit = Audit(classify)
    # Per thread (another thread's events are its own, judged as any): 1 while judging an event, 2
    # while looking at one raised meanwhile, 3 during the hook's own look up its stack (`outer`).
    busy: dict[int, int] = {}
    thread = _thread.get_ident
    # Code objects are kept by identity, keyed by `object.__hash__` (the address: no method of the
    # object runs, and unlike `id()` it raises no audit event of its own for this hook to take).
    tainted: dict[int, CodeType] = {}  # code compiled from strings while the candidate's code ran
    shapes: dict[int, tuple[CodeType, bool]] = {}  # code -> its shape: kept, so the key stays its
    edits: dict[int, tuple[CodeType, bool]] = {}  # code -> `edit(code)`
    sealed: dict[str, object] = {}  # pytest's references to its runtime (`codefit_pytest_sealed`)
    machinery = tuple(function.__code__ for function in MACHINERY)
    runtime: list[tuple[type, ...]] = []  # the runtime's classes, told once by the reporter
    mro_of = type.__dict__["__mro__"].__get__  # a class's own MRO: no `__mro__` of a metaclass runs

    def is_runtime(value: object) -> bool:
        kinds = runtime[0] if runtime else ()
        return any(base is kind for base in mro_of(type(value)) for kind in kinds)

    def holds_runtime(value: object) -> bool:
        """A runtime object, or a function closed over one (`_reprcompare`, over the running item)."""
        if is_runtime(value):
            return True
        if type(value) is not FunctionType:
            return False
        for cell in value.__closure__ or ():  # type: ignore[attr-defined]
            try:
                if is_runtime(cell.cell_contents):
                    return True
            except ValueError:  # an empty cell
                continue
        return False

    getframe, identity = sys._getframe, object.__hash__
    attributes, always = FRAME_ATTRIBUTES, ALWAYS_EVENTS

    def candidates(code: CodeType) -> bool:
        """Code the candidate made: compiled from a string while its code ran, or built in a shape
        compiling source never gives (then nothing else of it is read)."""
        key = identity(code)
        known = shapes.get(key)
        if known is None:
            known = shapes[key] = (code, compiled_shape(code))
        return not known[1] or key in tainted

    def culprit(frame: FrameType | None, skip_stdlib: bool, skip_library: bool = False) -> FrameType | None:
        """The first frame, outward from `frame`, that is not a helper run on someone's behalf, when
        it is the code under test's; None otherwise. Each frame's code is read once (the read is an
        audit event too)."""
        while frame is not None:
            code = frame.f_code
            if candidates(code):
                return frame
            kind = classify(code.co_filename)
            if kind == UNDER_TEST:
                return frame
            helper = (
                kind == SYNTHETIC
                or (kind == STDLIB and (skip_stdlib or code.co_filename.endswith(INTROSPECTION)))
                or (kind == LIBRARY and skip_library)
            )
            if not helper:
                return None
            frame = frame.f_back
        return None

    def edit(code: CodeType) -> bool:
        """Whether `code` is the candidate's but for taint: built in a shape compiling source never
        gives, or code under test that is not the base tree's own. Never changes for a code object."""
        key = identity(code)
        known = edits.get(key)
        if known is None:
            made = candidates(code) or (classify(code.co_filename) == UNDER_TEST and not genuine(code))
            known = edits[key] = (code, made)
        return known[1]

    def changed(code: CodeType) -> bool:
        """Code the candidate changed or added, or made from a string while its code ran."""
        return edit(code) or identity(code) in tainted

    def first_changed(frame: FrameType | None) -> FrameType | None:
        """The innermost frame running code the candidate changed or added (not the base tree's own,
        nor a library's). A whole stack is walked for each piece of code made from a string (a
        template engine makes thousands): each frame's code is read once, and judged once per run."""
        while frame is not None:
            if changed(frame.f_code):
                return frame
            frame = frame.f_back
        return None

    def taint(code: object) -> None:
        """Code made from a string (`exec`, `eval`, `FunctionType`, a `__code__` assignment) while
        the candidate's code is on the stack is the candidate's, whoever runs it later."""
        if type(code) is not CodeType:
            return
        name = code.co_filename  # type: ignore[attr-defined]
        # Only code from a string can be tainted: a module's code (most of what runs) is not walked
        # for its shape here. A name that is not an exact `str` is the candidate's code already.
        if type(name) is not str or not name.startswith("<") or name.startswith("<frozen"):
            return
        if not candidates(code) and first_changed(outer(3)) is not None:  # type: ignore[arg-type]
            tainted.update((identity(c), c) for c in nested(code))  # type: ignore[arg-type]

    def record(what: str, origin: FrameType | None, caller: FrameType) -> None:
        """Record `what`, done by `caller` (code under test) from the innermost frame `origin`, when
        code the candidate changed or added is on that stack (`caller` itself, a helper it ran, or
        further out: the project's own code called by the candidate's)."""
        culprit = first_changed(origin)
        if culprit is None:
            return  # the project's own code, run by its tests or by other code of the base tree
        message = f"{what} by the code under test at {_where(culprit, root)}"
        if culprit is not caller:
            message += f" through the project's own code at {_where(caller, root)}"
        note(message)

    def note(message: str) -> None:
        if message not in audit.findings:
            audit.findings.append(message)

    def unseal(event: str, args: Sequence[object]) -> None:
        """A sealed runner reference read or written: given, or kept, unless code the candidate
        changed asked for it (or a helper it called: `getattr`, `inspect`)."""
        if event == RUNTIME:
            key: str | None = "the runtime's classes" if len(args) == 1 and type(args[0]) is tuple else None
        else:
            key = exact_text(args[0]) if len(args) == (3 if event == STORE else 2) else None
        if key is None:
            return
        if event == STORE:  # a write: kept or not, whoever writes (what it writes, it holds already)
            if type(args[2]) is list and holds_runtime(args[1]):
                sealed[key] = args[1]
                args[2].append(True)
            return
        reader: FrameType | None = outer(3)  # what raised the event: the sealing machinery, or not
        while reader is not None:
            code = reader.f_code  # read once: each read is an event of its own
            if not any(code is own for own in machinery):
                break
            reader = reader.f_back
        caller = culprit(reader, skip_stdlib=True)
        if caller is not None and first_changed(reader) is not None:
            record(f"reaching into the test process (pytest's {key.partition('@')[0]})", reader, caller)
        elif event == RUNTIME:
            if not runtime:  # told once, before any code of the tree is imported
                runtime.append(tuple(k for k in args[0] if isinstance(k, type)))  # type: ignore[attr-defined]
        elif event == SEAL:
            sealed[key] = args[1]
        elif type(args[1]) is list and key in sealed:
            args[1].append(sealed[key])

    def handle(event: str, args: Sequence[object]) -> None:
        if event in SEALING:
            unseal(event, args)
            return
        if event in CODE_EVENTS:
            if event != "object.__setattr__":
                taint(args[0] if args else None)
            elif len(args) >= 3 and exact_text(args[1]) == "__code__":
                taint(args[2])
            return
        if event == "open":
            text = exact_text(args[0]) if args else None  # None: a file descriptor
            if text is None or not text.endswith(".py") or classify(realpath(text)) != TEST:
                return
            origin = outer(2)
            # Whoever asked: an installed library may read on the caller's behalf (pytest's
            # import hook loads a test module for whoever imports it by name).
            caller = culprit(origin, skip_stdlib=True, skip_library=True)
            if caller is not None:
                record(f"read of the test file {_relative(realpath(text), root)}", origin, caller)
            return
        if event == "object.__getattr__" and (len(args) < 2 or exact_text(args[1]) not in attributes):
            return
        origin = outer(2)
        caller = culprit(origin, skip_stdlib=False)
        if caller is not None:
            name = f"{event} {exact_text(args[1])}" if event == "object.__getattr__" else event
            kind = "frame introspection" if event not in always else "reaching into the test process"
            record(f"{kind} ({name})", origin, caller)

    def outer(depth: int) -> FrameType:
        """`sys._getframe(depth)` as the caller would call it, marked as the hook's own call."""
        me = thread()
        busy[me] = 3
        try:
            return getframe(depth + 1)
        finally:
            busy[me] = 1

    def ran_inside(event: str) -> None:
        """An event raised while the hook judges another. Mostly the hook's own reads; but the hook
        calls library code that looks names up as it runs (`realpath` calls `os.lstat`), and a
        function the candidate patched in there runs inside the hook, where its events would go
        unjudged: the frames from the one that raised the event out to the hook's are looked at."""
        frame = getframe(2)
        while frame is not None:
            code = frame.f_code
            if code is hook_code:
                return
            if changed(code):
                where = _where(frame, root)
                note(f"code the candidate changed ran inside codefit's audit hook ({event}) at {where}")
                return
            frame = frame.f_back

    def hook(event: str, args: tuple[object, ...]) -> None:
        # An event's name is an exact str when the interpreter raises it; `sys.audit` called with
        # anything else raises no event of the interpreter's, and its `__hash__` is not run here.
        if type(event) is not str or event not in WATCHED:
            return
        me = thread()
        level = busy.get(me)
        if level:
            # The hook's own walks read frames' code (an event each); any other event raised while
            # it judges one is looked at. A frame is had only through an event, so a read of a
            # frame's code alone needs no look.
            code_read = event == "object.__getattr__" and len(args) > 1 and exact_text(args[1]) == "f_code"
            if level == 1 and not code_read:
                busy[me] = 2
                try:
                    ran_inside(event)
                except Exception:
                    untrusted(event)
                finally:
                    busy[me] = 1
            return
        busy[me] = 1
        try:
            handle(event, args)
        except Exception:  # never a silent pass: a run the hook could not judge is not trusted
            untrusted(event)
        finally:
            del busy[me]

    def untrusted(event: str) -> None:
        note(f"the audit hook could not judge the event {event}: the run cannot be trusted")

    hook_code = hook.__code__
    sys.addaudithook(hook)
    return audit


def _classifier(
    root: str, is_test_file: Callable[[str], bool], resolve: Callable[[str], str]
) -> Callable[[str], str]:
    stdlib = {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
    prefix = root.rstrip(os.sep) + os.sep
    plugin_dir = os.path.dirname(os.path.realpath(__file__)) + os.sep  # codefit's own, wherever it lies
    cache: dict[str, str] = {}

    def classify(filename: str) -> str:
        kind = cache.get(filename)
        if kind is not None:
            return kind
        if filename.startswith("<"):
            kind = STDLIB if filename.startswith("<frozen") else SYNTHETIC
        else:
            path = resolve(filename)
            if path.startswith(plugin_dir) or any(part in path for part in INSTALLED):
                kind = LIBRARY
            elif in_tree(path, prefix):
                kind = TEST if is_test_file(path) else UNDER_TEST
            elif any(path.startswith(s) for s in stdlib):
                kind = STDLIB
            else:
                kind = LIBRARY
        cache[filename] = kind
        return kind

    return classify


INSTALLED = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


def resolver(
    lstat: Callable[[str], os.stat_result] = os.lstat,
    readlink: Callable[[str], str] = os.readlink,
    getcwd: Callable[[], str] = os.getcwd,
    is_link: Callable[[int], bool] = stat.S_ISLNK,
) -> Callable[[str], str]:
    """`os.path.realpath` for absolute or relative `str` paths, on the functions as they were when
    the hook was installed: `realpath` looks `os.lstat` and `os.readlink` up as it runs, and the code
    under test may patch them (a test file resolved to a file of no test, and its read went unseen)."""
    if os.sep != "/":
        return os.path.realpath

    def resolve(path: str) -> str:
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        parts = path.split("/")[::-1]
        done: list[str] = []
        links = 0
        while parts:
            name = parts.pop()
            if not name or name == ".":
                continue
            if name == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join([*done, name])
            try:
                linked = is_link(lstat(candidate).st_mode)
            except OSError:
                linked = False
            if not linked or links > 40:  # a loop: left as it stands, as realpath leaves it
                done.append(name)
                continue
            links += 1
            target = readlink(candidate)
            if target.startswith("/"):
                done = []
            parts.extend(reversed(target.split("/")))
        return "/" + "/".join(done)

    return resolve


def in_tree(path: str, prefix: str) -> bool:
    """Whether the real path `path` is the tree's (at `prefix`, ending in a separator), and not an
    environment installed inside it (a `.venv` in the project root is common)."""
    if not (path + os.sep).startswith(prefix):
        return False
    return not any(part in path[len(prefix) - 1 :] for part in INSTALLED)


def _where(frame: FrameType, root: str) -> str:
    return f"{_relative(exact_text(frame.f_code.co_filename) or '?', root)}:{frame.f_lineno}"


def _relative(path: str, root: str) -> str:
    return os.path.relpath(path, root) if path.startswith(root) else path
