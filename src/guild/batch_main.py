"""Entry point of a batch run's process (`python -um guild.batch_main`, the name Guild 0.9 batch
runs also use, so their saved commands restart here)."""

from guild.batch.runner import main

if __name__ == "__main__":
    main()
