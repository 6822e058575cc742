"""Resolving an op's dependencies into a run directory (dependencies.md §4): each source located
(`sources`), selected, placed in the run (link or copy, renamed), recorded in the manifest and the
`deps` attr; and the flag pass that chooses upstream runs for operation sources (§6.3)."""

from __future__ import annotations

import os

from guild.engine.deps import model as deps_model
from guild.engine.deps.files import PlaceError, ResolveError
from guild.engine.deps.model import Resource, Source
from guild.errors import GuildError
from guild.util import files, log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext

FLAG_PASS_STATUSES = ("completed", "running", "terminated", "staged")


def resolve_flag_runs(resources: list[Resource], flags: dict[str, Any], ctx: RunContext) -> None:
    """Replace operation-source flag values with the full id of the chosen upstream run, in place."""
    from guild.engine.deps.sources import find_upstream

    for res in resources:
        for source in res.sources:
            flag_name = source.flag_name()
            if source.type != "operation" or not flag_name:
                continue
            value = flags.get(flag_name)
            spec = deps_model.expand_refs(source.value, flags, strict=False)
            items = value if isinstance(value, list) else [value]
            found = [find_upstream(spec, item if item != "" else None, FLAG_PASS_STATUSES, ctx) for item in items]
            if isinstance(value, list):
                flags[flag_name] = [run.id if run else item for run, item in zip(found, items)]
            elif found[0] is not None:
                flags[flag_name] = found[0].id
            if any(run is None for run in found) and not source.data.get("optional"):
                log.warning(f"cannot find a suitable run for required resource '{source.name}'")


class _DependencyError(Exception):
    """One unmet dependency; its text is the detail of the final message."""


def resolve(run, plan, opts, run_ctx: RunContext, for_stage: bool = False) -> None:
    """Resolve the plan's dependencies (plus `-D` paths) into `run` and write its `deps` attr.

    Raises GuildError `run failed because a dependency was not met: ...` unless `--force-deps`."""
    from guild.engine.deps.sources import Context

    resources = run_resources(plan, opts.additional_deps, run_ctx.cwd)
    flagdefs = dict(plan.flagdefs or {})
    for name, fd in ((plan.op_config.get("op-cmd") or {}).get("cmd-flags") or {}).items():
        flagdefs.setdefault(name, fd)
    ctx = Context(run.path, dict(plan.flags or {}), flagdefs, run_ctx)
    deps: dict[str, Any] = dict(run.get("deps") or {}) if run.has_attr("deps") else {}
    for res in resources:
        log.info(f"Resolving {res.name}")
        res_deps = deps.setdefault(res.name, {})
        try:
            _resolve_resource(res, res_deps, run, ctx, for_stage)
        except _DependencyError as e:
            if not opts.force_deps:
                raise GuildError(f"run failed because a dependency was not met: {e}") from None
            log.warning(f"a dependency was not met: {e}")
    run.write_attr("deps", deps)


def run_resources(plan, additional_deps: list[str] | None, cwd: str) -> list[Resource]:
    """What a run resolves: the plan's resources (a new run's, derived once when it was planned)
    or the op config's saved ones (restarts and trials), then one per `-D` path (its saved form
    when the op config has one: restarts and trials repeat the run's `-D` options), located in
    `cwd`."""
    if plan.resources is not None:
        resources = list(plan.resources)
    else:
        resources = saved_resources(plan.op_config, plan.opdef)
    additional = {res.name: res for res in resources if res.location == deps_model.ADDITIONAL_LOCATION}
    resources = [res for res in resources if res.location != deps_model.ADDITIONAL_LOCATION]
    extra = [additional.get(path) or deps_model.additional_resource(path) for path in additional_deps or []]
    for res in extra:
        res.location = cwd
    return resources + extra


def saved_resources(op_config: dict, opdef) -> list[Resource]:
    """The resources saved in an op config (`deps`), with the lookup dirs of extended models
    when the op's definition is at hand (the saved form has none)."""
    saved = (op_config or {}).get("deps")
    if not saved or not all(isinstance(d, dict) and "location" in d for d in saved):
        return []
    resources = [deps_model.from_saved(d) for d in saved]
    if opdef is not None:
        dirs = deps_model.model_dirs(opdef)
        for res in resources:
            if res.location == opdef.project_dir:
                res.parent_locations = dirs
    return resources


def _resolve_resource(res: Resource, res_deps: dict, run, ctx, for_stage: bool) -> None:
    from guild.engine.deps.sources import resolve_source

    for source in res.sources:
        if source.name in res_deps and not source.data.get("always-resolve"):
            log.info(f"Skipping resolution of {source.name} because it's already resolved")
            continue
        if for_stage and source.type == "operation":
            log.info(f"Skipping resolution of {source.name} because it's being staged")
            continue
        try:
            resolved = resolve_source(source, res, ctx)
            _check_empty(source, resolved.paths)
            _place_all(source, res, resolved, run, ctx.flags, ctx.run_ctx.home)
        except Exception as e:
            if source.data.get("optional"):
                log.info(f"Could not resolve {source.name} - skipping because dependency is optional")
                log.debug(str(e))
                continue
            raise _DependencyError(_error_detail(e, source, res)) from None
        entry: dict[str, Any] = {"uri": source.uri, "paths": [os.path.relpath(p, run.path) for p in resolved.paths]}
        if resolved.config is not None:
            entry["config"] = resolved.config
        res_deps[source.name] = entry


def _error_detail(e: Exception, source: Source, res: Resource) -> str:
    if isinstance(e, PlaceError):
        return str(e)
    if isinstance(e, ResolveError):
        detail = f"could not resolve '{source.name}' in {res.name} resource: {e}"
        help_text = source.data.get("help")
        return f"{detail}\n{_yellow_on_tty(str(help_text))}" if help_text else detail
    return f"unexpected error resolving '{source.name}' in {res.name} resource: {e!r}"


def _yellow_on_tty(text: str) -> str:
    import sys

    from guild.util import style

    return style.styled(text, "yellow", sys.stderr)


def _check_empty(source: Source, paths: list[str]) -> None:
    if paths or source.type == "module":
        return
    if source.data.get("fail-if-empty"):
        raise ResolveError(f"nothing resolved for {source.name}")
    if source.data.get("warn-if-empty", True):
        log.warning(f"nothing resolved for {source.name}")


# --- placing -------------------------------------------------------------------------------------


def _place_all(source: Source, res: Resource, resolved, run, flags: dict[str, Any], home: str) -> None:
    from guild.engine.deps import files as deps_files
    from guild.store import manifest

    target_type = _target_type(source, res)
    target_path = _target_path(source, res)
    rules = deps_files.rename_rules(source.data.get("rename"), lambda s: deps_model.expand_refs(s, flags, strict=False))
    replace = bool(source.data.get("replace-existing"))
    preserve = bool(source.data.get("preserve-path"))
    if preserve and target_path:
        log.warning(f"target-path '{target_path}' specified with preserve-path - ignoring")
    entries = []
    for path in resolved.paths:
        dest_dir = os.path.join(run.path, target_path)
        if preserve and resolved.root and _is_within(path, resolved.root):
            dest_dir = os.path.join(run.path, os.path.dirname(os.path.relpath(path, resolved.root)))
        dest = os.path.join(dest_dir, deps_files.renamed(os.path.basename(path), rules))
        if deps_files.place(path, dest, target_type, replace):
            uri, subpath = _manifest_uri(source, res, path, home)
            entries.append(deps_files.manifest_entry(run.path, dest, uri, subpath))
    manifest.append_entries(run.path, entries)


def _target_type(source: Source, res: Resource) -> str:
    if source.data.get("target-type") is not None:
        val, where = source.data["target-type"], f"source {source.raw_name}"
    elif res.data.get("target-type") is not None:
        val, where = res.data["target-type"], f"resource {res.name}"
    else:
        return "link" if source.type == "operation" else "copy"
    if val not in ("link", "copy"):
        raise PlaceError(f"unsupported target-type '{val}' in {where} (expected 'link' or 'copy')")
    return str(val)


def _target_path(source: Source, res: Resource) -> str:
    val = _path_attr(source.data)
    if val is None:
        val = _path_attr(res.data)
    val = "" if val is None else str(val)
    if os.path.isabs(val):
        raise PlaceError(f"invalid path '{val}' in {_res_raw_name(res)} resource (path must be relative)")
    if files.escapes(val):
        raise PlaceError(
            f"invalid path '{val}' in {_res_raw_name(res)} resource (path must be inside the run directory)"
        )
    return val


def _path_attr(data: dict) -> Any:
    val = data.get("target-path")
    return data.get("path") if val is None else val


def _res_raw_name(res: Resource) -> str:
    """How the reference names a resource in placement errors: `None` for unnamed inline ones."""
    if res.name == ",".join(s.name for s in res.sources) and not res.data.get("description"):
        return "None"
    return res.name


def _is_within(path: str, root: str) -> bool:
    rel = os.path.relpath(path, root)
    return rel != "." and not rel.startswith("..")


def _manifest_uri(source: Source, res: Resource, path: str, home: str) -> tuple[str, str | None]:
    from guild.engine.deps.sources import resources_cache

    subpath = None
    cache = resources_cache(home)
    if _is_within(path, cache):
        parts = os.path.relpath(path, cache).split(os.sep, 1)
        subpath = parts[1].replace(os.sep, "/") if len(parts) > 1 else None
    if source.type != "operation" and _is_within(path, res.location):
        return "file:" + os.path.relpath(path, res.location).replace(os.sep, "/"), subpath
    return source.uri, subpath
