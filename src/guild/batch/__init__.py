"""Batch runs: grid search (`+`), random search and sequential optimizers. A batch is a run whose
process is the batch runner (`python -um guild.batch_main`); it creates trial runs from the
proto and runs each through the engine API in-process (pipelines-and-batches.md §4–5)."""
