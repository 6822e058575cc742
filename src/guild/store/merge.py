"""Merging a run back into a project: which of its files go where (source code to the path it was
copied from, project-local dependencies to their project path, with `all` generated files too),
which are skipped and why, and what would be replaced in the target directory."""

from __future__ import annotations

import os
from collections import namedtuple

from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Callable

# file_type: s (source code), d (dependency), o (other: generated); target_path None when
# the file has no place in the project; reason (skipped files): see SKIP_REASONS.
MergeFile = namedtuple("MergeFile", "file_type run_path target_path reason")

SKIP_REASONS = {
    "?": "non-project file",
    "u": "unchanged",
    "npd": "non-project dependency",
    "s": "source code not selected",
    "d": "dependency not selected",
}


class MergePlan:
    """The files of `run` a merge to `target_dir` copies (`to_copy`) and skips (`to_skip`)."""

    def __init__(self, run: Run, target_dir: str, to_copy: list[MergeFile], to_skip: list[MergeFile]):
        self.run = run
        self.target_dir = target_dir
        self.to_copy = to_copy
        self.to_skip = to_skip

    def target(self, f: MergeFile) -> str:
        return os.path.join(self.target_dir, f.target_path)

    def replaced(self) -> list[str]:
        """Target paths of files to copy that already exist in the target dir."""
        return [f.target_path for f in self.to_copy if os.path.lexists(self.target(f))]


def plan_merge(run: Run, target_dir: str, *, sourcecode: bool = True, deps: bool = True,
               generated: bool = False) -> MergePlan:
    """What merging `run` into `target_dir` does with each of its files."""
    manifest = _manifest(run)
    to_copy: list[MergeFile] = []
    to_skip: list[MergeFile] = []
    for rel in _run_files(run.path):
        f = _classify(rel, manifest)
        wanted = {"s": sourcecode, "d": deps, "o": generated}[f.file_type]
        if f.reason is not None:
            to_skip.append(f)
        elif not wanted:
            to_skip.append(f._replace(reason="?" if f.file_type == "o" else f.file_type))
        elif _same_file(os.path.join(run.path, rel), os.path.join(target_dir, f.target_path)):
            to_skip.append(f._replace(reason="u"))
        else:
            to_copy.append(f)
    return MergePlan(run, target_dir, to_copy, to_skip)


def _classify(rel: str, manifest: dict[str, list[str]]) -> MergeFile:
    entry = manifest.get(rel)
    if entry is None:
        return MergeFile("o", rel, rel, None)
    kind = entry[0]
    if kind == "s":
        return MergeFile("s", rel, entry[3] if len(entry) > 3 else rel, None)
    uri = entry[3] if len(entry) > 3 else ""
    if uri.startswith("file:") and len(entry) == 4:  # a project file, not an archive member
        return MergeFile("d", rel, uri[len("file:"):], None)
    return MergeFile("d", rel, None, "npd")


def _manifest(run: Run) -> dict[str, list[str]]:
    """Manifest entries by run path; a dependency entry wins over a source code entry (a file
    both selected as source code and required is a dependency)."""
    from guild.store import manifest

    entries: dict[str, list[str]] = {}
    for entry in manifest.read_entries(run.path):
        if len(entry) < 2 or entry[0] not in ("s", "d"):
            continue
        if entry[0] == "s" and entries.get(entry[1], ["s"])[0] == "d":
            continue
        entries[entry[1]] = entry
    return entries


def _run_files(run_dir: str) -> list[str]:
    """The run's files (not dirs, links followed only as files), outside `.guild`, sorted."""
    found = []
    for root, dirs, names in os.walk(run_dir):
        if root == run_dir:
            dirs[:] = [d for d in dirs if d != ".guild"]
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path):
                found.append(os.path.relpath(path, run_dir).replace(os.sep, "/"))
    return sorted(found)


def _same_file(a: str, b: str) -> bool:
    import filecmp

    try:
        return os.path.isfile(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def copy_files(plan: MergePlan, on_copy: Callable[[MergeFile], None] | None = None) -> list[str]:
    """Copy the plan's files into its target dir; returns the target paths copied."""
    import shutil

    copied = []
    for f in plan.to_copy:
        if on_copy is not None:
            on_copy(f)
        dest = plan.target(f)
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        if os.path.islink(dest):
            os.unlink(dest)
        shutil.copyfile(os.path.join(plan.run.path, f.run_path), dest)
        copied.append(f.target_path)
    return copied
