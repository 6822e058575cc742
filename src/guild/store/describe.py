"""How a run is described: its operation (`train`, `train+` for a batch, `m:op`), where the
operation came from, and the attributes computed from a run rather than read from one attr file
(`id`, `operation`, `status`, `time`, ...: runs.md §4.1, §6.5)."""

from __future__ import annotations

from guild.store.run import Run
from guild.util import clock

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def operation_desc(run: Run) -> str:
    """The op description without suffixes: base name plus batch form (runs.md §4.1)."""
    return op_parts(run)[0]


def project_dir(run: Run) -> str | None:
    """The directory the run's operation came from (the proto's for batches)."""
    return op_parts(run)[1]


def op_parts(run: Run) -> tuple[str, str | None]:
    """(operation description, project dir), reading the batch proto once."""
    opref = run.opref
    base = opref.base_desc() if opref else "?"
    proto = run.batch_proto
    if proto is None:
        return base, opref.project_dir() if opref else None
    proto_opref = proto.opref
    proto_base = proto_opref.base_desc() if proto_opref else "?"
    desc = proto_base + base if base.startswith("+") else f"{proto_base}+{base}"
    return desc, proto_opref.project_dir() if proto_opref else None


def from_desc(run: Run) -> str:
    """Where the operation came from: guild file or script path (`~` for home), `pkg==ver`, else
    the package name (`guildai` for builtins)."""
    from guild.util import files

    opref = run.opref
    if opref is None:
        return ""
    if opref.pkg_type in ("guildfile", "script"):
        return files.tilde_path(opref.pkg_name)
    if opref.pkg_type == "package":
        return f"{opref.pkg_name}=={opref.pkg_version}"
    return opref.pkg_name


_COMPUTED_ATTRS = frozenset(
    ("id", "run", "short_id", "operation", "from", "op", "op_model", "sourcecode", "started",
     "stopped", "status", "time")
)


def computed_attr(run: Run, name: str) -> tuple[bool, Any]:
    """(True, value) for the attributes computed from a run rather than read from one attr file
    (`id`, `operation`, `status`, `time`, ...: runs.md §6.5), else (False, None)."""
    if name not in _COMPUTED_ATTRS:
        return False, None
    if name == "id":
        return True, run.id
    if name in ("run", "short_id"):
        return True, run.short_id
    if name == "operation":
        return True, operation_desc(run)
    if name == "from":
        return True, from_desc(run)
    if name in ("op", "op_model"):
        opref = run.opref
        if opref is None:
            return True, None
        return True, opref.op_name if name == "op" else opref.model_name
    if name == "sourcecode":
        digest = run.get("sourcecode_digest")
        return True, digest[:8] if isinstance(digest, str) else ""
    if name in ("started", "stopped"):
        ts = run.get(name)
        return True, clock.format_timestamp(ts) or None
    if name == "status":
        return True, run.status
    started, stopped = run.get("started"), run.get("stopped")
    if not isinstance(started, int) or (not isinstance(stopped, int) and run.status != "running"):
        return True, None
    return True, clock.format_duration(started, stopped if isinstance(stopped, int) else None)


def sourcecode_dest(run: Run) -> str:
    """Where the run's source code was copied, relative to the run dir (its op config's
    `sourcecode.dest`; `.guild/sourcecode` for runs of Guild versions that used it)."""
    import os

    op = run.get("op")
    if isinstance(op, dict):
        sc = op.get("sourcecode")
        if isinstance(sc, dict) and sc.get("dest"):
            return str(sc["dest"])
    if os.path.isdir(run.guild_path("sourcecode")):
        return ".guild/sourcecode"
    return "."
