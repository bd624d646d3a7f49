"""Agent-blind checks outside `fit`: carving held-out tests out of a suite, and gating a change."""
