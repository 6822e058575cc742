"""Operation dependencies (`requires:`): the engine's entry points (dependencies.md).

- `dependency_flagdefs(opdef)`: flags that sources add to an op (§5.4, §6.2).
- `saved_deps(opdef, flags, additional)`: the op config `deps` list (§9), what restarts and trials
  resolve; `flags_extra(opdef)`: the op config `flags-extra` of dependency flags.
- `resolve_flag_runs(opdef, flags)`: the flag pass choosing upstream runs (§6.3).
- `resolve(run, plan, opts, for_stage)`: resolve into the run dir and write the `deps` attr (§4).
- `sourcecode_excludes(opdef, saved)`: project files that are dependencies, not source code (§4.6).
- `help_op_dependencies(opdef)`: rows of the `--help-op` `Dependencies:` section (§2.6).
"""

from __future__ import annotations

import os

from guild.engine import deps_model
from guild.engine.deps_files import PlaceError, ResolveError
from guild.engine.deps_model import Resource, Source
from guild.errors import GuildError
from guild.util import files, log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

FLAG_PASS_STATUSES = ("completed", "running", "terminated", "staged")


def dependency_flagdefs(opdef) -> dict[str, dict]:
    """The flag defs the op's sources generate, merged with the op's own defs of those names."""
    return deps_model.dependency_flagdefs(opdef)


def saved_deps(opdef, flags: dict[str, Any], additional: list[str] | None = None) -> list[dict]:
    """The op's dependencies as saved in the `op` attr (`deps` key), `-D` paths last with
    location `.` (§9, §10). Raises GuildError for invalid `requires` items."""
    resources = deps_model.op_resources(opdef, flags) if opdef is not None else []
    resources += [deps_model.additional_resource(path) for path in additional or []]
    return [deps_model.saved_form(res, flags) for res in resources]


def flags_extra(opdef) -> dict[str, dict]:
    """The op config `flags-extra` entries of the flags sources add: `{flag: {name: <source>}}`."""
    return {
        flag_name: {"name": source.name}
        for res in deps_model.op_resources(opdef, strict=False)
        for source in res.sources
        if (flag_name := source.flag_name())
    }


def resolve_flag_runs(opdef, flags: dict[str, Any]) -> None:
    """Replace operation-source flag values with the full id of the chosen upstream run, in place."""
    from guild.engine.deps_sources import find_upstream

    for res in deps_model.op_resources(opdef, flags):
        for source in res.sources:
            flag_name = source.flag_name()
            if source.type != "operation" or not flag_name:
                continue
            value = flags.get(flag_name)
            spec = deps_model.expand_refs(source.value, flags, strict=False)
            items = value if isinstance(value, list) else [value]
            found = [find_upstream(spec, item if item != "" else None, FLAG_PASS_STATUSES) for item in items]
            if isinstance(value, list):
                flags[flag_name] = [run.id if run else item for run, item in zip(found, items)]
            elif found[0] is not None:
                flags[flag_name] = found[0].id
            if any(run is None for run in found) and not source.data.get("optional"):
                log.warning(f"cannot find a suitable run for required resource '{source.name}'")


def help_op_dependencies(opdef) -> list[tuple[str, str]]:
    """`(spec, description)` rows of the `--help-op` `Dependencies:` section: string and
    `resource:` dependencies that have a description (§2.6)."""
    rows = []
    for item in opdef.requires or []:
        if isinstance(item, dict) and "resource" in item:
            spec, desc = str(item["resource"]), item.get("description")
        elif isinstance(item, str):
            spec, desc = item, None
        else:
            continue
        if not desc:
            try:
                res = deps_model.op_resources(_with_requires(opdef, [spec]))[0]
            except GuildError:
                continue
            desc = res.data.get("description")
        if desc:
            rows.append((spec, str(desc).strip().split("\n", 1)[0]))
    return rows


def _with_requires(opdef, requires: list):
    import copy

    clone = copy.copy(opdef)
    clone.requires = requires
    clone.flags_dest = None
    return clone


def sourcecode_excludes(opdef, saved: list | None = None) -> list[str]:
    """Project-relative paths of `file`/`config` sources naming a file exactly (§4.6). `saved`
    is the op config `deps` list (with `-D` paths); without it the op's `requires` are used."""
    if saved:
        resources = [deps_model.from_saved(d) for d in saved if isinstance(d, dict)]
    else:
        resources = deps_model.op_resources(opdef, strict=False)
    out = []
    for res in resources:
        for source in res.sources:
            if source.type not in ("file", "config") or "${" in source.value:
                continue
            path = os.path.abspath(os.path.join(res.location, source.value))
            if os.path.isfile(path):
                rel = os.path.relpath(path, opdef.project_dir)
                if not rel.startswith(".."):
                    out.append(rel.replace(os.sep, "/"))
    return out


class _DependencyError(Exception):
    """One unmet dependency; its text is the detail of the final message."""


def resolve(run, plan, opts, for_stage: bool = False) -> None:
    """Resolve the plan's dependencies (plus `-D` paths) into `run` and write its `deps` attr.

    Raises GuildError `run failed because a dependency was not met: ...` unless `--force-deps`."""
    from guild.engine.deps_sources import Context

    cwd = os.getcwd()
    resources = _plan_resources(plan, opts)
    flagdefs = dict(plan.flagdefs or {})
    for name, fd in ((plan.op_config.get("op-cmd") or {}).get("cmd-flags") or {}).items():
        flagdefs.setdefault(name, fd)
    ctx = Context(run.path, dict(plan.flags or {}), flagdefs, cwd)
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


def _plan_resources(plan, opts) -> list[Resource]:
    """The op config's dependencies, then one per `-D` path in `opts` (its saved form when the op
    config has one: restarts and trials repeat the run's `-D` options from `run_params`)."""
    saved = (plan.op_config or {}).get("deps")
    if saved and all(isinstance(d, dict) and "location" in d for d in saved):
        resources = [deps_model.from_saved(d) for d in saved]
        if plan.opdef is not None:  # the saved form has no lookup dirs of extended models
            dirs = deps_model.model_dirs(plan.opdef)
            for res in resources:
                if res.location == plan.opdef.project_dir:
                    res.parent_locations = dirs
    elif plan.opdef is not None:
        resources = deps_model.op_resources(plan.opdef, plan.flags)
    else:
        resources = []
    additional = {res.name: res for res in resources if res.location == deps_model.ADDITIONAL_LOCATION}
    resources = [res for res in resources if res.location != deps_model.ADDITIONAL_LOCATION]
    return resources + [
        additional.get(path) or deps_model.additional_resource(path) for path in opts.additional_deps or []
    ]


def _resolve_resource(res: Resource, res_deps: dict, run, ctx, for_stage: bool) -> None:
    from guild.engine.deps_sources import resolve_source

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
            _place_all(source, res, resolved, run, ctx.flags)
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

    return f"\x1b[33m{text}\x1b[0m" if sys.stderr.isatty() else text


def _check_empty(source: Source, paths: list[str]) -> None:
    if paths or source.type == "module":
        return
    if source.data.get("fail-if-empty"):
        raise ResolveError(f"nothing resolved for {source.name}")
    if source.data.get("warn-if-empty", True):
        log.warning(f"nothing resolved for {source.name}")


# --- placing -------------------------------------------------------------------------------------


def _place_all(source: Source, res: Resource, resolved, run, flags: dict[str, Any]) -> None:
    from guild.engine import deps_files
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
            uri, subpath = _manifest_uri(source, res, path)
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


def _manifest_uri(source: Source, res: Resource, path: str) -> tuple[str, str | None]:
    from guild.engine.deps_sources import resources_cache

    subpath = None
    cache = resources_cache()
    if _is_within(path, cache):
        parts = os.path.relpath(path, cache).split(os.sep, 1)
        subpath = parts[1].replace(os.sep, "/") if len(parts) > 1 else None
    if source.type != "operation" and _is_within(path, res.location):
        return "file:" + os.path.relpath(path, res.location).replace(os.sep, "/"), subpath
    return source.uri, subpath
