"""Operations every project has without defining them (as Guild has them): `queue`, which starts
staged runs one at a time (`guild run queue`; several queues run staged runs in parallel)."""

from __future__ import annotations

from guild.project.opdef import OpDef

QUEUE_FLAGS = {
    "poll-interval": {"description": "Seconds between checks for staged runs.", "default": 10, "type": "int",
                      "min": 1},
    "run-once": {"description": "Start the staged runs there are, then stop (do not wait for more).",
                 "default": False, "type": "boolean"},
    "wait-for-running": {"description": "Start a staged run only when no other run (but queues) is running.",
                         "default": False, "type": "boolean"},
    "gpus": {"description": "GPUs of the runs this queue starts (as `guild run --gpus`).", "default": None},
}


def builtin_opdef(name: str, cwd: str) -> OpDef | None:
    if name != "queue":
        return None
    return OpDef(
        name="queue",
        model_name="",
        guildfile_path=None,
        project_dir=cwd,
        main="guild.queue_main",
        description="Start staged runs, one at a time.",
        flags={name: dict(fd) for name, fd in QUEUE_FLAGS.items()},
        flags_dest="args",
        sourcecode=False,
        pip_freeze=False,
        is_builtin=True,
    )
