"""guild.yml -> Guildfile: models and their operations (spec guildfile-and-run §1–§2).

Loading goes: read the items (forms A and B, `include` spliced in), normalize each item's own
data, resolve `extends` (C3 order, child wins, mappings merged recursively, lists never), then per
model: `{{param}}` substitution, `$include` refs, `operation-defaults`, and finally OpDefs.
Parsed files are cached per process (keyed by path, mtime and size)."""

from __future__ import annotations

import copy
import os
import sys

from guild.project import schema
from guild.project.errors import GuildfileDataError, GuildfileError
from guild.project.schema import SchemaError
from guild.project.opdef import (
    INCLUDE_KEY,
    OpDef,
    build_opdef,
    check_sourcecode,
    normalize_flags,
    normalize_op_data,
)
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

__all__ = ["Guildfile", "ModelDef", "OpDef", "GuildfileError", "load_guildfile"]

_TYPE_KEYS = ("config", "include", "model", "package")
_INHERITABLE = ("description", "extra", "flags", "operation-defaults", "operations", "params",
                "references", "resources", "sourcecode")
_MAX_INCLUDE_DEPTH = 20

_cache: dict[str, tuple[tuple[int, int], Any]] = {}


def load_guildfile(path: str, parse_cache: str | None = None) -> "Guildfile":
    """The parsed guild.yml at `path`. A bad file logs `ERROR: error in <path>: <detail>` and
    raises GuildfileError (`guildfile in the current directory contains an error ...`).

    `parse_cache` is a directory where parsed files are kept between commands (the engine points
    it into the Guild home). Importing PyYAML alone costs more than a whole run's own work, so a
    run of an unchanged guild.yml should not need it."""
    path = os.path.abspath(path)
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, -1)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        if isinstance(cached[1], GuildfileError):
            raise cached[1]
        return cached[1]
    try:
        result: Any = _Loader(path, parse_cache).load()
    except SchemaError as e:
        result = GuildfileError(e.path, e.detail, schema.display(e.path, e.names))
    except GuildfileDataError as e:
        result = GuildfileError(e.path, e.detail)
        log.error(result.error_line)
    _cache[path] = (stamp, result)
    if isinstance(result, GuildfileError):
        raise result
    return result


class Guildfile:
    def __init__(self, path: str):
        self.path = path
        self.dir = os.path.dirname(path)
        self.models: list[ModelDef] = []
        self._md5: str | None = None

    @property
    def md5(self) -> str:
        if self._md5 is None:
            from guild.util import hashing

            with open(self.path, "rb") as f:
                self._md5 = hashing.md5(f.read()).hexdigest()
        return self._md5

    def default_model(self) -> "ModelDef | None":
        if len(self.models) == 1:
            return self.models[0]
        for model in self.models:
            if model.default:
                return model
        return None

    def get_model(self, name: str) -> "ModelDef | None":
        for model in self.models:
            if model.name == name:
                return model
        return None

    def __repr__(self) -> str:
        return f"<Guildfile {self.path!r}>"


class ModelDef:
    def __init__(self, name: str, guildfile: Guildfile, data: dict):
        self.name = name
        self.guildfile = guildfile
        self.default = bool(data.get("default"))
        desc = data.get("description")
        self.description: str | None = None if desc is None else str(desc)
        self.resources: dict = data.get("resources") or {}
        self.sourcecode = data.get("sourcecode")
        self.params: dict = data.get("params") or {}
        self.extra = data.get("extra") or {}
        self.references = data.get("references")
        self.plugins = data.get("plugins")
        self.python_requires = data.get("python-requires")
        self.operations: dict[str, OpDef] = {}
        # Dirs of the guild files defining the model and the models/configs it extends, in order.
        self.source_dirs: list[str] = [guildfile.dir]

    def default_operation(self) -> OpDef | None:
        for op in self.operations.values():
            if op.default:
                return op
        public = [op for name, op in self.operations.items() if not name.startswith("_")]
        return public[0] if len(public) == 1 else None

    def get_operation(self, name: str) -> OpDef | None:
        return self.operations.get(name)

    def __repr__(self) -> str:
        return f"<ModelDef {self.name!r}>"


class _Item:
    """One `model` or `config` entry with its own (normalized, un-inherited) data."""

    def __init__(self, kind: str, name: str, data: dict, src: str):
        self.kind = kind
        self.name = name
        self.data = data
        self.src = src
        self.merged: dict | None = None


class _Loader:
    def __init__(self, path: str, parse_cache: str | None):
        self.path = path
        self.parse_cache = parse_cache
        self.items: list[_Item] = []
        self.by_name: dict[str, _Item] = {}
        self._mros: dict[str, list[str]] = {}

    def load(self) -> Guildfile:
        self.items = self._read_items(self.path, [])
        self._index()
        for item in self.items:
            item.merged = self._inherit(item)
        gf = Guildfile(self.path)
        for item in self.items:
            if item.kind == "model":
                gf.models.append(self._modeldef(item, gf))
        _warn_unknown_resources(gf)
        return gf

    # --- reading items -------------------------------------------------------------------------

    def _read_items(self, path: str, stack: list[str]) -> list[_Item]:
        data = _read_yaml(path, self.parse_cache)
        if data is None:
            return []
        if isinstance(data, dict):
            data = [{"model": "", "operations": data}]
        if not isinstance(data, list):
            raise GuildfileDataError(path, f"invalid guildfile data {data!r}: expected a mapping")
        items: list[_Item] = []
        for entry in data:
            if not isinstance(entry, dict):
                raise GuildfileDataError(path, f"invalid guildfile data {entry!r}: expected a mapping")
            types = [t for t in _TYPE_KEYS if t in entry]
            if not types:
                if "operations" not in entry:
                    raise GuildfileDataError(
                        path, f"missing required type (one of: {', '.join(_TYPE_KEYS)}) in {entry!r}")
                types = ["model"]
                entry = {"model": "", **entry}
            elif len(types) > 1:
                raise GuildfileDataError(path, f"multiple types ({', '.join(types)}) in {entry!r}")
            kind = types[0]
            if kind == "include":
                items.extend(self._include(entry["include"], path, stack + [path]))
                continue
            name = entry[kind]
            if not isinstance(name, str):
                raise GuildfileDataError(path, f"invalid {kind} value {name!r}: expected a string")
            if kind == "package":
                continue
            items.append(_Item(kind, name, _normalize_item(entry, path), path))
        return items

    def _include(self, val: Any, path: str, stack: list[str]) -> list[_Item]:
        refs = val if isinstance(val, list) else [val]
        items: list[_Item] = []
        for ref in refs:
            target = _find_include(str(ref), os.path.dirname(path))
            if target is None:
                raise GuildfileDataError(
                    path, f"cannot find include '{ref}' (includes must be local to including "
                          "Guild file or a Guild package on the system path)")
            if target in stack:
                chain = " -> ".join(stack[stack.index(target):] + [target])
                raise GuildfileDataError(path, f"cycle in 'include' ({chain})")
            items.extend(self._read_items(target, stack))
        return items

    def _index(self) -> None:
        for item in self.items:
            prev = self.by_name.get(item.name)
            if prev is not None and prev.kind == "model" and item.kind == "model":
                raise GuildfileDataError(item.src, f"duplicate model '{item.name}'")
            if prev is None or (item.kind == "model" and prev.kind != "model"):
                self.by_name[item.name] = item

    # --- extends -------------------------------------------------------------------------------

    def _inherit(self, item: _Item) -> dict:
        data = dict(item.data)
        for name in self._mro(item.name, item.src, [])[1:]:
            parent = self.by_name[name].data
            for key in _INHERITABLE:
                if key in parent:
                    data[key] = _merge(data[key], parent[key]) if key in data else copy.deepcopy(parent[key])
        return data

    def _mro(self, name: str, src: str, stack: list[str]) -> list[str]:
        if name in stack:
            chain = " -> ".join(stack[stack.index(name):] + [name])
            raise GuildfileDataError(src, f"cycle in 'extends' ({chain})")
        if name in self._mros:
            return self._mros[name]
        item = self.by_name.get(name)
        if item is None:
            raise GuildfileDataError(src, f"undefined model or config '{name}'")
        parents = _extends_list(item.data.get("extends"), item.src)
        seqs = [list(self._mro(p, item.src, stack + [name])) for p in parents] + [list(parents)]
        mro = [name] + _c3_merge(seqs)
        self._mros[name] = mro
        return mro

    # --- models --------------------------------------------------------------------------------

    def _modeldef(self, item: _Item, gf: Guildfile) -> ModelDef:
        raw = item.merged or {}
        data = _apply_params(raw)
        src = item.src
        ops = data.get("operations") or {}
        ops = self._apply_includes(ops, "operations", src)
        defaults = data.get("operation-defaults") or {}
        resources = self._apply_includes(data.get("resources") or {}, "resources", src)
        data["resources"] = {k: _normalize_resource(v, src) for k, v in resources.items()}
        model = ModelDef(item.name, gf, data)
        for name in self._mro(item.name, src, []):
            model.source_dirs.append(os.path.dirname(self.by_name[name].src))
        opdefs: dict[str, OpDef] = {}
        for name in sorted(ops):
            op = normalize_op_data(name, ops[name], src)
            for key, val in defaults.items():
                if key not in op:
                    op[key] = copy.deepcopy(val)
            if isinstance(op.get("flags"), dict):
                op["flags"] = self._apply_includes(normalize_flags(op["flags"], src), "flags", src)
            if isinstance(op.get("steps"), list):
                op["steps"] = [self._step_includes(step, src) for step in op["steps"]]
            opdefs[name] = build_opdef(name, op, data, item.name, gf.path, src)
        model.operations = opdefs
        return model

    def _step_includes(self, step: Any, src: str) -> Any:
        if isinstance(step, dict) and isinstance(step.get("flags"), dict) and INCLUDE_KEY in step["flags"]:
            step = dict(step)
            step["flags"] = self._apply_includes(step["flags"], "flags", src)
        return step

    def _apply_includes(self, mapping: dict, section: str, src: str, depth: int = 0) -> dict:
        """`mapping` with its `$include` refs applied under the local entries."""
        if not isinstance(mapping, dict) or INCLUDE_KEY not in mapping:
            return mapping
        if depth > _MAX_INCLUDE_DEPTH:
            raise GuildfileDataError(src, f"cycle in '{INCLUDE_KEY}'")
        val = mapping[INCLUDE_KEY]
        refs = val if isinstance(val, list) else [val]
        base: dict = {}
        for ref in refs:
            included, names = self._include_target(str(ref), section, src)
            included = self._apply_includes(included, section, src, depth + 1)
            if names is not None:
                included = {k: v for k, v in included.items() if k in names}
            base = _merge_entries(included, base)
        local = {k: v for k, v in mapping.items() if k != INCLUDE_KEY}
        return _merge_entries(local, base)

    def _include_target(self, ref: str, section: str, src: str) -> tuple[dict, list[str] | None]:
        """The `section` data `ref` names (a copy), and the entry names `#a,b` keeps."""
        spec, _, attrs = ref.partition("#")
        names = [a.strip() for a in attrs.split(",") if a.strip()] if attrs else None
        item_name, sep, op_name = spec.partition(":")
        item = self.by_name.get(item_name)
        if item is None or item.merged is None:
            raise GuildfileDataError(src, f"invalid include reference '{ref}': cannot find target")
        if sep:
            op = (item.merged.get("operations") or {}).get(op_name)
            if op is None:
                raise GuildfileDataError(src, f"invalid include reference '{ref}': cannot find target")
            target = {op_name: op} if section == "operations" else op.get(section) or {}
        else:
            target = item.merged.get(section) or {}
        if not isinstance(target, dict):
            raise GuildfileDataError(src, f"invalid include reference '{ref}': cannot find target")
        return copy.deepcopy(target), names


def _read_yaml(path: str, parse_cache: str | None) -> Any:
    cached, key = _cached_parse(path, parse_cache)
    if cached is not None:
        return cached[0]
    from guild.util import yamlutil

    try:
        with open(path) as f:
            data = yamlutil.load(f)
    except yamlutil.yaml_error_types() as e:
        raise GuildfileDataError(path, _pure_yaml_error(path) or str(e)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise GuildfileDataError(path, str(e)) from None
    _save_parse(key, data)
    return data


def _cached_parse(path: str, parse_cache: str | None) -> tuple[tuple | None, tuple | None]:
    """((data,), key) from the parse cache when the file is unchanged, else (None, key)."""
    if not parse_cache:
        return None, None
    import marshal

    from guild.util import hashing

    try:
        st = os.stat(path)
    except OSError:
        return None, None
    cache_file = os.path.join(parse_cache, hashing.md5(os.path.abspath(path).encode()).hexdigest())
    stamp = (st.st_mtime_ns, st.st_size)
    try:
        with open(cache_file, "rb") as f:
            saved_stamp, data = marshal.load(f)
        if tuple(saved_stamp) == stamp:
            return (data,), (cache_file, stamp)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    return None, (cache_file, stamp)


def _save_parse(key: tuple | None, data: Any) -> None:
    if key is None:
        return
    import marshal

    from guild.util.files import write_atomic

    cache_file, stamp = key
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        write_atomic(cache_file, marshal.dumps((stamp, data)))
    except (OSError, ValueError):  # ValueError: data marshal cannot hold (e.g. YAML dates)
        pass


def _pure_yaml_error(path: str) -> str | None:
    """The pure-Python PyYAML parser's message (what users know), not libyaml's wording."""
    import yaml

    try:
        with open(path) as f:
            yaml.load(f, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        return str(e)
    except Exception:
        pass
    return None


def _find_include(ref: str, base_dir: str) -> str | None:
    local = os.path.join(base_dir, ref)
    if os.path.isfile(local):
        return os.path.abspath(local)
    if os.path.isdir(local) and os.path.isfile(os.path.join(local, "guild.yml")):
        return os.path.abspath(os.path.join(local, "guild.yml"))
    parts = ref.split(".")
    for prefix in ([], ["gpkg"]):
        for entry in sys.path:
            candidate = os.path.join(entry or ".", *prefix, *parts, "guild.yml")
            if os.path.isfile(candidate):
                return os.path.abspath(candidate)
    return None


def _normalize_item(entry: dict, src: str) -> dict:
    """An item's own data with operations and flags in mapping form."""
    data = dict(entry)
    ops = data.get("operations")
    if ops is not None:
        if not isinstance(ops, dict):
            raise GuildfileDataError(src, f"invalid operations value {ops!r}: expected a mapping")
        data["operations"] = {
            str(name): val if name == INCLUDE_KEY else normalize_op_data(str(name), val, src)
            for name, val in ops.items()
        }
    defaults = data.get("operation-defaults")
    if defaults is not None:
        if not isinstance(defaults, dict):
            raise GuildfileDataError(src, f"invalid operation-defaults value {defaults!r}: expected a mapping")
        data["operation-defaults"] = normalize_op_data("operation-defaults", defaults, src)
    if "flags" in data:
        data["flags"] = normalize_flags(data["flags"], src)
    resources = data.get("resources")
    if resources is not None and not isinstance(resources, dict):
        raise GuildfileDataError(src, f"invalid resources value {resources!r}: expected a mapping")
    if resources:
        data["resources"] = {
            str(k): v if k == INCLUDE_KEY else _normalize_resource(v, src) for k, v in resources.items()
        }
    check_sourcecode(data.get("sourcecode"), src)
    return data


def _normalize_resource(val: Any, src: str) -> dict:
    if isinstance(val, list):
        return {"sources": val}
    if isinstance(val, dict):
        return val
    raise GuildfileDataError(src, f"invalid resource value {val!r}: expected a mapping or a list")


def _extends_list(val: Any, src: str) -> list[str]:
    if val is None:
        return []
    if isinstance(val, str) and val.strip().startswith("["):
        from guild.util import yamlutil

        try:
            val = yamlutil.load(val)
        except yamlutil.yaml_error_types():
            pass
    if isinstance(val, list):
        return [str(x) for x in val]
    return [str(val)]


def _c3_merge(seqs: list[list[str]]) -> list[str]:
    """C3 linearization of parent MROs, falling back to depth-first order when inconsistent."""
    seqs = [s for s in seqs if s]
    out: list[str] = []
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in s[1:] for s in seqs):
                break
        else:
            for seq in seqs:
                out.extend(x for x in seq if x not in out)
            return out
        out.append(head)
        seqs = [[x for x in s if x != head] for s in seqs]
        seqs = [s for s in seqs if s]
    return out


def _merge(child: Any, parent: Any) -> Any:
    """Child wins; a key the child lacks gets a copy of the parent's; mappings merge recursively."""
    if not (isinstance(child, dict) and isinstance(parent, dict)):
        return child
    out = dict(child)
    for key, pval in parent.items():
        if key not in out:
            out[key] = copy.deepcopy(pval)
        else:
            out[key] = _merge(out[key], pval)
    return out


def _merge_entries(local: dict, base: dict) -> dict:
    """Entries of `local` merged over those of `base` (per entry: local attributes win)."""
    out = dict(base)
    for key, val in local.items():
        out[key] = _merge(val, base[key]) if key in base else val
    return out


# --- params ------------------------------------------------------------------------------------

_PARAM_RE = None


def _param_re():
    global _PARAM_RE
    if _PARAM_RE is None:
        import re

        _PARAM_RE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
    return _PARAM_RE


def _apply_params(data: dict) -> dict:
    params = data.get("params")
    if not isinstance(params, dict) or not params:
        return copy.deepcopy(data)
    params = {str(k): v for k, v in params.items()}
    for _ in range(10):  # params may refer to other params
        resolved = {k: _subst(v, params) for k, v in params.items()}
        if resolved == params:
            break
        params = resolved
    out = {k: v if k == "extends" else _subst(v, params) for k, v in data.items()}
    out["params"] = params
    return out


def _subst(val: Any, params: dict) -> Any:
    if isinstance(val, str):
        if "{{" not in val:
            return val
        pattern = _param_re()
        m = pattern.fullmatch(val)
        if m and m.group(1) in params:
            return copy.deepcopy(params[m.group(1)])
        return pattern.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), val)
    if isinstance(val, dict):
        return {k: _subst(v, params) for k, v in val.items()}
    if isinstance(val, list):
        return [_subst(v, params) for v in val]
    return val


# --- resource references -----------------------------------------------------------------------


def _warn_unknown_resources(gf: Guildfile) -> None:
    """`WARNING: cannot find resource definition for dependency <spec>` (dependencies.md §2.1)."""
    for model in gf.models:
        for op in model.operations.values():
            for dep in op.requires:
                spec = dep.get("resource") if isinstance(dep, dict) else dep
                if isinstance(spec, str) and "${" not in spec and not _resource_defined(spec, model, gf):
                    log.warning(f"cannot find resource definition for dependency {spec}")


def _resource_defined(spec: str, model: ModelDef, gf: Guildfile) -> bool:
    if "/" in spec:
        return True  # package resources are resolved at run time
    model_name, sep, name = spec.rpartition(":")
    target = gf.get_model(model_name) if sep else model
    return target is not None and name in target.resources
