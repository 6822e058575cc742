"""`guild view [RUN...]`: a web page over the selected runs. The first line printed is the URL to
open (with its access token)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "view",
    "Visualize runs in a local web application.",
    args=[runsel.RUNS_ARG],
    options=[
        Opt(["-h", "--host"], "host", "value", metavar="HOST",
            help="Name of host interface to listen on (default is 127.0.0.1: this machine only)."),
        Opt(["-p", "--port"], "port", "value", metavar="PORT", type=int, min=0,
            help="Port to listen on (default is a free port)."),
        Opt(["-n", "--no-open"], "no_open", help="Don't open a browser."),
        *runsel.FILTER_OPTIONS,
    ],
    epilog="""\
  The page lists the runs (sort and filter them, select some), shows a
  run's flags, attributes, output, files and source code, charts the
  selected runs' scalars and compares them. It updates while runs
  go on. Only requests that carry the printed URL's token are served.""",
)


def main(args) -> int:
    import secrets
    import webbrowser

    from guild import api
    from guild.view import server
    from guild.view.app import ViewApp
    from guild.view.data import Source

    server.require_uvicorn()
    host = args.host or "127.0.0.1"
    filter_args = runsel.filter_args(args, COMMAND)
    runsel.run_filter(args, COMMAND)  # a bad filter fails here, not in the page
    ctx = api.context()
    ctx.home  # a missing home fails here
    token = secrets.token_urlsafe(24)
    sock = server.bind(host, args.port or 0)
    port = sock.getsockname()[1]
    url_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{url_host}:{port}/?token={token}"
    print(url, flush=True)
    if host in ("0.0.0.0", "::", ""):
        sys.stderr.write(f"WARNING: listening on all interfaces ({host}): anyone who can reach this machine "
                         "and has the URL can see these runs\n")
    sys.stderr.write("Press Ctrl-C to quit\n")
    sys.stderr.flush()
    if not args.no_open:
        webbrowser.open(url)
    server.serve(ViewApp(Source(ctx, list(args.runs or []), filter_args), token), sock)
    return 0
