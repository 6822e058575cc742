"""Doing runs: turn an operation + flags + options into a run directory and a process, and
restart, stage or skip (`--needed`) runs. Pipelines and batches use the same API in-process."""
