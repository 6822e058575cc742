"""`guild view` in a real browser (Debian's headless Chromium, driven by Playwright): the runs of
the Guild 0.9 fixture home are listed, a loss chart draws, a run's page opens, and a run started
while the page is open appears without a reload."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile

import pytest

pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from _server import ViewServer  # noqa: E402
from conftest import GUILD_BIN, SHARED  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FIXTURE = os.path.join(SHARED, "fixtures", "guild-home-0.9.tar.gz")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _run(home, project, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env.update(GUILD_HOME=home, NO_PIP_FREEZE="1")
    subprocess.run([GUILD_BIN, "run", *args, "-y"], cwd=project, env=env, check=True, capture_output=True)


@pytest.mark.skipif(not os.path.exists(FIXTURE), reason="fixture home not found")
def test_fixture_home_runs_are_listed(browser, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with tarfile.open(FIXTURE) as tf:
        tf.extractall(home, filter="tar")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["GUILD_HOME"] = str(home)
    listed = subprocess.run([GUILD_BIN, "runs", "-a"], env=env, capture_output=True, text=True).stdout.splitlines()
    server = ViewServer(str(home))
    try:
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector("#runs tbody tr")
        rows = page.locator("#runs tbody tr")
        assert rows.count() == len(listed)
        ids = rows.evaluate_all("rows => rows.map(r => r.dataset.id.slice(0, 8))")
        texts = rows.all_inner_texts()
        for line, short, text in zip(listed, ids, texts):
            assert line.split("]")[0].split(":")[1] == short
            assert line.split()[1] in text  # the operation
    finally:
        server.stop()


def test_chart_run_page_and_live_runs(browser, tmp_path):
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    (project / "train.py").write_text("lr = 0.1\nfor i in range(5):\n    print('step: %d' % i)\n"
                                      "    print('loss: %s' % (1 / (lr * (i + 1))))\n")
    _run(str(home), str(project), "train.py", "lr=0.5")
    server = ViewServer(str(home), cwd=str(project))
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("#runs tbody tr")
        assert page.locator("#runs tbody tr").count() == 1
        page.locator("#runs tbody tr input[type=checkbox]").check()
        page.click("#chart-selected")
        page.wait_for_selector(".chart[data-scalar=loss] canvas")
        assert page.locator(".chart[data-scalar=loss] canvas").bounding_box()["width"] > 100
        page.go_back()
        page.wait_for_selector("#runs tbody tr a.run-link")
        page.locator("a.run-link").first.click()
        page.wait_for_selector("#output")
        page.wait_for_function("document.querySelector('#output').textContent.includes('loss: 0.4')")
        assert "train.py" in page.locator("#sourcecode").inner_text()
        page.goto(server.url)
        page.wait_for_selector("#runs tbody tr")
        _run(str(home), str(project), "train.py", "lr=0.25")  # while the page is open
        page.wait_for_function("document.querySelectorAll('#runs tbody tr').length === 2", timeout=20000)
    finally:
        server.stop()
