"""`guild tensorboard`: serve the selected runs' scalars with TensorBoard, or export them as CSV
(compare-and-scalars.md §7). The log directory is built by `guild.scalars.tblogdir`."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, usage_error
from guild.errors import GuildError

COMMAND = Command(
    "tensorboard",
    "Visualize runs with TensorBoard.",
    options=[
        Opt(["-h", "--host"], "host", "value", metavar="HOST", default="0.0.0.0",
            help="Name of host interface to listen on."),
        Opt(["-p", "--port"], "port", "value", metavar="PORT", type=int, min=0, max=65535,
            help="Port to listen on."),
        Opt(["--include-batch"], "include_batch", help="Include batch runs."),
        Opt(["--refresh-interval"], "refresh_interval", "value", metavar="SECONDS", type=int,
            default=5, min=1, help="Refresh interval (defaults to 5 seconds)."),
        Opt(["--run-name-flags"], "run_name_flags", "value", metavar="FLAGS",
            help="Flags used to name runs."),
        Opt(["-n", "--no-open"], "no_open", help="Don't open TensorBoard in a browser."),
        Opt(["-O"], "tb_options", "multi", metavar="OPTION=VALUE",
            help="An option passed to TensorBoard as --OPTION=VALUE."),
        Opt(["--skip-images"], "skip_images", help="Don't show run images."),
        Opt(["--skip-hparams"], "skip_hparams", help="Don't show HParams for runs."),
        Opt(["--tab"], "tab", "value", metavar="TAB", help="Open TensorBoard with TAB selected."),
        Opt(["--export-scalars"], "export_scalars", "value", metavar="PATH",
            help="Export scalars to PATH as CSV ('-' for stdout) and exit."),
        Opt(["--keep-logdir"], "keep_logdir", hidden=True),
        Opt(["--test-logdir"], "test_logdir", hidden=True),
        Opt(["--dark-mode"], "dark_mode", hidden=True),
        Opt(["--runs-infile"], "runs_infile", "value", hidden=True),
    ] + runsel.FILTER_OPTIONS,
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    tb_argv = _tb_options(args.tb_options)
    if args.port is not None and not 0 <= args.port <= 65535:
        raise usage_error(
            COMMAND, f"Invalid value for '-p' / '--port': {args.port} is not in the range 0<=x<=65535.")
    if args.export_scalars is not None:
        return _export_scalars(_select(args), args.export_scalars)
    program, version = _import_tensorboard()
    import tempfile

    print("Preparing runs for TensorBoard")
    sys.stdout.flush()
    logdir = tempfile.mkdtemp(prefix="guild-tensorboard-")
    try:
        _refresh(args, logdir)
        if args.test_logdir:
            print(logdir)
            return 0
        return _serve(args, program, version, logdir, tb_argv)
    finally:
        if not args.keep_logdir and not args.test_logdir:
            import shutil

            shutil.rmtree(logdir, ignore_errors=True)


def _tb_options(options: list[str]) -> list[str]:
    argv = []
    for opt in options:
        name, eq, val = opt.partition("=")
        if not eq or not name:
            raise GuildError(f"invalid TensorBoard option '{opt}' - must be OPTION=VALUE")
        argv.append(f"--{name}={val}")
    return argv


def _import_tensorboard():
    try:
        from tensorboard import program
        from tensorboard import version
    except ImportError:
        raise GuildError(
            "TensorBoard is not installed",
            hint="Install it with 'pip install tensorboard' (or, in a checkout of guild, "
                 "pip install -e '.[tensorboard]').") from None
    return program, version.VERSION


def _select(args):
    runs = runsel.select_runs(args, COMMAND)
    if not args.include_batch:
        runs = [r for r in runs if r.batch_proto is None]
    return runs


def _refresh(args, logdir: str) -> None:
    from guild import api
    from guild.scalars import tblogdir

    flags = _run_name_flags(args.run_name_flags)
    cache = api.scalar_cache()
    tblogdir.sync_logdir(logdir, [(run, _run_name(run, flags)) for run in _select(args)],
                         with_time=not args.skip_hparams, hparams=not args.skip_hparams,
                         images=not args.skip_images, scalar_cache=cache)
    if cache is not None:
        cache.save()  # each refresh: this process serves until stopped


def _run_name_flags(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [f for f in value.replace(",", " ").split() if f]


def _run_name(run, flag_names: list[str] | None) -> str:
    from guild.scalars.tblogdir import run_dir_name
    from guild.store.describe import operation_desc
    from guild.util import clock

    if flag_names is None:
        label = run.get("label")
        label = "" if label is None else str(label)
    else:
        from guild.flags.encode import flag_assign

        flags = run.get("flags") or {}
        label = " ".join(flag_assign(name, flags.get(name)) for name in flag_names)
    started = run.get("started")
    started = clock.format_timestamp(started)
    return run_dir_name(run.short_id, operation_desc(run), started, label)


def _serve(args, program, version: str, logdir: str, tb_argv: list[str]) -> int:
    import signal
    import time

    port = args.port or _free_port(args.host)
    tb = program.TensorBoard()
    tb.configure(argv=[None, "--logdir", logdir, "--host", args.host, "--port", str(port),
                       "--reload_interval", str(args.refresh_interval),
                       # the pure-Python loader: no data-server process, no start-up NOTE
                       "--load_fast=false", *tb_argv])
    try:
        tb.launch()
    except program.TensorBoardServerException as e:
        raise GuildError(f"cannot start TensorBoard: {e.msg}") from None
    except SystemExit:  # the server printed why (e.g. an unknown host) and exited
        raise GuildError(f"cannot start TensorBoard on {args.host}:{port}") from None
    url = f"http://{_display_host(args.host)}:{port}"
    sys.stderr.write(f"Running TensorBoard {version} at {url} (Type Ctrl+C to quit)\n")
    sys.stderr.flush()
    if not args.no_open:
        _open_browser(url + (f"#{args.tab}" if args.tab else ""))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(args.refresh_interval)
            _refresh(args, logdir)
    except KeyboardInterrupt:
        return 0


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind(("" if host == "0.0.0.0" else host, 0))
        return s.getsockname()[1]


def _display_host(host: str) -> str:
    if host == "0.0.0.0":
        import socket

        return socket.gethostname()
    return host


def _open_browser(url: str) -> None:
    import webbrowser

    try:
        webbrowser.open(url)
    except Exception:
        pass


def _export_scalars(runs, path: str) -> int:
    import csv

    from guild.scalars.tblogdir import export_rows

    def write(f) -> None:
        writer = csv.writer(f)
        writer.writerow(["run", "path", "tag", "value", "step"])
        writer.writerows(export_rows(runs))

    if path == "-":
        write(sys.stdout)
        return 0
    try:
        f = open(path, "w", newline="")
    except OSError as e:
        raise GuildError(f"error opening {path}: {e}") from None
    with f:
        write(f)
    return 0
