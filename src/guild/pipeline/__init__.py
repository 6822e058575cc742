"""Pipelines (`steps:`): the steps runner that is a pipeline run's process. It parses the steps,
manages the step links, and runs each step through the engine API in-process."""
