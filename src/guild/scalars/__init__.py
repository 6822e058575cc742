"""Run scalars: TensorBoard event files (events.py), output scalar capture (patterns.py) and
per-run summaries (summary.py). Imports only errors/util."""
