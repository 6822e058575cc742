"""Entry point of the `queue` operation's process (`guild run queue`)."""

from guild.queue.runner import main

if __name__ == "__main__":
    main()
