#!/usr/bin/env python3
"""`make view-demo`: runs of examples/hello in build/view-demo-home, `guild view` over them, and
screenshots of the runs page and a chart (headless Chromium) in build/view-runs.png and
build/view-chart.png."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GUILD = os.path.join(ROOT, ".venv", "bin", "guild")
HOME = os.path.join(ROOT, "build", "view-demo-home")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(HOME, ignore_errors=True)
    os.makedirs(HOME)
    env = dict(os.environ, GUILD_HOME=HOME, NO_PIP_FREEZE="1")
    project = os.path.join(ROOT, "examples", "hello")
    for args in (["prepare"], ["train", "lr=[0.01,0.03,0.1,0.3]", "epochs=20"], ["pipeline", "lr=0.2"]):
        subprocess.run([GUILD, "run", *args, "-y"], cwd=project, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    view = subprocess.Popen([GUILD, "view", "--no-open"], env=env, stdout=subprocess.PIPE, text=True)
    url = view.stdout.readline().strip()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 640})
            page.goto(url)
            page.wait_for_selector("#runs tbody tr")
            page.screenshot(path=os.path.join(ROOT, "build", "view-runs.png"))
            boxes = page.locator("#runs tbody tr input[type=checkbox]")
            for i in range(min(4, boxes.count())):
                boxes.nth(i).check()
            page.click("#chart-selected")
            page.wait_for_selector(".chart[data-scalar=loss] canvas")
            page.locator(".chart[data-scalar=loss]").screenshot(path=os.path.join(ROOT, "build", "view-chart.png"))
            browser.close()
    finally:
        view.send_signal(signal.SIGINT)
        view.wait(timeout=15)
    print("Screenshots: build/view-runs.png, build/view-chart.png", file=sys.stderr)


if __name__ == "__main__":
    main()
