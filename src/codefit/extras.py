"""Optional extras: which `pip install codefit[...]` extra provides a missing module.

Core never imports an extra's module at import time; a plug-in that needs one says which extra
to install, through `missing_extra` when its import fails or `require` before it is used.
"""

from __future__ import annotations

import importlib

from codefit.errors import ConfigError

# Top-level module -> the extra that installs it (pyproject's [project.optional-dependencies]).
EXTRA_OF: dict[str, str] = {
    "openai": "agents",
    "mcp": "agents",
    "cryptography": "guards",
    "radon": "quality",
    "vulture": "quality",
    "grimp": "quality",
    "importlinter": "quality",
    "mlflow": "mlflow",
    "sqlalchemy": "mlflow",
    "alembic": "mlflow",
    "mutmut": "bench",
    "hypothesis": "property",
    "icontract": "runtime-contracts",
    "crosshair": "crosshair",
    "playwright": "browser",
    "yaml": "scb",
}


def missing_extra(exc: ImportError, what: str, *, where: str | None = None) -> ConfigError | None:
    """A clear error for `exc` when it is a module of an extra that is not installed, else None."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF.get(top)
    if extra is None:
        return None
    return ConfigError(
        f"{what} needs the `{extra}` extra ({top} is not installed): pip install 'codefit[{extra}]'",
        where=where,
    )


def require(what: str, *modules: str) -> None:
    """Raise the clear error when any of `modules` (each provided by an extra) cannot be imported."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            error = missing_extra(ModuleNotFoundError(name=module), what)
            raise error or ConfigError(f"{what} needs the Python module {module!r}") from exc
