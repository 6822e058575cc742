"""Code that runs inside the user's process (`python -um guild.op_main`).

Standard library only, and imports nothing else of ours: the launcher must start in milliseconds."""
