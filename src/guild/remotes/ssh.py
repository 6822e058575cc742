"""Runs on another machine over SSH, with the system's `ssh` and `rsync`. The remote machine runs
guild itself (its `guild`, or the one in the `venv-path` the remote names), in its Guild home
(`guild-home`): listing, info, stop, watch and delete run there, as typed here but for `-r`.

`guild run -r REMOTE OP` stages the run here (its dependencies resolved and copied into it),
copies it to the remote with rsync (links followed), removes the local copy, and starts it
there with `guild run --start`, its output coming back over the connection (`--no-wait` or
`--background`: started in the background there, and this returns). `push` and `pull` copy runs
with rsync: only changed files, partial files kept, so an interrupted copy resumes; a pulled run
is made under `.incomplete-<id>` and renamed into place when whole."""

from __future__ import annotations

import os
import shlex
import subprocess

from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.store.run import Run

CONNECT_TIMEOUT = 15


class SshRemote:
    kind = "ssh"

    def __init__(self, name: str, cfg: dict[str, Any]):
        self.name = name
        self.host = str(cfg.get("host") or "")
        if not self.host:
            raise GuildError(f"remote '{name}' has no host")
        self.user = cfg.get("user")
        self.port = cfg.get("port")
        self.key = os.path.expanduser(str(cfg["private-key"])) if cfg.get("private-key") else None
        self.guild_home = cfg.get("guild-home")
        self.venv = cfg.get("venv-path") or cfg.get("guild-env")
        self.ssh_options = [str(o) for o in cfg.get("ssh-options") or []]
        self.description = str(cfg.get("description") or "")
        self._runs_dir: str | None = None

    def describe(self) -> str:
        return f"ssh {self._target()}" + (f" port {self.port}" if self.port else "")

    def _target(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    def _ssh_args(self) -> list[str]:
        args = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}", "-o", "LogLevel=ERROR",
                *self.ssh_options]
        if self.port:
            args += ["-p", str(self.port)]
        if self.key:
            args += ["-i", self.key]
        return args

    def _ssh(self, remote_cmd: str, *, tty: bool = False, quiet: bool = False) -> list[str]:
        # quiet: ssh's own messages (not the remote command's) are left out
        extra = (["-t"] if tty else []) + (["-o", "LogLevel=QUIET"] if quiet else [])
        return ["ssh", *extra, *self._ssh_args(), self._target(), remote_cmd]

    def _guild(self, args: list[str]) -> str:
        """The remote shell command running guild with `args`."""
        parts = []
        if self.venv:
            parts.append(f". {_remote_path(str(self.venv))}/bin/activate")
        env = ""
        if self.guild_home:  # made on first use, as a first run makes a home here
            home = _remote_path(str(self.guild_home))
            parts.append(f"mkdir -p {home}")
            env = f"GUILD_HOME={home} "
        parts.append(f"{env}guild {shlex.join(args)}")
        return " && ".join(parts)

    def _run(self, cmd: list[str], capture: bool = True, check: bool = True) -> subprocess.CompletedProcess:
        try:
            proc = subprocess.run(cmd, capture_output=capture, text=True, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise GuildError(f"remote '{self.name}': {cmd[0]} is not installed") from None
        if check and proc.returncode == 255:  # ssh's own failure: no connection, auth refused
            detail = (proc.stderr or "").strip().splitlines()
            raise GuildError(f"remote '{self.name}': cannot connect to {self.describe()}"
                             + (f": {detail[-1]}" if detail else ""))
        return proc

    # ---- commands run there

    def guild(self, args: list[str], *, tty: bool = False) -> int:
        """Run `guild ARGS` on the remote, its output shown here; its exit code."""
        proc = self._run(self._ssh(self._guild(args), tty=tty, quiet=True), capture=False, check=False)
        if proc.returncode == 255:
            self._run(self._ssh("true"))  # raises the one-line error with ssh's reason
        return proc.returncode

    def status(self) -> str:
        proc = self._run(self._ssh(self._guild(["--version"])))
        if proc.returncode != 0:
            raise GuildError(f"remote '{self.name}': guild does not run there ({_last_line(proc)})")
        return f"{self.name} ({self.describe()}) is available: {proc.stdout.strip()}"

    def start(self) -> str:
        raise GuildError(f"remote '{self.name}' is a host reached over ssh: it cannot be started from here")

    def stop(self) -> str:
        raise GuildError(f"remote '{self.name}' is a host reached over ssh: it cannot be stopped from here")

    def remote_runs_dir(self) -> str:
        """The remote's runs directory (asking its guild connects: a host down raises here)."""
        if self._runs_dir is None:
            proc = self._run(self._ssh(self._guild(["check"])))
            homes = [line.split(":", 1)[1].strip() for line in proc.stdout.splitlines() if line.startswith("guild_home:")]
            if not homes:
                raise GuildError(f"remote '{self.name}': guild does not run there ({_last_line(proc)})")
            self._runs_dir = homes[0] + "/runs"
        return self._runs_dir

    # ---- copying runs

    def _rsync(self, src: str, dest: str) -> tuple[int, int]:
        """Copy with rsync (changed files only); (files sent, bytes sent)."""
        ssh = shlex.join(["ssh", *self._ssh_args()])
        cmd = ["rsync", "-a", "--copy-links", "--partial", "--delete", "--stats", "-e", ssh, src, dest]
        proc = self._run(cmd, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr or "").strip().splitlines()
            raise GuildError(f"remote '{self.name}': copy failed: {detail[-1] if detail else proc.returncode}")
        return _stat(proc.stdout, "Number of regular files transferred"), _stat(proc.stdout, "Total transferred file size")

    def push(self, runs: list[Run]) -> tuple[list[Run], int, int]:
        """Copy runs to the remote's Guild home; (runs, files sent, bytes sent)."""
        from guild.util.progress import Progress

        remote_runs = self.remote_runs_dir()
        self._run(self._ssh(f"mkdir -p {shlex.quote(remote_runs)}"))
        files = size = 0
        with Progress("Pushing runs", len(runs), unit="runs") as progress:
            for run in runs:
                f, s = self._rsync(run.path.rstrip("/") + "/", f"{self._target()}:{remote_runs}/{run.id}/")
                files, size = files + f, size + s
                progress.advance()
        return runs, files, size

    def pull(self, run_ids: list[str], runs_dir: str) -> tuple[list[str], int, int]:
        """Copy the remote's runs `run_ids` into `runs_dir`; (ids, files fetched, bytes fetched)."""
        from guild.store import journal
        from guild.store.run import incomplete_path

        from guild.util.progress import Progress

        remote_runs = self.remote_runs_dir()
        pulled = []
        files = size = 0
        with Progress("Pulling runs", len(run_ids), unit="runs") as progress:
            for run_id in run_ids:
                final = os.path.join(runs_dir, run_id)
                target = final if os.path.isdir(final) else incomplete_path(final)
                os.makedirs(target, exist_ok=True)
                f, s = self._rsync(f"{self._target()}:{remote_runs}/{run_id}/", target.rstrip("/") + "/")
                files, size = files + f, size + s
                if not os.path.exists(os.path.join(target, ".guild", "opref")):
                    raise GuildError(f"remote '{self.name}' has no run {run_id}")
                if target != final:
                    os.rename(target, final)
                journal.note_change(final, run_id)
                pulled.append(run_id)
                progress.advance()
        return pulled, files, size

    def remote_run_ids(self, specs: list[str], extra: list[str]) -> list[str]:
        """Full ids of the remote runs `specs` (and filter args `extra`) select there."""
        args = ["select", "--all", *extra, *(specs or [":"])]
        proc = self._run(self._ssh(self._guild(args)))
        if proc.returncode != 0:
            raise GuildError((proc.stderr or "").strip().removeprefix("guild: ") or "cannot select remote runs")
        return [line.strip() for line in proc.stdout.splitlines() if line.strip()]

    # ---- runs started there

    def run_staged(self, run: Run, *, background: bool = False) -> int:
        """Copy the staged `run` to the remote and start it there; the remote exit code."""
        import shutil

        remote_runs = self.remote_runs_dir()
        self._run(self._ssh(f"mkdir -p {shlex.quote(remote_runs)}"))
        self._rsync(run.path.rstrip("/") + "/", f"{self._target()}:{remote_runs}/{run.id}/")
        shutil.rmtree(run.path)  # the run lives there now (guild pull brings it back)
        args = ["run", "--start", run.id, "-y"]
        if background:
            args.append("--background")
        return self.guild(args)


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit {proc.returncode}"


def _stat(rsync_stats: str, name: str) -> int:
    """A figure of rsync's --stats output (`Total transferred file size: 1,234 bytes`)."""
    for line in rsync_stats.splitlines():
        if line.startswith(name + ":"):
            digits = line.split(":", 1)[1].strip().split(" ")[0].replace(",", "")
            return int(digits) if digits.isdigit() else 0
    return 0


def _remote_path(path: str) -> str:
    """A path for the remote shell: `~` left for it to expand, the rest quoted."""
    if path.startswith("~/"):
        return "~/" + shlex.quote(path[2:])
    return shlex.quote(path)
