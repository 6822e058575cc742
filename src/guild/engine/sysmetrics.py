"""System metrics while a run goes (Guild's cpu, memory, disk and gpu plugins): a thread of the
`guild run` process, never the op's, samples `sys/...` scalars every `interval` seconds and once
more when the op exits (so a short run has one sample too). As with Guild, they are written into
the run's event files when the run logs summaries of its own (event files written by its process,
not only the output scalars guild writes for it); `sys-metrics: always` writes them for every run.

Figures come from /proc and statvfs on Linux, from psutil elsewhere when it is installed, and from
NVIDIA's management library (pynvml) when it is installed and finds GPUs. The op's `plugins`
(GUILD_PLUGINS) choose what is sampled (`plugins: no` in guild.yml: nothing); the user config
turns sampling off, on for every run, or sets the interval:

    sys-metrics: no            # or: always
    sys-metrics:
      interval: 10             # seconds (default 5)
      always: yes
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

DEFAULT_INTERVAL = 5.0


class Sampler:
    def __init__(self, log_dir: str, fs_path: str, kinds: set[str], interval: float, always: bool):
        import threading

        self.log_dir = log_dir
        self.fs_path = fs_path
        self.kinds = kinds
        self.interval = interval
        self._write = always  # else: once the run logs summaries of its own
        self._pending: list[tuple[int, dict[str, float]]] = []
        self._cpu_last = _cpu_times() if "cpu" in kinds else None
        self._step = 0
        self._writer = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="guild-sys-metrics", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.wait(self.interval):
            self._sample()
        self._sample()

    def stop(self) -> None:
        """Take the last sample and wait for the thread."""
        self._done.set()
        self._thread.join()
        if self._writer is not None:
            self._writer.close()

    def _sample(self) -> None:
        values = {}
        try:
            if self._cpu_last is not None:
                now = _cpu_times()
                values.update(_cpu_util(self._cpu_last, now))
                self._cpu_last = now
            if "memory" in self.kinds:
                values.update(_memory())
            if "disk" in self.kinds:
                values.update(_disk(self.fs_path))
            if "gpu" in self.kinds:
                values.update(_gpus())
        except Exception:  # a figure that cannot be read is left out, never the run
            pass
        if not values:
            return
        self._pending.append((self._step, values))
        self._step += 1
        if not self._write:
            self._write = _logs_summaries(self.fs_path)
            if not self._write:
                return
        if self._writer is None:
            from guild.scalars.events import EventWriter

            self._writer = EventWriter(self.log_dir)
        for step, sample in self._pending:
            for tag, value in sample.items():
                self._writer.add_scalar(f"sys/{tag}", value, step)
        self._pending.clear()


def start(run_guild_dir: str, run_dir: str, env: dict[str, str], is_runner: bool) -> Sampler | None:
    """A sampler for the run, or None when no metric is on (plugins off, sampling switched
    off in the user config, or a batch/pipeline process, whose trials and steps sample)."""
    if is_runner or env.get("NO_SYS_METRICS") == "1":
        return None
    plugins = set(filter(None, env.get("GUILD_PLUGINS", "").split(",")))
    kinds = plugins & {"cpu", "memory", "disk", "gpu"}
    if "cpu" in plugins and _nvml() is not None:
        kinds.add("gpu")  # with the default plugins, as Guild's gpu plugin did where GPUs are
    if not kinds:
        return None
    setting = _configured()
    if setting is None:
        return None
    return Sampler(run_guild_dir, run_dir, kinds, *setting)


def _configured() -> tuple[float, bool] | None:
    """(interval, always) from the user config (None: sampling is off)."""
    from guild.store.home import user_config

    try:
        setting: Any = user_config().get("sys-metrics", True)
    except Exception:
        return DEFAULT_INTERVAL, False  # a config this cannot read is reported where it is read for real
    if setting is False or setting == "off":
        return None
    if setting == "always":
        return DEFAULT_INTERVAL, True
    if isinstance(setting, dict):
        try:
            interval = max(0.1, float(setting.get("interval", DEFAULT_INTERVAL)))
        except (TypeError, ValueError):
            interval = DEFAULT_INTERVAL
        return interval, setting.get("always") is True
    return DEFAULT_INTERVAL, False


def _logs_summaries(run_dir: str, max_depth: int = 4) -> bool:
    """Whether the run wrote event files of its own (those of this process, the output scalars
    guild writes for it, do not count); links (dependencies) are not followed."""
    from guild.scalars.events import is_event_file

    own = f".{os.getpid()}."
    base = run_dir.rstrip(os.sep).count(os.sep)
    for root, dirs, names in os.walk(run_dir):
        if any(is_event_file(n) and own not in n for n in names):
            return True
        if root.count(os.sep) - base >= max_depth:
            dirs[:] = []
    return False


def _cpu_times() -> tuple[float, float] | None:
    """(busy, total) CPU time so far."""
    try:
        with open("/proc/stat") as f:
            fields = [float(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return _psutil_cpu_times()
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def _psutil_cpu_times() -> tuple[float, float] | None:
    try:
        import psutil
    except ImportError:
        return None
    t = psutil.cpu_times()
    total = sum(t)
    return total - t.idle - getattr(t, "iowait", 0.0), total


def _cpu_util(last: tuple[float, float] | None, now: tuple[float, float] | None) -> dict[str, float]:
    if last is None or now is None or now[1] <= last[1]:
        return {}
    return {"cpu_util": 100.0 * (now[0] - last[0]) / (now[1] - last[1])}


def _memory() -> dict[str, float]:
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: float(line.split()[1]) * 1024 for line in f if ":" in line}
    except OSError:
        return _psutil_memory()
    total = info.get("MemTotal", 0.0)
    avail = info.get("MemAvailable", info.get("MemFree", 0.0))
    values = {}
    if total:
        values.update(mem_util=100.0 * (1 - avail / total), mem_used=total - avail,
                      mem_free=info.get("MemFree", 0.0))
    swap = info.get("SwapTotal", 0.0)
    if swap:
        values["swap_util"] = 100.0 * (1 - info.get("SwapFree", 0.0) / swap)
    return values


def _psutil_memory() -> dict[str, float]:
    try:
        import psutil
    except ImportError:
        return {}
    vm = psutil.virtual_memory()
    return {"mem_util": float(vm.percent), "mem_used": float(vm.used), "mem_free": float(vm.free)}


def _disk(path: str) -> dict[str, float]:
    st = os.statvfs(path)
    if not st.f_blocks:
        return {}
    return {"disk_util": 100.0 * (1 - st.f_bavail / st.f_blocks), "disk_free": float(st.f_bavail * st.f_frsize)}


_NVML: Any = False  # not looked for yet


def _nvml():
    """pynvml, initialised, when it is installed and finds a GPU; else None."""
    global _NVML
    if _NVML is False:
        _NVML = None
        try:
            import pynvml

            pynvml.nvmlInit()
            if pynvml.nvmlDeviceGetCount() > 0:
                _NVML = pynvml
        except Exception:  # not installed, no driver, no GPU
            pass
    return _NVML


def _gpus() -> dict[str, float]:
    nvml = _nvml()
    if nvml is None:
        return {}
    values = {}
    for i in range(nvml.nvmlDeviceGetCount()):
        handle = nvml.nvmlDeviceGetHandleByIndex(i)
        util = nvml.nvmlDeviceGetUtilizationRates(handle)
        mem = nvml.nvmlDeviceGetMemoryInfo(handle)
        values[f"gpu{i}_util"] = float(util.gpu)
        values[f"gpu{i}_mem_util"] = 100.0 * mem.used / mem.total if mem.total else 0.0
        values[f"gpu{i}_mem_used"] = float(mem.used)
        values[f"gpu{i}_temp"] = float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
        values[f"gpu{i}_powerdraw"] = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
    return values
