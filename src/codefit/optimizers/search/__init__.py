"""The built-in offline optimizer `search`: fault localisation, AST edits, a fork-server evaluator."""

from codefit.optimizers.search.optimizer import SearchOptimizer, SearchOptions

__all__ = ["SearchOptimizer", "SearchOptions"]
