"""File work for dependency resolution: `select` patterns, sha256 checks, archive unpacking into
the resource cache, and placing resolved paths into a run dir as links or copies with manifest
`d` lines (dependencies.md §4.2–§4.4, §5.2–§5.3)."""

from __future__ import annotations

import os

from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


class ResolveError(Exception):
    """A resolver failure; its text is the `<reason>` of `could not resolve ...` (§4.5)."""


class PlaceError(Exception):
    """A placement failure, reported bare (§4.5)."""


# --- select --------------------------------------------------------------------------------------


def _patterns(val: Any) -> list[str]:
    if val is None:
        return []
    return [str(p) for p in (val if isinstance(val, list) else [val])]


def has_select(source) -> bool:
    return any(_patterns(source.data.get(k)) for k in ("select", "select-min", "select-max"))


def _compile(pattern: str):
    import re

    try:
        return re.compile(pattern + "$")
    except re.error as e:
        log.error(f"error compiling regular expression '{pattern}': {e}")
        return None


def select_paths(candidates: list[str], source) -> list[str]:
    """The candidates (relative `/` paths) chosen by the source's select patterns, sorted (§5.2)."""
    ordered = sorted(candidates)
    chosen: set[str] = set()
    for pattern in _patterns(source.data.get("select")):
        regex = _compile(pattern)
        if regex is not None:
            chosen.update(p for p in ordered if regex.match(p))
    for key, pick_max in (("select-min", False), ("select-max", True)):
        for pattern in _patterns(source.data.get(key)):
            regex = _compile(pattern)
            best = _select_one(ordered, regex, pick_max) if regex is not None else None
            if best is not None:
                chosen.add(best)
    return sorted(chosen)


def _select_one(ordered: list[str], regex, pick_max: bool) -> str | None:
    best: tuple[float, str] | None = None
    for path in ordered:
        m = regex.match(path)
        if not m or regex.groups < 1 or m.group(1) is None:
            continue
        try:
            num = float(m.group(1))
        except ValueError:
            continue
        if best is None or (num > best[0] if pick_max else num < best[0]):
            best = (num, path)
    return best[1] if best else None


def dir_candidates(root: str) -> list[str]:
    """Every file and directory below `root` as relative `/` paths (directory links not walked)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(prefix + d for d in dirnames)
        out.extend(prefix + f for f in filenames)
    return out


def select_in_dir(root: str, source) -> list[str]:
    return [os.path.join(root, p) for p in select_paths(dir_candidates(root), source)]


# --- sha256 --------------------------------------------------------------------------------------


def file_sha256(path: str) -> str:
    import hashlib

    return _file_digest(path, hashlib.sha256())


def file_sha1(path: str) -> str:
    from guild.util import hashing

    return _file_digest(path, hashing.sha1())


def _file_digest(path: str, h) -> str:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- archives ------------------------------------------------------------------------------------


def archive_type(path: str, source) -> str | None:
    """`zip`, `tar`, `gzip` or None for a plain file; raises ResolveError for a bad `type`."""
    explicit = source.data.get("type")
    if explicit:
        if explicit not in ("zip", "tar", "gzip"):
            raise ResolveError(f"'{path}' cannot be unpacked (unsupported archive type '{explicit}')")
        return str(explicit)
    name = os.path.basename(path).lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar", ".tgz")) or ".tar." in name[: name.rfind(".") + 1]:
        return "tar"
    if name.endswith(".gz"):
        return "gzip"
    return None


def unpack(archive: str, kind: str, dest_dir: str) -> list[str]:
    """Unpack `archive` into `dest_dir` (members already there are kept) and return the member
    names, implied directories first. The list is cached next to the members (§5.3)."""
    list_path = os.path.join(dest_dir, f".guild-cache-{os.path.basename(archive)}.unpacked")
    try:
        if os.path.getmtime(list_path) >= os.path.getmtime(archive):
            with open(list_path, encoding="utf-8") as f:
                return [line for line in f.read().splitlines() if line]
    except OSError:
        pass
    log.info(f"Unpacking {archive}")
    os.makedirs(dest_dir, exist_ok=True)
    try:
        members = _extract(archive, kind, dest_dir)
    except Exception as e:
        raise ResolveError(f"error unpacking '{archive}': {e}") from None
    names = _with_parent_dirs(members)
    from guild.util import files

    files.write_atomic(list_path, "".join(n + "\n" for n in names))
    return names


def _extract(archive: str, kind: str, dest_dir: str) -> list[str]:
    if kind == "zip":
        import zipfile

        with zipfile.ZipFile(archive) as zf:
            names = [n.rstrip("/") for n in zf.namelist()]
            for info, name in zip(zf.infolist(), names):
                if name and not os.path.exists(os.path.join(dest_dir, name)):
                    zf.extract(info, dest_dir)
        return [n for n in names if n]
    if kind == "tar":
        import tarfile

        with tarfile.open(archive) as tf:
            members = []
            for member in tf.getmembers():
                name = member.name[2:] if member.name.startswith("./") else member.name
                if not name or name == ".":
                    continue
                if not os.path.lexists(os.path.join(dest_dir, name)):
                    member.name = name
                    try:
                        tf.extract(member, dest_dir, **_tar_filter(member))
                    except (getattr(tarfile, "FilterError", _UnsafeMember), _UnsafeMember) as e:
                        log.warning(f"skipping '{name}' in {os.path.basename(archive)}: {e}")
                        continue
                members.append(name)
        return members
    import gzip
    import shutil

    name = os.path.basename(archive)[:-3] if archive.lower().endswith(".gz") else os.path.basename(archive)
    dest = os.path.join(dest_dir, name)
    if not os.path.exists(dest):
        with gzip.open(archive, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    return [name]


class _UnsafeMember(Exception):
    pass


def _tar_filter(member) -> dict:
    """Tar's `data` filter: no member lands outside the unpack dir (absolute paths, `..`, links
    that leave it), no device files or setuid bits. Pythons without filters (before 3.10.12)
    get the path and link checks here."""
    import tarfile

    if hasattr(tarfile, "data_filter"):
        return {"filter": "data"}
    for path in (member.name, member.linkname if member.issym() or member.islnk() else ""):
        if path and (os.path.isabs(path) or ".." in path.replace("\\", "/").split("/")):
            raise _UnsafeMember(f"{path!r} would leave the unpack directory")
    if member.isdev():
        raise _UnsafeMember("device files are not unpacked")
    return {}


def _with_parent_dirs(members: list[str]) -> list[str]:
    dirs: list[str] = []
    seen = set(members)
    for name in members:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            if parent not in seen:
                seen.add(parent)
                dirs.append(parent)
    return dirs + members


def archive_paths(unpack_dir: str, members: list[str], source) -> list[str]:
    """Resolved paths of an unpacked archive: the top-level names, or the selected members."""
    if has_select(source):
        return [os.path.join(unpack_dir, p) for p in select_paths(members, source)]
    tops: list[str] = []
    for name in members:
        top = name.split("/", 1)[0]
        if top and not top.startswith(".guild") and top not in tops:
            tops.append(top)
    return [os.path.join(unpack_dir, t) for t in tops]


# --- placing -------------------------------------------------------------------------------------


def rename_rules(val: Any, expand) -> list[tuple[str, str]]:
    """Rename rules as (pattern, repl) pairs (§4.2); `expand` resolves `${flag}` refs."""
    if val is None:
        return []
    rules = []
    for rule in val if isinstance(val, list) else [val]:
        if isinstance(rule, dict):
            pattern, repl = str(rule.get("pattern") or ""), str(rule.get("repl") or "")
        else:
            import shlex

            try:
                words = shlex.split(str(rule))
            except ValueError as e:  # unbalanced quotes
                raise PlaceError(f"invalid rename spec '{rule}': {e}") from None
            if len(words) == 2:
                pattern, repl = words
            elif len(words) == 1:
                pattern, repl = ".*", words[0]
            else:
                raise PlaceError(f"invalid rename spec '{rule}': expected 'PATTERN REPL' or 'NAME'")
        rules.append((expand(pattern), expand(repl)))
    return rules


def renamed(name: str, rules: list[tuple[str, str]]) -> str:
    import re

    for pattern, repl in rules:
        new = re.sub(pattern, repl, name, count=1)
        if new != name:
            return new
    return name


def place(src: str, dest: str, target_type: str, replace: bool) -> bool:
    """Link or copy `src` to `dest`. False when `dest` exists and was left alone (§4.3)."""
    dest_dir = os.path.dirname(dest)
    if os.path.lexists(dest):
        if not replace:
            log.warning(f"{dest} already exists, skipping {target_type}")
            return False
        _remove(dest)
    os.makedirs(dest_dir, exist_ok=True)
    if os.path.dirname(src) == dest_dir:
        os.rename(src, dest)
        return True
    if target_type == "link":
        rel = os.path.relpath(src, os.path.realpath(dest_dir))
        try:
            os.symlink(rel, dest)
        except OSError as e:
            raise PlaceError(f"unable to link to dependency source: {e}") from None
        return True
    import shutil

    if os.path.isdir(src):
        shutil.copytree(src, dest, symlinks=True)
    else:
        shutil.copy2(src, dest)
    return True


def _remove(path: str) -> None:
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def manifest_entry(run_dir: str, dest: str, uri: str, subpath: str | None) -> list[str]:
    """A `d` manifest line for a placed path (§4.4)."""
    rel = os.path.relpath(dest, run_dir).replace(os.sep, "/")
    digest = "-" if os.path.isdir(dest) else _sha1_or_dash(dest)
    return ["d", rel, digest, uri] + ([subpath] if subpath else [])


def _sha1_or_dash(path: str) -> str:
    try:
        return file_sha1(path)
    except OSError:
        return "-"
