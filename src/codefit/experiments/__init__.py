"""Experiments above the loop: task suites, suites mined from git history, sweeps over harness
settings on a local process pool or on Ray, and the statistics that compare settings."""
