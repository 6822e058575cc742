"""Source resolvers: from one source of a resource to the absolute paths it provides
(dependencies.md §5 file, §6 operation, §7 url, §8 config, §10 module).

Each resolver returns a `Resolved`; failures raise `ResolveError` with the reason text."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from guild.engine.deps.files import (
    ResolveError,
    archive_paths,
    archive_type,
    file_sha256,
    has_select,
    select_in_dir,
    unpack,
)
from guild.engine.deps.model import Resource, Source, UndefinedRef, expand_refs
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext

RUN_STATUSES = ("completed", "running", "terminated")
RUN_ID_LEN = 32


@dataclass
class Resolved:
    paths: list[str] = field(default_factory=list)
    config: Any = None
    root: str | None = None  # where `preserve-path` paths are relative to


@dataclass
class Context:
    """What a resolver may use: the run being resolved, its flag values and the run context
    (directory, Guild home, environment)."""

    run_dir: str
    flags: dict[str, Any]
    flagdefs: dict[str, dict]
    run_ctx: RunContext

    @property
    def cwd(self) -> str:
        return self.run_ctx.cwd


def resolve_source(source: Source, res: Resource, ctx: Context) -> Resolved:
    resolver = _RESOLVERS.get(source.type)
    if source.type == "url" and not source.value.lower().startswith(("http://", "https://")):
        resolver = None
    if resolver is None:
        raise _Unsupported(source.uri)
    return resolver(source, res, ctx)


class _Unsupported(Exception):
    """Reported as an unexpected error, as the reference does (§3.1)."""

    def __init__(self, uri: str):
        super().__init__(uri)
        self.uri = uri

    def __repr__(self) -> str:
        return f"OpDependencyError(\"unsupported source '{self.uri}' in None resource\")"


def flag_value(source: Source, res: Resource, flags: dict[str, Any]) -> Any:
    """The flag value that replaces the source's location, or None (§3.2, §5.4, §6.3)."""
    for name in source.value_flag_names():
        val = flags.get(name)
        if val is None:
            val = res.config.get(name)
        if val is not None:
            return val
    return None


def _expand(text: str, source: Source, ctx: Context) -> str:
    try:
        return expand_refs(text, ctx.flags)
    except UndefinedRef as e:
        raise ResolveError(f"cannot resolve '{text}' in {source.name}: undefined reference '{e.name}'") from None


def _rel_to_cwd(path: str, cwd: str) -> str:
    return os.path.relpath(path, cwd)


def _flag_path(source: Source, value: Any, ctx: Context) -> Resolved:
    """A flag value used as a local path, as is (§5.4)."""
    path = os.path.abspath(os.path.join(ctx.cwd, os.path.expanduser(str(value))))
    if not os.path.exists(path):
        raise ResolveError(f"{path} does not exist")
    log.info(f"Using {_rel_to_cwd(path, ctx.cwd)} for {source.name}")
    return Resolved([path], config=value, root=os.path.dirname(path))


# --- file ----------------------------------------------------------------------------------------


def _resolve_file(source: Source, res: Resource, ctx: Context) -> Resolved:
    value = flag_value(source, res, ctx.flags)
    if value is not None:
        return _flag_path(source, value, ctx)
    rel = _expand(source.value, source, ctx)
    path = find_file(rel, res)
    return _local_paths(path, source, res, unpack_dir=_file_unpack_dir(path, ctx), ctx=ctx)


def find_file(rel: str, res: Resource) -> str:
    for location in res.locations():
        path = os.path.join(location, os.path.expanduser(rel))
        if os.path.exists(path):
            return os.path.abspath(path)
    raise ResolveError(f"cannot find source file '{rel}'")


def _file_unpack_dir(path: str, ctx: Context) -> str:
    import hashlib

    return os.path.join(resources_cache(ctx.run_ctx.home), hashlib.sha224(f"file\n{path}".encode()).hexdigest())


def resources_cache(home: str) -> str:
    """Where URL downloads and unpacked archives are kept: `<GUILD_HOME>/cache/resources`."""
    return os.path.join(home, "cache", "resources")


def _local_paths(path: str, source: Source, res: Resource, *, unpack_dir: str, ctx: Context) -> Resolved:
    """A located file or directory to resolved paths: select, sha256, unpack (§5.1)."""
    root = res.location
    if os.path.isdir(path):
        if source.data.get("sha256"):
            log.warning(f"cannot verify '{path}' because it's a directory")
        paths = select_in_dir(path, source) if has_select(source) else [path]
        return Resolved(paths, root=root)
    expected = source.data.get("sha256")
    if expected is not None:
        actual = file_sha256(path)
        if actual != str(expected):
            raise ResolveError(f"'{path}' has an unexpected sha256 (expected {expected} but got {actual})")
    kind = archive_type(path, source) if _unpack_on(source, res) else None
    if kind is None:
        _post_process(source, res, unpack_dir, ctx.run_ctx.environ)
        return Resolved([path], root=root)
    members = unpack(path, kind, unpack_dir)
    paths = archive_paths(unpack_dir, members, source)
    _post_process(source, res, unpack_dir, ctx.run_ctx.environ)
    return Resolved(paths, root=unpack_dir)


def _unpack_on(source: Source, res: Resource) -> bool:
    val = source.data.get("unpack")
    if val is None:
        val = res.data.get("default-unpack", True)
    return bool(val)


def _post_process(source: Source, res: Resource, cwd: str, env: dict[str, str]) -> None:
    cmd = source.data.get("post-process")
    if not cmd:
        return
    import hashlib
    import subprocess

    cmd = _project_src_refs(str(cmd).replace("\n", " "), res)
    marker = os.path.join(cwd, f".guild-cache-{hashlib.sha1(cmd.encode()).hexdigest()}.post")
    if os.path.exists(marker):
        return
    log.info(f"Post processing {res.name} resource in {cwd}: '{cmd}'")
    try:
        subprocess.run(cmd, shell=True, cwd=cwd, env=env, check=True)
    except subprocess.CalledProcessError as e:
        raise ResolveError(f"error post processing {res.name} resource: {e}") from None
    with open(marker, "w"):
        pass


def _project_src_refs(cmd: str, res: Resource) -> str:
    import re

    def repl(m: re.Match) -> str:
        rel = m.group(1).strip()
        dirs = []
        d = res.location
        while True:
            dirs.append(d)
            if os.path.exists(os.path.join(d, rel)):
                return os.path.abspath(os.path.join(d, rel))
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        raise ResolveError(f"project-src failed: could not find '{rel}' in path '{':'.join(dirs)}'")

    return re.sub(r"\$\(project-src ([^)]+)\)", repl, cmd)


# --- operation -----------------------------------------------------------------------------------


def op_refs(spec: str) -> list[tuple[str | None, str | None, str]]:
    """`[[PKG/]MODEL:]OP` refs of an operation spec (§6.1)."""
    refs = []
    for part in spec.split(","):
        part = part.strip()
        pkg = None
        if "/" in part:
            pkg, part = part.split("/", 1)
        model, sep, op = part.rpartition(":")
        refs.append((pkg, model if sep else None, op))
    return refs


def op_desc(spec: str) -> str:
    out = []
    for pkg, model, op in op_refs(spec):
        out.append(f"{pkg}/{model or ''}:{op}" if pkg else f"{model}:{op}" if model else op)
    return ",".join(out)


def _full_match(pattern: str, text: str) -> bool:
    import re

    try:
        return re.fullmatch(pattern.replace("+", r"\+"), text) is not None
    except re.error:
        return pattern == text


def run_matches(run, refs) -> bool:
    opref = run.opref
    if opref is None:
        return False
    for pkg, model, op in refs:
        if not _full_match(op, opref.op_name or ""):
            continue
        if model is not None and not _full_match(model, opref.model_name or ""):
            continue
        if pkg is not None and (opref.pkg_type != "package" or opref.pkg_name != pkg):
            continue
        return True
    return False


def find_upstream(spec: str, value: Any, statuses: tuple[str, ...], ctx: RunContext):
    """The run for an operation source: a full id as is, else the newest (marked first) matching
    run whose id starts with `value` and whose status is in `statuses` (§6.3)."""
    from guild.store.run import Run, is_run_dir, sorted_runs
    from guild.store.select import load_runs

    text = "" if value is None else str(value)
    if len(text) == RUN_ID_LEN:
        path = os.path.join(ctx.runs_dir, text)
        return Run(text, path) if is_run_dir(path) else None
    refs = op_refs(spec)
    found = [
        r for r in load_runs(ctx.runs_dir, ctx.runs_parent)
        if r.id.startswith(text) and run_matches(r, refs) and r.status in statuses
    ]
    ordered = sorted_runs(found)
    for run in ordered:
        if run.get("marked"):
            return run
    return ordered[0] if ordered else None


def _resolve_operation(source: Source, res: Resource, ctx: Context) -> Resolved:
    value = flag_value(source, res, ctx.flags)
    if isinstance(value, list):
        value = value[0] if value else None
    spec = _expand(source.value, source, ctx)
    if isinstance(value, str) and len(value) != RUN_ID_LEN and os.path.isdir(value):
        log.info(f"Using run {value} for {source.name}")
        raise AttributeError("'str' object has no attribute 'dir'")  # the reference's quirk (§6.3)
    run = find_upstream(spec, value, RUN_STATUSES, ctx.run_ctx)
    if run is None:
        raise ResolveError(f"no suitable run for {op_desc(spec)}")
    log.info(f"Using run {run.id} for {source.name}")
    if has_select(source):
        paths = select_in_dir(run.path, source)
    else:
        paths = _generated_tops(run.path, ctx.run_ctx.getenv("GUILD_LEGACY_OPDEP_SELECT"))
    config = value if value is not None else (run.id if source.flag_name() else None)
    return Resolved(paths, config=config, root=run.path)


def _generated_tops(run_dir: str, legacy: str | None) -> list[str]:
    """Top-level entries of an upstream run holding at least one generated file (§6.4);
    `legacy` is GUILD_LEGACY_OPDEP_SELECT."""
    from guild.store import manifest

    try:
        names = sorted(n for n in os.listdir(run_dir) if not n.startswith(".guild"))
    except OSError:
        return []
    if legacy == "2":
        return [os.path.join(run_dir, n) for n in names]
    kinds = ("s",) if legacy == "1" else ("s", "d")
    listed = {e[1] for e in manifest.read_entries(run_dir) if len(e) > 1 and e[0] in kinds}
    return [os.path.join(run_dir, n) for n in names if _has_generated(run_dir, n, listed)]


def _has_generated(run_dir: str, rel: str, listed: set[str]) -> bool:
    if rel in listed:
        return False
    path = os.path.join(run_dir, rel)
    if os.path.isdir(path):
        if os.path.islink(path):
            return False
        try:
            names = os.listdir(path)
        except OSError:
            return False
        return any(_has_generated(run_dir, f"{rel}/{n}", listed) for n in names)
    return os.path.isfile(path)


# --- url -----------------------------------------------------------------------------------------


def _resolve_url(source: Source, res: Resource, ctx: Context) -> Resolved:
    value = flag_value(source, res, ctx.flags)
    if value is not None:
        return _flag_path(source, value, ctx)
    url = _expand(source.value, source, ctx)
    from guild.engine.deps import url_cache as resource_cache

    cache = resources_cache(ctx.run_ctx.home)
    path = resource_cache.download(source.value, url, source.data.get("sha256"), cache)
    return _local_paths(path, _without_sha(source), res, unpack_dir=os.path.dirname(path), ctx=ctx)


def _without_sha(source: Source) -> Source:
    """The source for the post-download steps (the download itself checks sha256)."""
    if not source.data.get("sha256"):
        return source
    data = {k: v for k, v in source.data.items() if k != "sha256"}
    return Source(data, source.type, source.value)


# --- config --------------------------------------------------------------------------------------


def _resolve_config(source: Source, res: Resource, ctx: Context) -> Resolved:
    value = flag_value(source, res, ctx.flags)
    if value is not None:
        located = _flag_path(source, value, ctx)
    else:
        rel = _expand(source.value, source, ctx)
        path = find_file(rel, res)
        located = _local_paths(path, source, res, unpack_dir=_file_unpack_dir(path, ctx), ctx=ctx)
    from guild.engine.deps import config as deps_config

    generated = [
        deps_config.generate(path, source.data.get("params"), ctx.flags, ctx.flagdefs, ctx.run_dir)
        for path in located.paths
    ]
    return Resolved(generated, config=located.config)


# --- module --------------------------------------------------------------------------------------


def _resolve_module(source: Source, res: Resource, ctx: Context) -> Resolved:
    import importlib

    try:
        importlib.import_module(source.value)
    except ImportError as e:
        raise ResolveError(str(e)) from None
    return Resolved([])


_RESOLVERS = {
    "file": _resolve_file,
    "operation": _resolve_operation,
    "url": _resolve_url,
    "config": _resolve_config,
    "module": _resolve_module,
}
