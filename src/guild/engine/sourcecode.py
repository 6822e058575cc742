"""The source code snapshot (guildfile-and-run.md §5.5, runs.md §2.7).

`build_source_rules` turns an op's (and its model's) `sourcecode` config into `SourceRules`;
`plan_copy` adds the base rules (git-aware), walks the source root and decides per file;
`copy_sourcecode` copies the selected files into the run and records them in the manifest;
`sourcecode_digest` is the run attr of the same name. `format_test_sourcecode` is the text of
`guild run --test-sourcecode`. `plan_for_opdef` does the first two for an OpDef."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase

from guild.errors import GuildError
from guild.util import files, log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Mapping

DEFAULT_MAX_FILE_SIZE = 1024 * 1024
DEFAULT_MAX_COUNT = 100

_TEXT_EXTS = frozenset((".csv", ".md", ".py", ".sh", ".txt"))
_BINARY_EXTS = frozenset((
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".ico", ".webp", ".psd",
    ".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".wma",
    ".mp4", ".avi", ".mov", ".mkv", ".webm", ".wmv", ".flv", ".mpg", ".mpeg",
    ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".whl",
))
_SNIFF_SIZE = 1024
# Control bytes that plain text does not contain (tab, LF, FF, CR, backspace and ESC allowed).
_CONTROL_BYTES = frozenset(range(32)) - {8, 9, 10, 12, 13, 27}
_MAX_CONTROL_RATIO = 0.3

_HELP = "To control which files are copied, define 'sourcecode' for the operation in a Guild file."


class Rule:
    """One include/exclude rule. `kind` is None (any file), "text", "binary" or "dir" (a dir
    rule prunes or keeps directories while walking). `sentinel`: dir rules match only dirs
    containing that path. `size_lt`/`max_matches` are the default rules' limits.

    The classes here are plain classes, not dataclasses: they are on every run's start-up path."""

    def __init__(self, include: bool, patterns: tuple[str, ...], kind: str | None = None,
                 sentinel: str | None = None, size_lt: int | None = None,
                 max_matches: int | None = None, base: bool = False):
        self.include = include
        self.patterns = patterns
        self.kind = kind
        self.sentinel = sentinel
        self.size_lt = size_lt
        self.max_matches = max_matches
        self.base = base

    def __repr__(self) -> str:
        return f"Rule({self.describe()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and vars(self) == vars(other)

    def matches_path(self, relpath: str, name: str) -> bool:
        """A pattern with `/` matches the relative path (a leading `/` stripped), else the name."""
        for pattern in self.patterns:
            if pattern == "*":  # the base rules' catch-all, without compiling a pattern for it
                return True
            if "/" in pattern:
                if fnmatchcase(relpath, pattern.lstrip("/")):
                    return True
            elif fnmatchcase(name, pattern):
                return True
        return False

    def describe(self) -> str:
        words = ["include" if self.include else "exclude"]
        if self.kind:
            words.append(self.kind)
        words.append(", ".join(self.patterns))
        if self.sentinel:
            words.append(f"containing {self.sentinel}")
        limits = []
        if self.size_lt is not None:
            limits.append(f"size < {self.size_lt}")
        if self.max_matches is not None:
            limits.append(f"max match {self.max_matches}")
        if limits:
            words.append(", ".join(limits))
        return " ".join(words)


class SourceRules:
    """The user's rules (model-level first) plus where to copy from and to.

    `root` is the config's `sourcecode.root` (relative to the project dir), `dest` the run-dir
    relative destination. Base rules are added by `plan_copy`, which needs the source root."""

    def __init__(self, rules: list[Rule] | None = None, disabled: bool = False,
                 root: str | None = None, dest: str = ".", is_python: bool = True,
                 max_size: int = DEFAULT_MAX_FILE_SIZE, max_count: int = DEFAULT_MAX_COUNT):
        self.rules = rules if rules is not None else []
        self.disabled = disabled
        self.root = root
        self.dest = dest
        self.is_python = is_python
        self.max_size = max_size  # limits of the default base rules
        self.max_count = max_count


class CopyPlan:
    """What `plan_copy` decided. `selected`/`skipped` are relative to `root` (the absolute source
    root, which is the project dir unless `sourcecode.root` is set); skipped dirs end in `/`."""

    def __init__(self, root: str, project_dir: str, dest: str, rules: list[Rule],
                 selected: list[str], skipped: list[str], disabled: bool = False):
        self.root = root
        self.project_dir = project_dir
        self.dest = dest
        self.rules = rules
        self.selected = selected
        self.skipped = skipped
        self.disabled = disabled


# ---- config -> SourceRules


def build_source_rules(op_value: Any = None, model_value: Any = None, *, is_python: bool = True,
                       src: str = "guild.yml", environ: Mapping[str, str] | None = None) -> SourceRules:
    """Rules from an op's raw `sourcecode` value and its model's. `src` names the guild.yml for
    error messages. In `environ` (default: this process's), `NO_SOURCECODE=1` disables copying
    and `MAX_DEFAULT_SOURCECODE_FILE_SIZE`/`_COUNT` set the default rules' limits."""
    env = os.environ if environ is None else environ
    op_rules, op_root, op_dest = _parse_config(op_value, src)
    model_rules, model_root, model_dest = _parse_config(model_value, src)
    root = op_root or model_root
    dest = op_dest or model_dest or "."
    limits = {"max_size": _env_int(env, "MAX_DEFAULT_SOURCECODE_FILE_SIZE", DEFAULT_MAX_FILE_SIZE),
              "max_count": _env_int(env, "MAX_DEFAULT_SOURCECODE_COUNT", DEFAULT_MAX_COUNT)}
    if env.get("NO_SOURCECODE") == "1" or op_rules is None:
        return SourceRules(disabled=True, root=root, dest=dest, is_python=is_python, **limits)
    if model_rules is None:
        # A model-level `no` only holds when the op has no rules of its own.
        if not op_rules:
            return SourceRules(disabled=True, root=root, dest=dest, is_python=is_python, **limits)
        model_rules = []
    return SourceRules(model_rules + op_rules, root=root, dest=dest, is_python=is_python, **limits)


def _parse_config(value: Any, src: str) -> tuple[list[Rule] | None, str | None, str | None]:
    """(rules or None when disabled, root, dest) of one `sourcecode` value."""
    if isinstance(value, dict):
        root = value.get("root")
        dest = value.get("dest")
        rules = _parse_select(value.get("select"), src)
        return rules, None if root is None else str(root), None if dest is None else str(dest)
    return _parse_select(value, src), None, None


def _parse_select(value: Any, src: str) -> list[Rule] | None:
    if value is None or value is True:
        return []
    if value is False or value == []:
        return None
    if isinstance(value, list):
        if any(isinstance(item, dict) for item in value):
            return [_parse_item(item, src) for item in value]
        return [Rule(False, ("*",))] + [Rule(True, (str(item),)) for item in value]
    if isinstance(value, dict):
        return [_parse_item(value, src)]
    return [Rule(False, ("*",)), Rule(True, (str(value),))]


def _parse_item(item: Any, src: str) -> Rule:
    if not isinstance(item, dict):
        return Rule(True, (str(item),))
    if "include" in item and "exclude" in item:
        _spec_error(src, f"invalid select files spec {item!r}: cannot contain both include and exclude")
    if "include" not in item and "exclude" not in item:
        _spec_error(src, f"invalid select files spec {item!r}: expected include or exclude")
    include = "include" in item
    spec = item["include" if include else "exclude"]
    kind = None
    if isinstance(spec, dict):
        typed = [k for k in ("text", "binary", "dir") if k in spec]
        if len(typed) != 1:
            _spec_error(src, f"invalid select files spec {item!r}: expected one of text, binary or dir")
        kind = typed[0]
        spec = spec[kind]
    patterns = spec if isinstance(spec, list) else [spec]
    return Rule(include, tuple(str(p) for p in patterns), kind=kind)


def _spec_error(src: str, detail: str) -> None:
    from guild.project.errors import GuildfileError

    err = GuildfileError(src, detail)
    log.error(err.error_line)
    raise err


# ---- base rules


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env[name])
    except (KeyError, ValueError):
        return default


def _default_base_rules(rules_config: SourceRules) -> list[Rule]:
    max_size, max_count = rules_config.max_size, rules_config.max_count
    rules = [
        Rule(False, (".*",), kind="dir"),
        Rule(False, ("*",), kind="dir", sentinel=".guild-nocopy"),
        Rule(True, ("*",), kind="text", size_lt=max_size + 1, max_matches=max_count),
    ]
    if rules_config.is_python:
        rules += [
            Rule(False, ("__pycache__",), kind="dir"),
            Rule(False, ("*",), kind="dir", sentinel="bin/activate"),
            Rule(False, ("*",), kind="dir", sentinel="Scripts/activate"),
            Rule(False, ("build", "dist", "*.egg-info"), kind="dir"),
        ]
    for rule in rules:
        rule.base = True
    return rules


def _git_base_rules(ignored: list[str]) -> list[Rule]:
    ignored_dirs = tuple("/" + _glob_escape(p.rstrip("/")) for p in ignored if p.endswith("/"))
    ignored_files = tuple("/" + _glob_escape(p) for p in ignored if not p.endswith("/"))
    rules = [
        Rule(False, (".guild",), kind="dir"),
        Rule(False, ("*",), kind="dir", sentinel=".guild-nocopy"),
        Rule(False, (".git",) + ignored_dirs, kind="dir"),
        Rule(True, ("*",)),
    ]
    if ignored_files:
        rules.append(Rule(False, ignored_files))
    rules.append(Rule(False, (".git*", ".guildignore")))
    for rule in rules:
        rule.base = True
    return rules


def _glob_escape(path: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in path)


def _in_git_work_tree(path: str) -> bool:
    path = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


def _git_ignored(root: str) -> list[str] | None:
    """Paths under `root` that git ignores (dirs end in `/`), with `.guildignore` patterns
    added; None when git cannot tell (not installed, not a work tree)."""
    import subprocess

    cmd = ["git", "ls-files", "-ioc", "--exclude-standard", "--directory", "-z"]
    for pattern in _guildignore_patterns(root):
        cmd += ["-x", pattern]
    try:
        proc = subprocess.run(cmd, cwd=root, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _guildignore_patterns(root: str) -> list[str]:
    try:
        with open(os.path.join(root, ".guildignore"), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _base_rules(root: str, rules_config: SourceRules) -> list[Rule]:
    if _in_git_work_tree(root):
        ignored = _git_ignored(root)
        if ignored is not None:
            return _git_base_rules(ignored)
    return _default_base_rules(rules_config)


def _resolve_dir_patterns(rule: Rule, root: str) -> Rule:
    """An untyped pattern naming an existing dir `D` means `D/*`."""
    if rule.kind is not None or rule.base:
        return rule
    patterns = tuple(
        p.rstrip("/") + "/*" if p.strip("/") and os.path.isdir(os.path.join(root, p.strip("/"))) else p
        for p in rule.patterns
    )
    if patterns == rule.patterns:
        return rule
    return Rule(rule.include, patterns)


# ---- planning


def plan_copy(root: str, rules: SourceRules) -> CopyPlan:
    """Walk the source root (`root`, the project dir, joined with `rules.root`) and decide which
    files to copy. Logs the default rules' size and count warnings."""
    project_dir = os.path.abspath(root)
    src_root = os.path.normpath(os.path.join(project_dir, rules.root)) if rules.root else project_dir
    if rules.disabled:
        return CopyPlan(src_root, project_dir, rules.dest, [], [], [], disabled=True)
    all_rules = _base_rules(src_root, rules) + [
        _resolve_dir_patterns(rule, src_root) for rule in rules.rules
    ]
    walker = _Walker(src_root, all_rules)
    walker.walk()
    return CopyPlan(src_root, project_dir, rules.dest, all_rules, walker.selected, walker.skipped)


def plan_for_opdef(opdef: Any, excluded: set[str], environ: Mapping[str, str] | None = None) -> CopyPlan:
    """The copy plan for an OpDef (disabled for pipelines), leaving out the project-relative
    paths in `excluded` (dependency files). `environ`: see `build_source_rules`."""
    if opdef.is_pipeline:
        return CopyPlan(opdef.project_dir, opdef.project_dir, ".", [], [], [], disabled=True)
    rules = build_source_rules(
        opdef.sourcecode, opdef.model_sourcecode, is_python=opdef.is_python,
        src=opdef.guildfile_path or os.path.join(opdef.project_dir, "guild.yml"), environ=environ,
    )
    plan = plan_copy(opdef.project_dir, rules)
    if excluded:
        plan.selected = [p for p in plan.selected if _project_rel(plan, p) not in excluded]
    return plan


def _project_rel(plan: CopyPlan, rel: str) -> str:
    return os.path.relpath(os.path.join(plan.root, rel), plan.project_dir).replace(os.sep, "/")


class _Walker:
    """Walks the source root (following dir symlinks, never twice into the same real dir)."""

    def __init__(self, root: str, rules: list[Rule]):
        self.root = root
        self.dir_rules = [r for r in rules if r.kind == "dir"]
        self.file_rules = [r for r in rules if r.kind != "dir"]
        self.match_counts = [0] * len(self.file_rules)
        self.count_warned = False
        self.selected: list[str] = []
        self.skipped: list[str] = []
        self._seen: set[str] = set()

    def walk(self) -> None:
        self._walk_dir(self.root, "")

    def _walk_dir(self, path: str, rel: str) -> None:
        real = os.path.realpath(path)
        if real in self._seen:
            return
        self._seen.add(real)
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        dirs = []
        for entry in entries:
            entry_rel = rel + entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                dirs.append((entry, entry_rel))
            elif self._select_file(entry.path, entry_rel, entry.name):
                self.selected.append(entry_rel)
            else:
                self.skipped.append(entry_rel)
        for entry, entry_rel in dirs:
            if self._keep_dir(entry.path, entry_rel, entry.name):
                self._walk_dir(entry.path, entry_rel + "/")
            else:
                self.skipped.append(entry_rel + "/")

    def _keep_dir(self, path: str, rel: str, name: str) -> bool:
        keep = True
        for rule in self.dir_rules:
            if rule.matches_path(rel, name) and (
                rule.sentinel is None or os.path.exists(os.path.join(path, rule.sentinel))
            ):
                keep = rule.include
        return keep

    def _select_file(self, path: str, rel: str, name: str) -> bool:
        decided = -1
        limited: tuple[int, str] | None = None  # (rule index, "size" | "count")
        file_type: str | None = None
        size: int | None = None
        for i, rule in enumerate(self.file_rules):
            if not rule.matches_path(rel, name):
                continue
            if rule.kind is not None:
                if file_type is None:
                    file_type = _file_type(path)
                if file_type != rule.kind:
                    continue
            if rule.size_lt is not None:
                if size is None:
                    size = _file_size(path)
                if size >= rule.size_lt:
                    limited = (i, "size")
                    continue
            if rule.max_matches is not None and self.match_counts[i] >= rule.max_matches:
                limited = (i, "count")
                continue
            decided = i
        if limited is not None and limited[0] > decided:
            self._warn_limit(limited, rel)
        if decided < 0:
            return False
        rule = self.file_rules[decided]
        if rule.include and rule.max_matches is not None:
            self.match_counts[decided] += 1
        return rule.include

    def _warn_limit(self, limited: tuple[int, str], rel: str) -> None:
        index, why = limited
        if why == "size":
            log.warning(f"Skipping source code file {rel} because it's too big. {_HELP}")
        elif not self.count_warned:
            self.count_warned = True
            limit = self.file_rules[index].max_matches
            log.warning(
                f"Found more than {limit} source code files but will only copy {limit} "
                f"as a safety measure. {_HELP}"
            )


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _file_type(path: str) -> str:
    """"text" or "binary": by extension when it is telling, else by sniffing the first 1 KB."""
    ext = os.path.splitext(path)[1].lower()
    if ext in _TEXT_EXTS:
        return "text"
    if ext in _BINARY_EXTS:
        return "binary"
    try:
        with open(path, "rb") as f:
            sample = f.read(_SNIFF_SIZE)
    except OSError:
        return "binary"
    if b"\0" in sample or b"\xff" in sample:
        return "binary"
    if not sample:
        return "text"
    control = sum(1 for b in sample if b in _CONTROL_BYTES)
    return "binary" if control / len(sample) > _MAX_CONTROL_RATIO else "text"


# ---- copying and digest


def copy_sourcecode(plan: CopyPlan, run_dir: str) -> list[str]:
    """Copy the selected files (with their mode) to `<run_dir>/<dest>`, append their manifest
    `s` lines, and return their run-relative paths."""
    from guild.store import manifest

    if plan.disabled:
        return []
    if files.escapes(plan.dest):
        raise GuildError(f"invalid sourcecode dest '{plan.dest}': must be inside the run directory")
    copied: list[str] = []
    entries: list[list[str]] = []
    for rel in plan.selected:
        src = os.path.join(plan.root, rel)
        run_rel = os.path.normpath(os.path.join(plan.dest, rel)).replace(os.sep, "/")
        try:
            sha1 = _copy_file(src, os.path.join(run_dir, run_rel))
        except OSError as e:
            log.warning(f"cannot copy source code file {rel}: {e.strerror or e}")
            continue
        project_rel = os.path.relpath(src, plan.project_dir).replace(os.sep, "/")
        copied.append(run_rel)
        entries.append(["s", run_rel, sha1, project_rel])
    manifest.append_entries(run_dir, entries)
    return copied


def _copy_file(src: str, dst: str) -> str:
    """Copy `src` to `dst` (content and mode) and return the content's SHA-1 hex."""
    from guild.util import hashing

    os.makedirs(os.path.dirname(dst), exist_ok=True)
    sha1 = hashing.sha1()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while True:
            chunk = fin.read(1 << 20)
            if not chunk:
                break
            sha1.update(chunk)
            fout.write(chunk)
    os.chmod(dst, os.stat(src).st_mode & 0o7777)
    return sha1.hexdigest()


def sourcecode_digest(run_dir: str, run_rel_paths: list[str]) -> str | None:
    """MD5 hex over the paths in code-point order: path bytes, NUL, file bytes, NUL each.
    None when there are no source files."""
    if not run_rel_paths:
        return None
    from guild.util import hashing

    md5 = hashing.md5()
    for rel in sorted(run_rel_paths):
        md5.update(rel.encode("utf-8"))
        md5.update(b"\0")
        try:
            with open(os.path.join(run_dir, rel), "rb") as f:
                md5.update(f.read())
        except OSError:
            pass
        md5.update(b"\0")
    return md5.hexdigest()


# ---- --test-sourcecode


def format_test_sourcecode(plan: CopyPlan, cwd: str) -> str:
    """The text `guild run --test-sourcecode` prints (paths shown from `cwd`)."""
    cwd = os.path.abspath(cwd)
    where = "the current directory" if plan.root == cwd else plan.root
    lines = [f"Copying from {where}", "Rules:"]
    lines += [f"  {rule.describe()}" for rule in plan.rules]
    if plan.disabled:
        lines.append("Source code copy disabled")
    else:
        lines.append("Selected for copy:")
        lines += [f"  {path}" for path in plan.selected]
        lines.append("Skipped:")
        lines += [f"  {path}" for path in plan.skipped]
    return "\n".join(lines) + "\n"
