"""Entry point of a pipeline run's process (`python -um guild.steps_main`, the name Guild 0.9 runs
also use, so their saved commands restart here)."""

from guild.pipeline.runner import main

if __name__ == "__main__":
    main()
