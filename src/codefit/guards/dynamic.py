"""Code the guards cannot read: source executed from what the program reads or decodes at run time.

`exec(open("impl.dat").read())`, `compile(base64.b64decode(...), ...)`, `runpy.run_path`, a
`SourceFileLoader` or `spec_from_file_location` on a file, `marshal.loads`: what runs is not in any
module the guards parse. A changed file that is itself a program is judged like code wherever it
lives (`source.python_files`); this guard flags the act of running source the step assembles, so
that an encoded or generated payload cannot hide. `exec`/`eval` of a string literal only warns.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from codefit.guards.base import Alert, Change, Severity
from codefit.guards.memo import walk
from codefit.guards.names import names_of
from codefit.guards.source import Hit, added_hits, alert, hit, judged_as_test, python_files

RUNNERS = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval", "builtins.compile"})
LOADERS = frozenset(
    {
        "runpy.run_path",
        "runpy.run_module",
        "importlib.machinery.SourceFileLoader",
        "importlib.machinery.SourcelessFileLoader",
        "importlib.util.spec_from_file_location",
        "importlib.util.spec_from_loader",
        "importlib.util.module_from_spec",
        "marshal.loads",
        "marshal.load",
        "types.CodeType",
        "types.FunctionType",
        "pickle.loads",
        "pickle.load",
        "code.InteractiveInterpreter",
        "zipimport.zipimporter",
    }
)


def dynamic_code(tree: ast.Module | None, text: str | None) -> list[Hit]:
    if tree is None:
        return []
    names = names_of(tree)
    hits = []
    for node in walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = names.qualified(node.func)
        if name in LOADERS:
            hits.append(hit(f"load:{name}", node, text))
        elif name in RUNNERS and node.args:
            source = node.args[0]
            kind = "literal" if isinstance(source, ast.Constant) else "run"
            hits.append(hit(f"{kind}:{name}", node, text))
    return hits


class DynamicCodeGuard:
    name = "dynamic_code"
    kinds: ClassVar[tuple[str, ...]] = ("runs_unread_source", "exec_literal")

    def inspect(self, change: Change) -> list[Alert]:
        alerts = []
        for f in python_files(change):
            if judged_as_test(change, f.rel):
                continue
            for h in added_hits(f, dynamic_code):
                kind, _, what = h.key.partition(":")
                if kind == "literal":
                    message = f"{what}() of a string literal: code written as data ({h.snippet})"
                    alerts.append(alert(self.name, "exec_literal", Severity.WARN, message, f.rel, h))
                else:
                    message = f"{what}() runs source assembled or read at run time: no guard can read it"
                    alerts.append(alert(self.name, "runs_unread_source", Severity.BLOCK, message, f.rel, h))
        return alerts
