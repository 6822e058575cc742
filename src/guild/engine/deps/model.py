"""Dependency definitions: `requires:` items and model `resources:` as resources with sources
(dependencies.md §2–§3), the saved form kept in the op config (§9), and the flags that sources add
to an operation (§5.4, §6.2).

Nothing here touches the file system beyond loading a guild file for `MODEL:NAME` references."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

SOURCE_TYPES = ("config", "file", "module", "url", "operation")
_SOURCE_ATTRS = frozenset(SOURCE_TYPES) | {
    "name", "select", "select-min", "select-max", "target-path", "path", "target-type", "rename",
    "preserve-path", "unpack", "type", "sha256", "post-process", "optional", "fail-if-empty",
    "warn-if-empty", "replace-existing", "always-resolve", "flag-name", "params", "help",
}
_TERM = r"[a-zA-Z0-9_\-\.]+"
_RESOURCE_REF = re.compile(rf"(?:({_TERM})/)?(?:({_TERM}):)?({_TERM})$")
_FILE_FLAG_TYPES = ("string", "path", "existing-path")
ADDITIONAL_LOCATION = "."  # the saved location of `-D` paths: the current directory (§9, §10)


class DepDefError(GuildError):
    """`guild: invalid definition for operation '<op>': <msg>` (§2.1)."""

    def __init__(self, op_name: str, msg: str):
        super().__init__(f"invalid definition for operation '{op_name}': {msg}")


@dataclass
class Source:
    """One source of a resource. `data` is its mapping form (a string means `{file: S}`)."""

    data: dict
    type: str
    value: str

    @property
    def uri(self) -> str:
        return self.value if self.type == "url" else f"{self.type}:{self.value}"

    @property
    def uri_path(self) -> str:
        return self.value

    @property
    def raw_name(self) -> Any:
        return self.data.get("name")

    @property
    def name(self) -> str:
        """The resolving name: `name`, else `flag-name`, else the URI (§3.4)."""
        flag_name = self.data.get("flag-name")
        return str(self.raw_name or (flag_name if isinstance(flag_name, str) else None) or self.uri)

    def get(self, key: str, default: Any = None) -> Any:
        val = self.data.get(key)
        return default if val is None else val

    def flag_name(self) -> str | None:
        """The name of the flag this source adds to its op, None when it adds none."""
        flag_name = self.data.get("flag-name")
        if self.type == "operation":
            if flag_name is False or flag_name == "no":
                return None
            return str(flag_name or self.raw_name or self.uri)
        if self.type == "file" and flag_name:
            return str(flag_name)
        return None

    def value_flag_names(self) -> list[str]:
        """Flag names whose value replaces the source location at resolve time (§3.2, §5.4)."""
        own = self.flag_name()
        if own:
            return [own]
        if self.type in ("file", "url", "config"):
            flag_name = self.data.get("flag-name")
            names = [str(flag_name)] if isinstance(flag_name, str) else []
            return names + [str(n) for n in (self.raw_name, self.uri, self.uri_path) if n]
        return []


@dataclass
class Resource:
    """A dependency: a named (or inline) resource and its sources."""

    name: str
    data: dict
    sources: list[Source]
    location: str
    config: dict = field(default_factory=dict)
    parent_locations: list[str] = field(default_factory=list)  # dirs of models it extends (§4.1)

    @property
    def raw_name(self) -> Any:
        return self.data.get("name")

    def locations(self) -> list[str]:
        """Where relative `file`/`config` paths are looked up, in order (§4.1)."""
        return list(dict.fromkeys([self.location, *self.parent_locations]))

    def get(self, key: str, default: Any = None) -> Any:
        val = self.data.get(key)
        return default if val is None else val


# --- parsing ------------------------------------------------------------------------------------


def parse_source(item: Any, res_desc: str) -> Source:
    """A source from its guild.yml value. Raises ValueError with the guild file error text."""
    if isinstance(item, str):
        return Source({"file": item}, "file", item)
    if not isinstance(item, dict):
        raise ValueError(f"invalid source {item!r} in resource '{res_desc}': expected a string or mapping")
    types = [t for t in SOURCE_TYPES if t in item]
    if not types:
        raise ValueError(
            f"invalid source {item!r} in resource '{res_desc}': missing required attribute "
            f"(one of {', '.join(SOURCE_TYPES)})")
    if len(types) > 1:
        raise ValueError(f"invalid source {item!r} in resource '{res_desc}': conflicting attributes "
                         f"({', '.join(types)})")
    return Source(dict(item), types[0], str(item[types[0]]))


def parse_sources(data: dict, res_desc: str) -> list[Source]:
    sources = data.get("sources")
    if sources is None:
        return []
    if not isinstance(sources, list):
        raise ValueError(f"invalid sources value for resource '{res_desc}': {sources!r}")
    return [parse_source(item, res_desc) for item in sources]


def unexpected_attrs(source: Source) -> list[str]:
    return [str(k) for k in source.data if k not in _SOURCE_ATTRS]


class _Context:
    """What resolving `requires` items needs from an opdef."""

    def __init__(self, opdef):
        self.opdef = opdef
        self.op_name = opdef.full_name
        self.location = opdef.project_dir
        self.model_label = opdef.model_name or ""

    def model_resources(self, model_name: str) -> dict | None:
        if model_name == (self.opdef.model_name or ""):
            return self.opdef.resources or {}
        model = self._model(model_name)
        return None if model is None else (model.resources or {})

    def model_dirs(self, model_name: str | None = None) -> list[str]:
        """The dirs of the guild files of the model and of the models it extends (§4.1)."""
        model = self._model((self.opdef.model_name or "") if model_name is None else model_name)
        return list(model.source_dirs) if model is not None else []

    def _model(self, model_name: str):
        path = self.opdef.guildfile_path
        if not path or not os.path.isfile(path) or os.path.basename(path) == "dvc.yaml":  # a DVC stage's
            return None
        from guild.project.guildfile import load_guildfile

        return load_guildfile(path).get_model(model_name)


def model_dirs(opdef) -> list[str]:
    """The dirs of the guild files of the op's model and of the models it extends (§4.1)."""
    return _Context(opdef).model_dirs()


def op_resources(opdef, flags: dict[str, Any] | None = None, *, strict: bool = True) -> list[Resource]:
    """The resources of `opdef.requires` in order. `${flag}` refs in resource references use
    `flags`; without `strict`, references that cannot be resolved are left out silently."""
    ctx = _Context(opdef)
    resources: list[Resource] = []
    for item in opdef.requires or []:
        try:
            res = _item_resource(item, ctx, flags or {})
        except DepDefError:
            if strict:
                raise
            continue
        if res is not None:
            resources.append(res)
    dest_res = _flags_dest_resource(opdef, resources)
    if dest_res is not None:
        resources.append(dest_res)
    return resources


def _item_resource(item: Any, ctx: _Context, flags: dict[str, Any]) -> Resource | None:
    if isinstance(item, str):
        return _named_resource(item, ctx, flags)
    if not isinstance(item, dict):
        raise DepDefError(ctx.op_name, f"invalid dependency value {item!r}: expected a string or mapping")
    if "resource" in item:
        return _named_resource(str(item["resource"]), ctx, flags)
    inline = f"{ctx.model_label}:<inline>"
    if "sources" in item:
        data = dict(item)
        sources = _guildfile_checked(lambda: parse_sources(data, inline), ctx)
        name = str(data.get("name") or ",".join(s.name for s in sources))
        return Resource(name, data, sources, ctx.location, parent_locations=ctx.model_dirs())
    source = _guildfile_checked(lambda: parse_source(item, inline), ctx)
    return Resource(source.name, {"sources": [dict(item)]}, [source], ctx.location,
                    parent_locations=ctx.model_dirs())


def _guildfile_checked(parse, ctx: _Context):
    """Run `parse`, reporting a ValueError as a guild file error (`ERROR: error in <path>: ...`)."""
    try:
        return parse()
    except ValueError as e:
        from guild.project.errors import GuildfileError
        from guild.util import log

        err = GuildfileError(ctx.opdef.guildfile_path or ctx.location, str(e))
        log.error(err.error_line)
        raise err from None


def _named_resource(spec: str, ctx: _Context, flags: dict[str, Any]) -> Resource | None:
    if "${" in spec:
        spec = expand_refs(spec, flags, strict=False)
    m = _RESOURCE_REF.match(spec)
    if not m:
        raise DepDefError(ctx.op_name, f"invalid dependency '{spec}' in operation '{ctx.op_name}'")
    pkg, model_name, name = m.groups()
    if pkg:
        raise DepDefError(ctx.op_name, f"resource '{spec}' required by operation '{ctx.op_name}' is not installed")
    resources = ctx.model_resources(model_name if model_name is not None else (ctx.opdef.model_name or ""))
    if resources is None:
        raise DepDefError(
            ctx.op_name, f"model '{model_name}' in resource '{spec}' required by operation '{ctx.op_name}' "
                         "is not defined")
    data = resources.get(name)
    if data is None:
        raise DepDefError(ctx.op_name, f"resource '{name}' required by operation '{ctx.op_name}' is not defined")
    data = {"sources": data} if isinstance(data, list) else dict(data)
    label = f"{model_name if model_name is not None else ctx.model_label}:{name}"
    sources = _guildfile_checked(lambda: parse_sources(data, label), ctx)
    return Resource(name, data, sources, ctx.location, parent_locations=ctx.model_dirs(model_name))


def _flags_dest_resource(opdef, resources: list[Resource]) -> Resource | None:
    """`flags-dest: config:FILE` adds (or adjusts) a config dependency (§8)."""
    dest = opdef.flags_dest or ""
    if not dest.startswith("config:") or not opdef.is_python:
        return None
    path = dest[len("config:"):]
    for res in resources:
        for source in res.sources:
            if source.type == "config" and source.value == path:
                source.data.setdefault("replace-existing", True)
                source.data.setdefault("always-resolve", True)
                return None
    data: dict[str, Any] = {"config": path, "replace-existing": True, "always-resolve": True}
    if os.path.dirname(path):
        data["target-path"] = os.path.dirname(path)
    source = Source(data, "config", path)
    return Resource(source.name, {"sources": [data]}, [source], opdef.project_dir)


def additional_resource(path: str) -> Resource:
    """A `-D PATH` dependency (§10), located in the current directory."""
    data = {"file": path, "target-type": "link"}
    return Resource(path, {"sources": [data]}, [Source(data, "file", path)], ADDITIONAL_LOCATION)


# --- saved form (op config `deps`) ---------------------------------------------------------------


def saved_form(res: Resource, flags: dict[str, Any]) -> dict:
    """A resource as saved in the op config: its data plus name, location and flag config (§9)."""
    data = {k: v for k, v in res.data.items() if k not in ("name", "location", "config")}
    data["sources"] = [dict(s.data) for s in res.sources]
    data["name"] = res.name
    data["location"] = res.location
    config = {}
    for source in res.sources:
        flag_name = source.flag_name()
        if flag_name and flag_name in flags:
            config[flag_name] = flags[flag_name]
    if config:
        data["config"] = config
    return data


def saved_deps(resources: list[Resource], flags: dict[str, Any], additional: list[str] | None = None) -> list[dict]:
    """The `deps` of the op config: the op's resources, then `-D` paths with location `.` (§9, §10)."""
    extra = [additional_resource(path) for path in additional or []]
    return [saved_form(res, flags) for res in [*resources, *extra]]


def flags_extra(resources: list[Resource]) -> dict[str, dict]:
    """The op config `flags-extra` entries of the flags sources add: `{flag: {name: <source>}}`."""
    return {
        flag_name: {"name": source.name}
        for res in resources
        for source in res.sources
        if (flag_name := source.flag_name())
    }


def sourcecode_excludes(resources: list[Resource], project_dir: str, cwd: str) -> list[str]:
    """Project-relative paths of `file`/`config` sources naming a file exactly: dependencies, not
    source code (§4.6). `-D` paths (location `.`) are relative to `cwd`."""
    out = []
    for res in resources:
        location = cwd if res.location == ADDITIONAL_LOCATION else res.location
        for source in res.sources:
            if source.type not in ("file", "config") or "${" in source.value:
                continue
            path = os.path.abspath(os.path.join(location, source.value))
            if os.path.isfile(path):
                rel = os.path.relpath(path, project_dir)
                if not rel.startswith(".."):
                    out.append(rel.replace(os.sep, "/"))
    return out


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
                res = _item_resource(spec, _Context(opdef), {})
            except GuildError:
                continue
            desc = res.data.get("description") if res is not None else None
        if desc:
            rows.append((spec, str(desc).strip().split("\n", 1)[0]))
    return rows


def from_saved(data: dict) -> Resource:
    """A resource from its saved op config form."""
    name = str(data.get("name") or "")
    sources = []
    for item in data.get("sources") or []:
        try:
            sources.append(parse_source(item, name))
        except ValueError:
            continue
    return Resource(name, dict(data), sources, str(data.get("location") or "."), dict(data.get("config") or {}))


# --- flags added by sources ----------------------------------------------------------------------


def dependency_flagdefs(opdef) -> dict[str, dict]:
    """The flag defs sources add to `opdef` (§5.4, §6.2), merged with the op's own definitions of
    those names. Logs the guild file warnings about sources (unexpected attributes, conflicting
    flag types)."""
    from guild.util import log

    flagdefs: dict[str, dict] = {}
    for res in op_resources(opdef, strict=False):
        _warn_path_attrs(res.data, f"resource {res.name}")
        for source in res.sources:
            for attr in unexpected_attrs(source):
                log.warning(f"unexpected source attribute '{attr}' in resource '{source.name}'")
            _warn_path_attrs(source.data, f"source {source.name}")
            flag_name = source.flag_name()
            if not flag_name:
                continue
            if source.type == "operation":
                generated = {"type": "string", "arg-skip": True, "default": None}
                if not source.raw_name and not source.data.get("flag-name"):
                    generated["alias"] = source.uri_path
            else:
                generated = {"type": "string", "arg-skip": True, "default": source.value}
            flagdefs[flag_name] = _merge_flagdef(opdef, flag_name, generated, res.name)
    return flagdefs


def _merge_flagdef(opdef, flag_name: str, generated: dict, dep_name: str) -> dict:
    own = (opdef.flags or {}).get(flag_name)
    if own is None:
        return generated
    merged = dict(own)
    for key in ("default", "arg-skip"):
        if key not in merged:
            merged[key] = generated[key]
    flag_type = merged.get("type")
    if flag_type is not None and flag_type not in _FILE_FLAG_TYPES:
        from guild.util import log

        log.warning(
            f"flag '{flag_name}' for operation {opdef.full_name} is configured with type '{flag_type}' - "
            f"this value cannot be used because it conflicts with the dependency '{dep_name}' - "
            "ignoring configured value")
        merged["type"] = "string"
    elif flag_type is None:
        merged["type"] = "string"
    return merged


def _warn_path_attrs(data: dict, what: str) -> None:
    if "path" in data and "target-path" in data:
        from guild.util import log

        log.warning(f"target-path and path both specified for {what} - using target-path")


# --- ${flag} references --------------------------------------------------------------------------

_REF = re.compile(r"\$\{([^}]+)\}")


class UndefinedRef(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def expand_refs(text: str, flags: dict[str, Any], strict: bool = True) -> str:
    """`text` with `${flag}` refs replaced by flag values. Unknown refs raise UndefinedRef (or are
    kept with `strict=False`)."""
    if "${" not in text:
        return text

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in flags or flags[name] is None:
            if strict:
                raise UndefinedRef(name)
            return m.group(0)
        from guild.flags import encode

        return encode.arg_value(flags[name])

    return _REF.sub(repl, text)
