"""Choosing runs: loading a runs dir, the run filters (runs.md §6.2–6.5) and RUN specs (§6.1).

Everything here works on `Run` objects and raises plain exceptions (`SpecNotFound`,
`SpecAmbiguous`); the CLI turns them into Guild's messages."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from guild.store.describe import operation_desc
from guild.store.run import Run, iter_runs, sorted_runs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable, Iterable

    from guild.store.index import RunIndex

STATUSES = ("running", "completed", "error", "terminated", "pending", "staged")


class SpecNotFound(Exception):
    """No run matches a RUN spec."""

    def __init__(self, spec: str):
        super().__init__(spec)
        self.spec = spec


class SpecAmbiguous(Exception):
    """A RUN spec that must select one run matches several."""

    def __init__(self, spec: str, runs: list[Run]):
        super().__init__(spec)
        self.spec = spec
        self.runs = runs


# ---- loading


def load_runs(root: str, parent: str | None = None, index: RunIndex | None = None) -> list[Run]:
    """The runs under `root`, sorted newest first (through the run `index` when one is given).

    A `parent` run id (`GUILD_RUNS_PARENT`) limits the list to the runs linked from that run's
    dir (pipeline steps), when the link targets sit directly under `root` (runs.md §1.2)."""
    if parent:
        runs = list(_linked_runs(root, parent))
    elif index is not None:
        return index.load(root)
    else:
        runs = list(iter_runs(root))
    return sorted_runs(runs)


def _linked_runs(root: str, parent_id: str) -> Iterable[Run]:
    from guild.store.run import is_run_dir

    parent_dir = os.path.join(root, parent_id)
    real_root = os.path.realpath(root)
    try:
        entries = list(os.scandir(parent_dir))
    except OSError:
        return
    seen = set()
    for entry in entries:
        if not entry.is_symlink():
            continue
        target = os.path.realpath(entry.path)
        if os.path.dirname(target) != real_root or target in seen or not is_run_dir(target):
            continue
        seen.add(target)
        name = os.path.basename(target)
        yield Run(name, os.path.join(root, name))


# ---- filters


@dataclass
class RunFilter:
    """The AND of every filter given; list fields match when any item matches."""

    operations: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    unlabeled: bool = False
    tags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    marked: bool = False
    unmarked: bool = False
    started: tuple[Any, Any] | None = None  # [start, end) local naive datetimes, from timerange
    digest: str | None = None
    status: list[str] = field(default_factory=list)
    not_status: list[str] = field(default_factory=list)
    expr: Callable[[Run], bool] | None = None

    def tests(self) -> list[Callable[[Run], bool]]:
        """The active tests, cheapest first."""
        t: list[Callable[[Run], bool]] = []
        if self.operations:
            t.append(lambda r: any(op_matches(r, v) for v in self.operations))
        if self.marked:
            t.append(lambda r: r.get("marked") is True)
        if self.unmarked:
            t.append(lambda r: r.get("marked") is not True)
        if self.digest:
            t.append(lambda r: str(r.get("sourcecode_digest") or "").startswith(self.digest))
        if self.labels:
            t.append(lambda r: any(label_matches(r, v) for v in self.labels))
        if self.unlabeled:
            t.append(lambda r: not _label(r))
        if self.tags:
            t.append(lambda r: any(tag in _list_attr(r, "tags") for tag in self.tags))
        if self.comments:
            t.append(lambda r: any(comment_matches(r, v) for v in self.comments))
        if self.started is not None:
            t.append(self._started_test)
        if self.status or self.not_status:
            t.append(self._status_test)
        if self.expr is not None:
            t.append(self.expr)
        return t

    def _started_test(self, run: Run) -> bool:
        import datetime

        ts = run.timestamp
        if ts is None:
            return False
        when = datetime.datetime.fromtimestamp(ts // 1_000_000)
        start, end = self.started  # type: ignore[misc]
        return (start is None or when >= start) and (end is None or when < end)

    def _status_test(self, run: Run) -> bool:
        status = run.status
        if self.status and status in self.status:
            return True  # a positive status wins over its --not form (runs.md §14.12)
        if self.status:
            return False
        return status not in self.not_status

    def apply(self, runs: list[Run]) -> list[Run]:
        tests = self.tests()
        if not tests:
            return runs
        index = getattr(runs[0], "_index", None) if runs else None
        if index is not None:
            index.prefetch(runs)  # every run is read: one query instead of one per run
        return [r for r in runs if all(t(r) for t in tests)]


def _label(run: Run) -> str:
    label = run.get("label")
    return str(label).strip() if label is not None else ""


def _list_attr(run: Run, name: str) -> list:
    val = run.get(name)
    return val if isinstance(val, list) else []


def label_matches(run: Run, val: str) -> bool:
    label = _label(run)
    if val == "-":
        return not label
    return val in label


def comment_matches(run: Run, val: str) -> bool:
    comments = [c for c in _list_attr(run, "comments") if isinstance(c, dict)]
    if val == "-":
        return not comments
    val = val.lower()
    for c in comments:
        for key in ("user", "host", "body"):
            if val in str(c.get(key) or "").lower():
                return True
    return False


def op_matches(run: Run, val: str) -> bool:
    """`-Fo VAL`: regex search for `^...`/`...$`, else `[pkg/][model:]op` part by part."""
    if val.startswith("^") or val.endswith("$"):
        try:
            return re.search(val, operation_desc(run)) is not None
        except re.error:
            return False
    opref = run.opref
    if opref is None:
        return False
    pkg, model, op = _split_opspec(val)
    if opref.pkg_type == "func" and op.endswith("()"):  # runs of Python functions show as `name()`
        op = op[:-2]
    return (_part_matches(pkg, opref.pkg_name) and _part_matches(model, opref.model_name)
            and _part_matches(op, opref.op_name))


def _split_opspec(val: str) -> tuple[str | None, str | None, str]:
    pkg = model = None
    if "/" in val:
        pkg, val = val.rsplit("/", 1)
    if ":" in val:
        model, val = val.split(":", 1)
    return pkg, model, val


def _part_matches(want: str | None, have: str) -> bool:
    if want is None:
        return True
    if "*" in want:
        import fnmatch

        return fnmatch.fnmatchcase(have, want)
    return want == have


# ---- RUN specs

_RANGE_RE = re.compile(r"(\d+)?:(\d+)?")


def resolve_spec(runs: list[Run], spec: str) -> list[Run]:
    """The runs that `spec` selects from the filtered, sorted `runs` (runs.md §6.1).

    An index or range in bounds selects by position; anything else is an id prefix.
    Raises SpecNotFound when nothing matches."""
    if not spec:  # an empty prefix would match every run
        raise SpecNotFound(spec)
    n = len(runs)
    if spec.isdigit():
        i = int(spec)
        if 1 <= i <= n:
            return [runs[i - 1]]
    else:
        m = _RANGE_RE.match(spec)
        if m:
            start = int(m.group(1)) if m.group(1) else 1
            end = int(m.group(2)) if m.group(2) else n
            if start >= 1 and end <= n:
                return runs[start - 1:end]
    matches = [r for r in runs if r.id.startswith(spec)]
    if not matches:
        raise SpecNotFound(spec)
    return matches


def select_specs(runs: list[Run], specs: list[str]) -> list[Run]:
    """Join the selections of several specs in spec order, each run once."""
    selected: list[Run] = []
    seen: set[str] = set()
    for spec in dict.fromkeys(specs):
        for run in resolve_spec(runs, spec):
            if run.id not in seen:
                seen.add(run.id)
                selected.append(run)
    return selected


def select_one_spec(runs: list[Run], spec: str) -> Run:
    """The one run `spec` selects; SpecAmbiguous when it selects several."""
    matches = resolve_spec(runs, spec)
    if not matches:
        raise SpecNotFound(spec)
    if len(matches) > 1:
        raise SpecAmbiguous(spec, matches)
    return matches[0]
