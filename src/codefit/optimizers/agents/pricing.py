"""Token prices, for agents that report tokens but not cost (Codex, OpenAI-compatible endpoints).

USD per million tokens, as published by OpenAI for the API (platform.openai.com/docs/pricing) at
the time of writing. Prices change: users override or extend the table in the config
(`price_table = { "my-model" = { input = 1.0, cached_input = 0.1, output = 4.0 } }`).
A model matches its own entry, or the entry it is a dated snapshot of (`gpt-4o-2024-08-06`,
`o3-2025-04-16`); never a shorter name otherwise: `gpt-5.2` or `gpt-5-pro` is not `gpt-5`, whose
price differs. A model with no price (or no model at all) has an unknown cost: the adapters say so
in the step's transcript (an event with `data.cost_unknown`) and warn once at the start of a run;
its usage then says `cost_known = false`, and the views show the cost as unknown, never as $0.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping

from pydantic import Field

from codefit.optimizers.base import EventKind, TranscriptEvent, Usage
from codefit.records import Record


class Price(Record):
    input: float = Field(ge=0, description="USD per million uncached input tokens.")
    cached_input: float | None = Field(default=None, ge=0, description="USD per million cached input tokens.")
    output: float = Field(ge=0, description="USD per million output tokens.")
    cache_write_input: float | None = Field(
        default=None, ge=0, description="USD per million input tokens written to the cache; default: `input`."
    )


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-5": Price(input=1.25, cached_input=0.125, output=10.0),
    "gpt-5-codex": Price(input=1.25, cached_input=0.125, output=10.0),
    "gpt-5.1": Price(input=1.25, cached_input=0.125, output=10.0),
    "gpt-5.1-codex": Price(input=1.25, cached_input=0.125, output=10.0),
    "gpt-5.1-codex-mini": Price(input=0.25, cached_input=0.025, output=2.0),
    "gpt-5-mini": Price(input=0.25, cached_input=0.025, output=2.0),
    "gpt-5-nano": Price(input=0.05, cached_input=0.005, output=0.4),
    "gpt-4.1": Price(input=2.0, cached_input=0.5, output=8.0),
    "gpt-4.1-mini": Price(input=0.4, cached_input=0.1, output=1.6),
    "gpt-4o": Price(input=2.5, cached_input=1.25, output=10.0),
    "gpt-4o-mini": Price(input=0.15, cached_input=0.075, output=0.6),
    "o3": Price(input=2.0, cached_input=0.5, output=8.0),
    "o4-mini": Price(input=1.1, cached_input=0.275, output=4.4),
    "codex-mini-latest": Price(input=1.5, cached_input=0.375, output=6.0),
}


SNAPSHOT_SUFFIX = re.compile(r"-\d{4}(-\d{2}-\d{2})?")  # -0613, -2024-08-06


def lookup(model: str | None, overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of `model`: an override first, then the defaults; itself or the entry it is a
    dated snapshot of (see the module's docstring)."""
    if not model:
        return None
    table = {**DEFAULT_PRICES, **(overrides or {})}
    if model in table:
        return table[model]
    bases = [
        name for name in table if model.startswith(name) and SNAPSHOT_SUFFIX.fullmatch(model[len(name) :])
    ]
    return table[max(bases, key=len)] if bases else None


def cost_usd(
    price: Price | None,
    *,
    input_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
) -> float:
    """Cost of a usage; `input_tokens` includes the cached and cache-write ones, as OpenAI counts
    them (and `output_tokens` the reasoning ones)."""
    if price is None:
        return 0.0
    cached = min(cached_tokens, input_tokens)
    written = min(cache_write_tokens, input_tokens - cached)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    write_rate = price.input if price.cache_write_input is None else price.cache_write_input
    plain = input_tokens - cached - written
    total = plain * price.input + cached * cached_rate + written * write_rate + output_tokens * price.output
    return total / 1_000_000


def unknown_cost_note(agent: str, model: str | None) -> str:
    """Why `agent`'s cost cannot be known, and how to make it known."""
    why = f"model {model!r} has no price" if model else "no model is set"
    return (
        f"{agent}: token cost unknown ({why}); set `model` under [optimizer] or add the model "
        "to `price_table` (USD per million tokens)"
    )


def warn_if_unpriced(agent: str, model: str | None, overrides: Mapping[str, Price]) -> None:
    """One warning on stderr at the start of a run (optimizers' `preflight`) when cost is unknown."""
    if lookup(model, overrides) is None:
        print(f"codefit: warning: {unknown_cost_note(agent, model)}", file=sys.stderr)


def unknown_cost_events(
    agent: str, model: str | None, overrides: Mapping[str, Price]
) -> list[TranscriptEvent]:
    """A note for the step's transcript when its cost is unknown (its usage then shows $0)."""
    if lookup(model, overrides) is not None:
        return []
    note = unknown_cost_note(agent, model)
    return [TranscriptEvent(kind=EventKind.MESSAGE, role="codefit", text=note, data={"cost_unknown": True})]


def priced_usage(
    model: str | None,
    overrides: Mapping[str, Price],
    *,
    input_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
) -> Usage:
    """A usage with its cost at `model`'s price (unknown where the model has none)."""
    price = lookup(model, overrides)
    cost = cost_usd(
        price,
        input_tokens=input_tokens,
        cached_tokens=cached_tokens,
        output_tokens=output_tokens,
        cache_write_tokens=cache_write_tokens,
    )
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        cost_usd=cost,
        cost_known=price is not None,
    )
