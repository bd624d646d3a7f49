"""Helpers shared by the agent optimizers: process launch, stream parsers, prices."""
