"""Checkpoint specs: a task whose spec evolves over ordered checkpoints on one codebase.

Built on top of the loop: each checkpoint is one ordinary run (the Trainer, unchanged), started
from the tree the previous checkpoint ended on. `settings` is what `[[checkpoints]]` holds,
`plan` turns one checkpoint into a run's config, `series` drives the runs, `boundary` measures
each checkpoint's end (forgetting, quality), `record` keeps the series' own file, `view` shows it,
`scb` imports SlopCodeBench problems.
"""
