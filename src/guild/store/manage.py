"""Store-level run management (runs.md §11): trash / restore / purge with backup names, labels,
tags, comments and marks, export / import of run directories and zip archives (symlinks kept),
and stopping a run's process. No CLI code here: callers print previews and results.

Deleting never touches anything outside GUILD_HOME: a run is removed for good only when its real
path sits directly under `<home>/runs` or `<home>/trash/runs`.
"""

from __future__ import annotations

import os
import shutil
import time

from guild.errors import GuildError, RunError
from guild.store import home as home_mod, journal
from guild.store.run import Run
from guild.util import log, procs
from guild.util.procs import pid_alive

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable, Iterable

NOCOPY_MARKER = ".guild-nocopy"

# ---------------------------------------------------------------- trash, restore, purge


def trash_run(run: Run, home: str | None = None) -> str:
    """Move `run` to `<home>/trash/runs/<id>`; an existing entry there is renamed first."""
    dest = os.path.join(home_mod.trash_runs_dir(home), run.id)
    _move_with_backup(run.path, dest)
    return dest


def restore_run(run: Run, home: str | None = None) -> str:
    """Move a trashed `run` back to `<home>/runs/<id>`; an existing run dir is renamed first."""
    dest = os.path.join(home_mod.runs_dir(home), run.id)
    _move_with_backup(run.path, dest)
    return dest


def purge_run(run: Run, home: str | None = None) -> None:
    """Remove `run` for good. Refuses (RunError) unless it lives in this home's runs or trash."""
    check_in_store(run.path, home)
    try:
        shutil.rmtree(run.path)
    except OSError as e:
        raise RunError(f"cannot delete run {run.id}: {e}") from None


def check_in_store(path: str, home: str | None = None) -> None:
    """Raise RunError unless the real `path` is directly under `<home>/runs` or `<home>/trash/runs`."""
    real = os.path.realpath(path)
    parent = os.path.dirname(real)
    roots = (home_mod.runs_dir(home), home_mod.trash_runs_dir(home))
    if not any(parent == os.path.realpath(root) for root in roots):
        raise RunError(f"cannot delete '{path}': it is not a run directory in {home or home_mod.guild_home()}")


def _move_with_backup(src: str, dest: str) -> None:
    parent = os.path.dirname(dest)
    if os.path.lexists(parent) and not os.path.isdir(parent):
        raise RunError(f"'{parent}' is not a directory")
    try:
        os.makedirs(parent, exist_ok=True)
        if os.path.lexists(dest):
            backup = _backup_name(dest)
            log.warning(f"{dest} exists, moving to {backup}")
            os.rename(dest, backup)
        shutil.move(src, dest)
    except OSError as e:  # e.g. a file where the runs or trash directory should be
        raise RunError(f"cannot move {src} to {dest}: {e.strerror or e}") from None
    journal.note_change(dest, os.path.basename(dest))


def _backup_name(path: str) -> str:
    import uuid

    while True:
        candidate = f"{path}_{uuid.uuid4().hex[:8]}"
        if not os.path.lexists(candidate):
            return candidate


# ---------------------------------------------------------------- labels, tags, comments, marks


def remove_words(label: str, patterns: Iterable[str], regex: bool = True) -> str:
    """`label` without each pattern where it matches a whole space-separated word; extra spaces
    are collapsed. Patterns are regular expressions unless `regex` is False."""
    import re

    for pattern in patterns:
        pat = pattern if regex else re.escape(pattern)
        try:
            compiled = re.compile(rf"(?:^|(?<=\s))(?:{pat})(?=\s|$)")
        except re.error as e:
            raise GuildError(f"invalid pattern '{pattern}': {e}") from None
        label = compiled.sub("", label)
    return " ".join(label.split())


def set_label(run: Run, label: str | None) -> None:
    """Write the `label` attr, or delete it when `label` is None."""
    if label is None:
        run.del_attr("label")
    else:
        run.write_attr("label", label)


def updated_tags(old: Iterable[str], add: Iterable[str] = (), delete: Iterable[str] = (),
                 clear: bool = False) -> list[str]:
    """(old − (all old if clear else delete)) ∪ add, sorted (runs.md §11.6)."""
    kept = set() if clear else set(old) - set(delete)
    return sorted(kept | set(add))


def synced_label(label: str, removed: Iterable[str], added: Iterable[str]) -> str:
    """The label after `tag --sync-labels`: removed tags dropped as words, added tags that are not
    already words put in front. Not stripped (an empty label gives `"<tags> "`), as the reference."""
    label = remove_words(label, removed, regex=False)
    words = set(label.split())
    front: list[str] = []
    for tag in added:
        if tag not in words and tag not in front:
            front.append(tag)
    return f"{' '.join(front)} {label}" if front else label


def run_tags(run: Run) -> list[str]:
    tags = run.get("tags")
    if isinstance(tags, list):
        return [str(t) for t in tags]
    return []


def run_comments(run: Run) -> list[dict[str, Any]]:
    comments = run.get("comments")
    if isinstance(comments, list):
        return [c for c in comments if isinstance(c, dict)]
    return []


def add_comment(run: Run, body: str, user: str, host: str, time_us: int | None = None) -> None:
    from guild.util import clock

    comment = {"body": body, "host": host, "time": time_us or clock.timestamp_us(), "user": user}
    run.write_attr("comments", run_comments(run) + [comment])


def delete_comment(run: Run, index: int) -> bool:
    """Remove comment `index` (1-based). Out of range: nothing changes, returns False."""
    comments = run_comments(run)
    if not 1 <= index <= len(comments):
        return False
    del comments[index - 1]
    run.write_attr("comments", comments)
    return True


def clear_comments(run: Run) -> None:
    run.del_attr("comments")


def set_marked(run: Run, marked: bool) -> None:
    if marked:
        run.write_attr("marked", True)
    else:
        run.del_attr("marked")


# ---------------------------------------------------------------- export / import


def is_zip_path(path: str) -> bool:
    return path.lower().endswith(".zip")


def copy_run_dir(src: str, dest: str, *, move: bool = False, follow_links: bool = False,
                 inward_links_only: bool = False) -> None:
    """Copy (or move) the run dir `src` to `dest`. Symlinks stay symlinks unless `follow_links`,
    which copies what they point to (dangling links are skipped). With `inward_links_only`
    (imports), links that lead outside the run are dropped with a warning: an archive must not
    bring links to the rest of the file system into a Guild home. A failed copy (e.g. a named
    pipe in the run) raises RunError and leaves no partial copy; the source is kept."""
    existed = os.path.lexists(dest)
    ignore = _ignored_links(src, follow_links, inward_links_only)
    try:
        if move and not follow_links and not inward_links_only:
            os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
            shutil.move(src, dest)
            journal.note_change(dest, os.path.basename(dest))
            return
        shutil.copytree(src, dest, symlinks=not follow_links, ignore=ignore)
        journal.note_change(dest, os.path.basename(dest))
    except OSError as e:
        if not existed and os.path.isdir(src):
            shutil.rmtree(dest, ignore_errors=True)
        raise RunError(f"cannot {'move' if move else 'copy'} {src} to {dest}: {_copy_error(e)}") from None
    if move:
        shutil.rmtree(src)


def _copy_error(e: OSError) -> str:
    # shutil.Error carries a list of (src, dest, reason) for every file it could not copy
    if isinstance(e, shutil.Error) and e.args and isinstance(e.args[0], list) and e.args[0]:
        return str(e.args[0][0][2])
    return e.strerror or str(e)


def _ignored_links(run_dir: str, follow_links: bool, inward_only: bool) -> Callable | None:
    """A copytree `ignore` for the links of `run_dir` not to copy: dangling ones when following
    links (copytree's own check resolves relative links against the cwd), and with
    `inward_only` those that lead outside the run."""
    if not follow_links and not inward_only:
        return None
    real_run = os.path.realpath(run_dir)

    def ignore(dirname: str, names: list[str]) -> list[str]:
        skipped = []
        for name in names:
            path = os.path.join(dirname, name)
            if not os.path.islink(path):
                continue
            if inward_only and not _inside(os.path.realpath(path), real_run):
                log.warning(f"dropping link {os.path.relpath(path, run_dir)} -> {os.readlink(path)}: "
                            "it leads outside the run")
                skipped.append(name)
            elif follow_links and not os.path.exists(path):
                skipped.append(name)
        return skipped

    return ignore


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def export_runs(runs: list[Run], location: str, *, move: bool = False,
                copy_resources: bool = False) -> list[Run]:
    """Copy or move `runs` to the directory or `.zip` file `location`. Runs already there are
    skipped with a warning. Returns the runs exported."""
    if is_zip_path(location):
        return _export_zip(runs, location, move, copy_resources)
    if os.path.exists(location) and not os.path.isdir(location):
        raise GuildError(f"'{location}' is not a directory")
    marker = os.path.join(location, NOCOPY_MARKER)
    try:
        os.makedirs(location, exist_ok=True)
        if not os.path.exists(marker):
            open(marker, "w").close()
    except OSError as e:
        raise GuildError(f"cannot export to '{location}': {e.strerror}") from None
    return _copy_runs(runs, location, move, copy_resources, lambda run, dest: f"{dest} exists, skipping")


def _export_zip(runs: list[Run], location: str, move: bool, follow_links: bool) -> list[Run]:
    import zipfile

    if os.path.isdir(location):
        raise GuildError(f"'{location}' is a directory")
    if os.path.exists(location) and not zipfile.is_zipfile(location):
        # ZipFile's append mode would add an archive to the end of any file
        raise GuildError(f"'{location}' is not a zip file")
    try:
        os.makedirs(os.path.dirname(os.path.abspath(location)), exist_ok=True)
        zf = zipfile.ZipFile(location, "a", zipfile.ZIP_DEFLATED)
    except OSError as e:
        raise GuildError(f"cannot export to '{location}': {e.strerror}") from None
    exported = []
    with zf:
        present = {name.split("/", 1)[0] for name in zf.namelist()}
        for run in runs:
            if run.id in present:
                log.warning(f"{run.id} exists, skipping")
                continue
            log.info(f"{'Moving' if move else 'Copying'} {run.id}")
            _zip_run(zf, run, follow_links)
            exported.append(run)
    if move:
        for run in exported:
            shutil.rmtree(run.path)
    return exported


def _zip_run(zf: Any, run: Run, follow_links: bool) -> None:
    import stat
    import zipfile

    zf.writestr(_dir_info(f"{run.id}/"), b"")
    for root, dirs, names in os.walk(run.path, followlinks=follow_links):
        rel_root = os.path.relpath(root, run.path)
        for name in sorted(dirs) + sorted(names):
            path = os.path.join(root, name)
            arcname = "/".join(p for p in (run.id, rel_root, name) if p != ".")
            if os.path.islink(path) and not follow_links:
                info = zipfile.ZipInfo(arcname, _mtime_tuple(path, follow=False))
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, os.readlink(path))
            elif os.path.isdir(path):
                zf.writestr(_dir_info(arcname + "/", path), b"")
            elif os.path.isfile(path):
                zf.write(path, arcname, zipfile.ZIP_DEFLATED)


def _dir_info(arcname: str, path: str | None = None) -> Any:
    import stat
    import zipfile

    info = zipfile.ZipInfo(arcname, _mtime_tuple(path) if path else time.localtime()[:6])
    info.external_attr = ((stat.S_IFDIR | 0o755) << 16) | 0x10
    return info


def _mtime_tuple(path: str, follow: bool = True) -> tuple[int, ...]:
    st = os.stat(path, follow_symlinks=follow)
    return tuple(max(t, d) for t, d in zip(time.localtime(st.st_mtime)[:6], (1980, 1, 1, 0, 0, 0)))


def unpack_zip(path: str, dest: str) -> None:
    """Extract an export zip into `dest`, recreating symlink entries. Entries that would land
    outside `dest` are ignored. A damaged zip raises GuildError."""
    import zipfile
    import zlib

    try:
        _unpack_zip(path, dest)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise GuildError(f"cannot read archive {path}: {e}") from None


def _unpack_zip(path: str, dest: str) -> None:
    import stat
    import zipfile

    dest_real = os.path.realpath(dest)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            target = os.path.realpath(os.path.join(dest_real, info.filename))
            if target != dest_real and not target.startswith(dest_real + os.sep):
                continue
            mode = info.external_attr >> 16
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
            elif stat.S_ISLNK(mode):
                link = zf.read(info).decode("utf-8")
                run_root = os.path.join(dest_real, info.filename.split("/", 1)[0])
                if not _inside(os.path.normpath(os.path.join(os.path.dirname(target), link)), run_root):
                    log.warning(f"dropping link {info.filename} -> {link}: it leads outside the run")
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.symlink(link, target)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                if mode & 0o777:
                    os.chmod(target, mode & 0o777)


def archive_runs_dir(archive: str) -> str:
    """The directory holding the runs of `archive`: a directory made by export, or a named
    archive (runs.md §12.4). Zips must be unpacked first (`unpack_zip`). Raises GuildError."""
    if os.path.isdir(archive):
        return archive
    if os.path.exists(archive):
        raise GuildError(f"invalid archive {archive} - expected a directory or a zip file")
    named = find_named_archive(archive)
    if named:
        return named
    raise GuildError(
        f"'{archive}' is not a valid archive - use a path to a file/directory or specify an "
        "archive name returned by 'guild archive --list'."
    )


def find_named_archive(name: str) -> str | None:
    """The directory of the named archive whose `archive.json` label is `name`."""
    from guild.store import archives

    archive = archives.find_archive(name)
    return archive.path if archive else None


def import_runs(runs: list[Run], *, move: bool = False, copy_resources: bool = False,
                home: str | None = None) -> list[Run]:
    """Copy or move archived `runs` to `<home>/runs/<id>`; existing ids are skipped with a
    warning. Returns the runs imported."""
    runs_dir = home_mod.runs_dir(home)
    os.makedirs(runs_dir, exist_ok=True)
    return _copy_runs(runs, runs_dir, move, copy_resources, lambda run, dest: f"{run.id} exists, skipping",
                      inward_links_only=True)


def _copy_runs(runs: list[Run], parent: str, move: bool, copy_resources: bool,
               exists_warning: Callable[[Run, str], str], inward_links_only: bool = False) -> list[Run]:
    """Copy or move each run to `<parent>/<id>`, skipping (with a warning) ids already there."""
    done = []
    for run in runs:
        dest = os.path.join(parent, run.id)
        if os.path.lexists(dest):
            log.warning(exists_warning(run, dest))
            continue
        log.info(f"{'Moving' if move else 'Copying'} {run.id}")
        copy_run_dir(run.path, dest, move=move, follow_links=copy_resources, inward_links_only=inward_links_only)
        done.append(run)
    return done


# ---------------------------------------------------------------- stopping runs


def stop_run(run: Run, timeout: float = 30, force: bool = False) -> list[int] | None:
    """Stop the op process of `run` and its children (runs.md §11.9).

    Returns None when the run has no live process, else the pids still alive afterwards."""
    pid = run.pid
    if pid is None or not pid_alive(pid):
        return None
    return stop_process(pid, timeout, force)


def stop_process(pid: int, timeout: float = 30, force: bool = False) -> list[int]:
    """SIGTERM `pid`, give its children 5 s to exit, SIGTERM the rest, wait up to `timeout`;
    with `force` SIGKILL what is left. Returns the pids that are still alive."""
    import signal

    children = procs.descendants(pid)
    _signal(pid, signal.SIGTERM)
    children = _wait_gone(children, 5)
    for child in children:
        _signal(child, signal.SIGTERM)
    alive = _wait_gone([pid] + children, timeout)
    if alive and force:
        for p in alive:
            _signal(p, signal.SIGKILL)
        alive = _wait_gone(alive, 5)
    return alive


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = [p for p in pids if pid_alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if pid_alive(p)]
    return alive



