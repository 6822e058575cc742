"""Runs kept in an S3 bucket (boto3: the `s3` extra). Layout under the remote's `root` prefix:

    runs/<id>/<path>          a run's files, as in a Guild home
    trash/runs/<id>/<path>    deleted runs (`guild runs delete -r`), until purged

A transfer sends only files whose size or MD5 (the object's ETag: uploads are single-part) differ,
so an interrupted push or pull resumes where it stopped. A run's `.guild/opref` goes last on a
push, and a pulled run is made under `.incomplete-<id>` and renamed into place when whole: a half
copy is never listed as a run. Listings (`guild runs -r`) read a local mirror of the runs'
`.guild` metadata under `<home>/cache/remotes/<name>`, refreshed by ETag."""

from __future__ import annotations

import os
import threading

from guild.errors import GuildError
from guild.store.access import is_allowed
from guild.util import files as files_util
from guild.util import hashing, log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable

    from guild.store.run import Run

INSTALL_HINT = "S3 remotes need boto3: pip install boto3 (or, in a checkout of guild, pip install -e '.[s3]')"
TRANSFER_THREADS = 8  # runs copied at once
_LOCK = threading.Lock()  # counts and progress, advanced by the transfer threads
SINGLE_PART_MAX = 5 * 1024**3  # S3's largest single PUT: the ETag stays the MD5
# What listings read of a run (mirrored): its opref, attrs, status markers and event files.
_MIRRORED_MARKERS = ("opref", "STAGED", "PENDING", "LOCK", "LOCK.remote")


class S3Remote:
    kind = "s3"

    def __init__(self, name: str, cfg: dict[str, Any]):
        self.name = name
        self.bucket = str(cfg.get("bucket") or "")
        if not self.bucket:
            raise GuildError(f"remote '{name}' has no bucket")
        root = str(cfg.get("root") or "").strip("/")
        self.root = f"{root}/" if root else ""
        self.region = cfg.get("region")
        self.endpoint = cfg.get("endpoint")
        self.description = str(cfg.get("description") or "")
        self._client = None

    def describe(self) -> str:
        return f"S3 bucket {self.bucket}" + (f" ({self.root.rstrip('/')})" if self.root else "")

    # ---- the client and its errors

    @property
    def client(self):
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError:
                raise GuildError(INSTALL_HINT) from None
            self._client = boto3.client("s3", region_name=self.region, endpoint_url=self.endpoint,
                                        config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                                      connect_timeout=10, read_timeout=60))
        return self._client

    def _call(self, fn, *args, **kw):
        """`fn(*args, **kw)`, a boto3 call, with its failures as one `guild: ...` line."""
        try:
            return fn(*args, **kw)
        except GuildError:
            raise
        except Exception as e:
            raise GuildError(f"remote '{self.name}': {_describe_error(e, self.bucket)}") from None

    # ---- status

    def status(self) -> str:
        self._call(self.client.head_bucket, Bucket=self.bucket)
        return f"{self.name} ({self.describe()}) is available"

    def start(self) -> str:
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return f"{self.name} ({self.describe()}) is already available"
        except Exception:
            pass
        args = {"Bucket": self.bucket}
        if self.region and self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self._call(self.client.create_bucket, **args)
        return f"Created bucket {self.bucket} for {self.name}"

    def stop(self) -> str:
        raise GuildError(f"remote '{self.name}' is an S3 bucket: there is nothing to stop "
                         "(delete the bucket with your S3 tools)")

    # ---- listings

    def _prefix(self, area: str, run_id: str = "") -> str:
        return f"{self.root}{area}/{run_id + '/' if run_id else ''}"

    def _index_key(self, area: str, run_id: str) -> str:
        return f"{self.root}index/{area}/{run_id}"

    def _objects(self, prefix: str) -> dict[str, tuple[int, str]]:
        """{key relative to `prefix`: (size, etag)} of every object under `prefix`."""
        found: dict[str, tuple[int, str]] = {}
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix)))
        for page in pages:
            for obj in page.get("Contents") or []:
                found[obj["Key"][len(prefix):]] = (obj["Size"], obj["ETag"].strip('"'))
        return found

    def _run_objects(self, area: str, run_id: str) -> dict[str, tuple[int, str]]:
        return self._objects(self._prefix(area, run_id))

    def _index(self, area: str) -> dict[str, str]:
        """{run id: etag of its manifest} of the runs in `area` pushed by guild: one request per
        1,000 runs, however many files they hold."""
        return {run_id: meta[1] for run_id, meta in self._objects(f"{self.root}index/{area}/").items()
                if "/" not in run_id}

    def _run_ids(self, area: str) -> set[str]:
        """The ids of every run directory in `area`, whether guild's index names it or not
        (runs copied there by other tools, or a first push cut short)."""
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = self._prefix(area)
        pages = self._call(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")))
        return {p["Prefix"][len(prefix):].rstrip("/") for page in pages for p in page.get("CommonPrefixes") or []}

    def _cache_dir(self) -> str:
        from guild.store import home

        return os.path.join(home.guild_home(), "cache", "remotes", self.name)

    def mirror(self, deleted: bool = False) -> str:
        """A local runs dir holding the `.guild` metadata of the remote's runs (or of its trash),
        for the listing commands; made up to date first (only runs whose manifest changed)."""
        import json
        import shutil

        area = "trash/runs" if deleted else "runs"
        local_root = os.path.join(self._cache_dir(), area)
        os.makedirs(local_root, exist_ok=True)
        state_path = os.path.join(self._cache_dir(), area.replace("/", "-") + ".json")
        state = _load_json(state_path)
        before = dict(state)
        index = self._index(area)
        ids = self._run_ids(area)
        for run_id in os.listdir(local_root):
            if run_id not in ids:
                shutil.rmtree(os.path.join(local_root, run_id), ignore_errors=True)
                state.pop(run_id, None)
        def refresh(run_id: str) -> None:
            run_dir = os.path.join(local_root, run_id)
            objects = self._run_objects(area, run_id)
            wanted = {rel: meta for rel, meta in objects.items() if _mirrored(rel)}
            if ".guild/opref" not in wanted:  # not (yet) a whole run
                shutil.rmtree(run_dir, ignore_errors=True)
                return
            self._download_changed(area, run_id, wanted, run_dir, None)
            _remove_extra(run_dir, set(wanted), only_guild=True)
            state[run_id] = index.get(run_id)

        stale = [i for i in ids if not (i in index and state.get(i) == index[i]
                                        and os.path.isdir(os.path.join(local_root, i)))]
        try:
            _in_parallel(refresh, stale)
        finally:
            if state != before:
                files_util.write_atomic(state_path, json.dumps(state))
        return local_root

    # ---- push and pull

    def push(self, runs: Iterable[Run]) -> tuple[list[Run], int, int]:
        """Copy runs to the remote (changed files only); (runs pushed, files sent, bytes sent).
        A run whose manifest (every file's size and MD5) is the one the remote's index holds is
        not looked at further; the others are compared file by file with the remote's objects."""
        from guild.util.progress import Progress

        runs = list(runs)
        index = self._index("runs")
        digests = _Digests(os.path.join(self._cache_dir(), "digests.json"))
        plans = []
        for run in runs:
            local = _local_files(run.path)
            manifest = digests.manifest(local)
            body = _manifest_bytes(manifest)
            if index.get(run.id) == hashing.md5(body).hexdigest():
                continue
            objects = self._run_objects("runs", run.id)
            send = [rel for rel in manifest if not _matches(manifest[rel], objects.get(rel))]
            extra = [rel for rel in objects if rel not in manifest]
            plans.append((run, local, send, extra, body))
        digests.save()
        counts = [0, 0]
        with Progress("Pushing files", sum(len(p[2]) for p in plans), unit="files") as progress:
            def push_run(plan) -> None:
                run, local, send, extra, body = plan
                # opref last: a run whose copy was cut short is not a run on the remote
                for rel in sorted(send, key=lambda r: r == ".guild/opref"):
                    self._upload(local[rel], self._prefix("runs", run.id) + rel)
                    with _LOCK:
                        counts[0] += 1
                        counts[1] += os.path.getsize(local[rel])
                        progress.advance()
                if extra:
                    self._delete_keys([self._prefix("runs", run.id) + rel for rel in extra])
                self._call(self.client.put_object, Bucket=self.bucket, Key=self._index_key("runs", run.id), Body=body)

            _in_parallel(push_run, plans)
        return runs, counts[0], counts[1]

    def _upload(self, path: str, key: str) -> None:
        size = os.path.getsize(path)
        if size > SINGLE_PART_MAX:
            raise GuildError(f"{path} is larger than 5 GB: S3 remotes copy files of at most 5 GB")
        with open(path, "rb") as f:
            self._call(self.client.put_object, Bucket=self.bucket, Key=key, Body=f)

    def _delete_keys(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[i:i + 1000]]
            self._call(self.client.delete_objects, Bucket=self.bucket, Delete={"Objects": chunk, "Quiet": True})

    def pull(self, run_ids: list[str], runs_dir: str) -> tuple[list[str], int, int]:
        """Copy runs from the remote into `runs_dir` (changed files only); (ids pulled, files,
        bytes)."""
        from guild.store import journal
        from guild.store.run import Run, incomplete_path
        from guild.util.progress import Progress

        index = self._index("runs")
        digests = _Digests(os.path.join(self._cache_dir(), "digests.json"))
        plans = []
        pulled = []
        for run_id in run_ids:
            final = os.path.join(runs_dir, run_id)
            if os.path.isdir(final):
                if Run(run_id, final).status == "running":
                    log.warning(f"run {run_id} is running here - skipping it")
                    continue
                manifest = digests.manifest(_local_files(final))
                if index.get(run_id) == hashing.md5(_manifest_bytes(manifest)).hexdigest():
                    pulled.append(run_id)
                    continue
            target = final if os.path.isdir(final) else incomplete_path(final)
            objects = self._run_objects("runs", run_id)
            if ".guild/opref" not in objects:
                raise GuildError(f"remote '{self.name}' has no run {run_id}")
            local = digests.manifest(_local_files(target)) if os.path.isdir(target) else {}
            fetch = {rel: meta for rel, meta in objects.items() if not _matches(local.get(rel), meta)}
            plans.append((run_id, objects, fetch, target, final))
        digests.save()
        counts = [0, 0]
        with Progress("Pulling files", sum(len(p[2]) for p in plans), unit="files") as progress:
            def pull_run(plan) -> None:
                run_id, objects, fetch, target, final = plan
                fetch = _copy_mirrored(os.path.join(self._cache_dir(), "runs", run_id), target, fetch, progress)
                self._download_changed("runs", run_id, fetch, target, progress, counts, check=False)
                _remove_extra(target, set(objects))
                if target != final:
                    os.rename(target, final)
                journal.note_change(final, run_id)
                with _LOCK:
                    pulled.append(run_id)

            _in_parallel(pull_run, plans)
        return pulled, counts[0], counts[1]

    def _download_changed(self, area: str, run_id: str, objects: dict[str, tuple[int, str]], run_dir: str,
                          progress, counts: list[int] | None = None, check: bool = True) -> None:
        prefix = self._prefix(area, run_id)
        for rel, meta in sorted(objects.items()):
            path = os.path.join(run_dir, rel)
            if not is_allowed(path, (os.path.realpath(run_dir),)) or (check and _same(path, meta)):
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            resp = self._call(self.client.get_object, Bucket=self.bucket, Key=prefix + rel)
            data = self._call(resp["Body"].read)
            files_util.write_atomic(path, data)
            with _LOCK:
                if counts is not None:
                    counts[0] += 1
                    counts[1] += len(data)
                if progress is not None:
                    progress.advance()

    # ---- delete, restore, purge

    def delete(self, run_ids: list[str], permanent: bool = False) -> None:
        if permanent:
            self._purge(run_ids, "runs")
        else:
            self._move(run_ids, "runs", "trash/runs")

    def restore(self, run_ids: list[str]) -> None:
        self._move(run_ids, "trash/runs", "runs")

    def purge(self, run_ids: list[str]) -> None:
        self._purge(run_ids, "trash/runs")

    def _purge(self, run_ids: list[str], area: str) -> None:
        for run_id in run_ids:
            self._delete_run(area, run_id, self._run_objects(area, run_id))

    def _delete_run(self, area: str, run_id: str, rels) -> None:
        """Delete a run's objects: its index entry and opref first (alone: one request deletes
        in no set order), so that a run half deleted is no run."""
        prefix = self._prefix(area, run_id)
        self._delete_keys([self._index_key(area, run_id)])
        if ".guild/opref" in rels:
            self._delete_keys([prefix + ".guild/opref"])
        self._delete_keys([prefix + rel for rel in rels if rel != ".guild/opref"])

    def _move(self, run_ids: list[str], src: str, dest: str) -> None:
        for run_id in run_ids:
            rels = sorted(self._run_objects(src, run_id), key=lambda r: r == ".guild/opref")  # opref last
            for rel in rels:
                self._copy(self._prefix(src, run_id) + rel, self._prefix(dest, run_id) + rel)
            try:
                self._copy(self._index_key(src, run_id), self._index_key(dest, run_id))
            except GuildError:
                pass  # a run guild did not push has no index entry
            self._delete_run(src, run_id, rels)

    def _copy(self, src_key: str, dest_key: str) -> None:
        self._call(self.client.copy_object, Bucket=self.bucket, Key=dest_key,
                   CopySource={"Bucket": self.bucket, "Key": src_key})


def _copy_mirrored(mirror_dir: str, run_dir: str, fetch: dict[str, tuple[int, str]],
                   progress) -> dict[str, tuple[int, str]]:
    """Copy into `run_dir` the files of `fetch` the metadata mirror already holds as they are on
    the remote (what `guild runs -r` or the pull's own selection fetched); the rest, to fetch."""
    import shutil

    rest = {}
    for rel, meta in fetch.items():
        src = os.path.join(mirror_dir, rel)
        dest = os.path.join(run_dir, rel)
        if is_allowed(dest, (os.path.realpath(run_dir),)) and _same(src, meta):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
            with _LOCK:
                progress.advance()
        else:
            rest[rel] = meta
    return rest


def _in_parallel(fn, items: list) -> None:
    """`fn(item)` for each item, runs at once in threads (boto3 clients are thread-safe and S3
    answers requests in parallel): the first error is raised, what was not started is not."""
    if len(items) <= 1:
        for item in items:
            fn(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(TRANSFER_THREADS, len(items)))
    try:
        for future in [pool.submit(fn, item) for item in items]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Digests:
    """MD5s of local files by path, size and mtime, kept between transfers in the remote's cache
    dir: an unchanged run is compared with the remote without reading its files."""

    def __init__(self, path: str):
        self.path = path
        self.entries = _load_json(path)
        self.changed = False

    def manifest(self, files: dict[str, str]) -> dict[str, tuple[int, str]]:
        """{relative path: (size, md5)} of `files` ({relative path: path to read})."""
        out = {}
        for rel, path in files.items():
            st = os.stat(path)
            entry = self.entries.get(path)
            if entry is None or entry[0] != st.st_size or entry[1] != st.st_mtime_ns:
                with open(path, "rb") as f:
                    entry = [st.st_size, st.st_mtime_ns, hashing.md5(f.read()).hexdigest()]
                self.entries[path] = entry
                self.changed = True
            out[rel] = (entry[0], entry[2])
        return out

    def save(self) -> None:
        if self.changed:
            import json

            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            files_util.write_atomic(self.path, json.dumps(self.entries))


def _load_json(path: str) -> dict:
    import json

    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _manifest_bytes(manifest: dict[str, tuple[int, str]]) -> bytes:
    """A run's manifest as stored in the remote's index (its MD5 is the index object's ETag)."""
    import json

    return json.dumps(sorted([rel, size, md5] for rel, (size, md5) in manifest.items()),
                      separators=(",", ":")).encode()


def _matches(local: tuple[int, str] | None, remote: tuple[int, str] | None) -> bool:
    """Whether a local file (size, md5) is the remote object (size, etag)."""
    if local is None or remote is None or local[0] != remote[0]:
        return False
    return "-" in remote[1] or local[1] == remote[1]  # a multipart ETag is no MD5: the size has to do


def _mirrored(rel: str) -> bool:
    if not rel.startswith(".guild/"):
        return False
    rest = rel[len(".guild/"):]
    return rest in _MIRRORED_MARKERS or rest.startswith("attrs/") or (".tfevents." in rest and "/" not in rest)


def _local_files(run_dir: str) -> dict[str, str]:
    """{relative path: path to read} of a run's files; links are followed when they stay in the
    Guild home (dependencies: what they link to is copied), dropped with a warning otherwise."""
    from guild.store.journal import home_of_run

    home = home_of_run(run_dir)
    roots = tuple(os.path.realpath(p) for p in (run_dir, home) if p)
    found = {}
    for dirpath, dirnames, filenames in os.walk(run_dir, followlinks=False):
        for name in list(dirnames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                dirnames.remove(name)
                if is_allowed(path, roots):
                    for sub, _, subfiles in os.walk(path, followlinks=False):
                        for f in subfiles:
                            full = os.path.join(sub, f)
                            found[os.path.relpath(full, run_dir)] = os.path.realpath(full)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and not is_allowed(path, roots):
                log.warning(f"skipping {os.path.relpath(path, run_dir)}: a link out of the Guild home")
                continue
            if os.path.isfile(path):
                found[os.path.relpath(path, run_dir)] = os.path.realpath(path)
    return found


def _same(path: str, meta: tuple[int, str] | None) -> bool:
    """Whether the file at `path` is the object `meta` (size, etag) describes."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    if meta is None or size != meta[0]:
        return False
    with open(path, "rb") as f:
        return _matches((size, hashing.md5(f.read()).hexdigest()), meta)


def _remove_extra(run_dir: str, wanted: set[str], only_guild: bool = False) -> None:
    """Remove files under `run_dir` that the remote no longer has."""
    for dirpath, _, filenames in os.walk(run_dir):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), run_dir)
            if rel not in wanted and (not only_guild or rel.startswith(".guild/")):
                os.remove(os.path.join(dirpath, name))


def _describe_error(e: Exception, bucket: str) -> str:
    code = getattr(e, "response", {}).get("Error", {}).get("Code") if hasattr(e, "response") else None
    name = type(e).__name__
    if code in ("NoSuchBucket", "404"):
        return f"bucket {bucket} does not exist (guild remote start creates it)"
    if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return f"access to bucket {bucket} was refused ({code})"
    if name == "NoCredentialsError":
        return "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure ~/.aws)"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"):
        return f"cannot reach S3: {e}"
    return f"{name}: {e}"
