"""Queues: `guild run queue` starts staged runs (oldest first), one at a time per queue."""
