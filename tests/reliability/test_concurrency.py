"""50 `guild run`s at once, with listings and deletes going on meanwhile: every run is created
and completes, every listing succeeds, and the home keeps its invariants."""

from __future__ import annotations

import json
import subprocess
import threading

from _checks import GUILD_BIN, home_violations, no_traceback, report

RUNS = 50


def test_fifty_concurrent_runs_with_listings_and_deletes(genv):
    genv.write("op.py", "i = 0\nprint('loss:', i)\n")
    procs = [
        subprocess.Popen([GUILD_BIN, "run", "op.py", f"i={i}", "-y"], cwd=genv.project, env=genv.env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(RUNS)
    ]
    violations: list[str] = []
    listings = []
    stop = threading.Event()

    def list_and_delete() -> None:
        while not stop.is_set():
            r = genv.run("runs", "-a", "--json")
            listings.append(r)
            r2 = genv.run("runs", "delete", "-y", "-Fl", "i=0")  # deletes what it finds, if anything
            listings.append(r2)

    lister = threading.Thread(target=list_and_delete)
    lister.start()
    outputs = [(p.wait(timeout=300), p.stdout.read()) for p in procs]
    stop.set()
    lister.join(timeout=60)
    for i, (code, out) in enumerate(outputs):
        if code != 0:
            violations.append(f"run i={i}: exit {code}: {out[-300:]}")
        violations += no_traceback(f"run i={i}", out)
    for r in listings:
        if r.rc != 0:
            violations.append(f"listing/delete exit {r.rc}: {r.err[-300:]}")
        violations += no_traceback("listing/delete", r.output)
    runs = json.loads(genv.run("runs", "-a", "--json").out)
    trashed = json.loads(genv.run("runs", "-a", "--json", "--deleted").out)
    if len(runs) + len(trashed) != RUNS:
        violations.append(f"{len(runs)} runs + {len(trashed)} deleted, expected {RUNS}")
    if any(r["status"] != "completed" for r in runs + trashed):
        violations.append(f"statuses: {sorted({r['status'] for r in runs + trashed})}")
    violations += home_violations(genv, "after concurrent runs")
    report("50 concurrent runs with listings and deletes", RUNS + len(listings), violations)
