"""Small stdlib-level helpers shared by every layer: YAML, time, files, processes."""
