"""Pure code-quality metrics: complexity, erosion, concentration, clones, verbosity, contracts, drift.

Nothing here runs a process or writes a file; the sensors in `codefit.sensors` do that and call
these functions on the source they read.
"""
