"""Choosing where a batch's trials run, from `--executor` and `--jobs`: `local` (one at a time,
or `--jobs N` at once in this process), a Dask scheduler (`tcp://HOST:PORT`), or an executor
named under `executors:` in the user config:

    executors:
      lab:                      # --executor lab
        type: dask
        address: tcp://10.0.0.5:8786
      slurm:                    # --executor slurm: a dask-jobqueue cluster, made per batch
        type: slurm
        cluster: {cores: 4, memory: 16GB, walltime: "02:00:00", queue: gpu}
        jobs: 10                # cluster jobs to ask for (default: --jobs, else 1)
"""

from __future__ import annotations

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext
    from guild.executors.base import Executor

# dask-jobqueue's cluster classes by the `type` a user config names.
JOBQUEUE_TYPES = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
                  "lsf": "LSFCluster", "htcondor": "HTCondorCluster", "oar": "OARCluster",
                  "moab": "MoabCluster"}


def check(address: str | None) -> None:
    """Fail early (before a batch is made) for an executor that cannot be used."""
    if not address or address == "local":
        return
    kind, _ = _resolve(address)
    if kind != "local":
        from guild.executors.dask import require_dask

        require_dask()


def executor(address: str | None, jobs: int | None, ctx: RunContext) -> Executor:
    """The executor `--executor ADDRESS` and `--jobs N` name (ADDRESS None: local)."""
    kind, config = _resolve(address or "local")
    if kind == "local":
        slots = int(jobs or config.get("jobs") or 1)
        if slots > 1:
            from guild.executors.local import LocalPoolExecutor

            return LocalPoolExecutor(slots, ctx.echo)
        from guild.executors.sequential import SequentialExecutor

        return SequentialExecutor(ctx.echo)
    from guild.executors.dask import DaskExecutor

    if kind == "dask":
        return DaskExecutor(config["address"], jobs or config.get("jobs"), ctx.echo)
    cluster = _jobqueue_cluster(kind, config, int(jobs or config.get("jobs") or 1))
    return DaskExecutor(cluster, jobs or config.get("jobs"), ctx.echo)


def _resolve(address: str) -> tuple[str, dict[str, Any]]:
    """(kind, config): kind is local, dask or a JOBQUEUE_TYPES key."""
    if address == "local":
        return "local", {}
    if "://" in address:
        return "dask", {"address": address}
    from guild.store.home import user_config, user_config_path

    configured = (user_config().get("executors") or {}).get(address)
    if not isinstance(configured, dict):
        raise GuildError(f"unknown executor '{address}'",
                         hint=f"Use local, tcp://HOST:PORT of a Dask scheduler, or a name under "
                              f"'executors' in {user_config_path()}.")
    kind = str(configured.get("type") or "dask")
    if kind == "dask" and not configured.get("address"):
        raise GuildError(f"executor '{address}' has no address")
    if kind not in ("local", "dask") and kind not in JOBQUEUE_TYPES:
        raise GuildError(f"executor '{address}' has an unsupported type '{kind}'",
                         hint=f"Supported: local, dask, {', '.join(sorted(JOBQUEUE_TYPES))}.")
    return kind, configured


def _jobqueue_cluster(kind: str, config: dict[str, Any], jobs: int) -> Any:
    try:
        import dask_jobqueue
    except ImportError:
        raise GuildError(f"executor type '{kind}' needs dask-jobqueue: pip install dask-jobqueue") from None
    cluster_class = getattr(dask_jobqueue, JOBQUEUE_TYPES[kind])
    cluster = cluster_class(**(config.get("cluster") or {}))
    cluster.scale(jobs=jobs)
    return cluster
