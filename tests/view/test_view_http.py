"""`guild view` over HTTP: the token, 404s for unknown runs and paths outside a run (never their
content, never a 500), the JSON API, the first line of output and a clean Ctrl-C."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("uvicorn")

from _server import ViewServer  # noqa: E402


@pytest.fixture
def home_with_runs(genv):
    genv.write("train.py", "lr = 0.1\nfor i in range(3):\n    print('step: %d' % i)\n    print('loss: %s' % (lr / (i + 1)))\n")
    genv.write("notes.txt", "hello notes\n")
    for lr in (0.1, 0.2):
        assert genv.run("run", "train.py", f"lr={lr}", "-y").rc == 0
    return genv


@pytest.fixture
def view(home_with_runs):
    server = ViewServer(home_with_runs.home, cwd=home_with_runs.project)
    yield server
    server.stop()


def _json(view, path):
    status, body = view.get(path)
    assert status == 200, body
    return json.loads(body)


def test_first_line_is_the_url_with_a_token(view):
    assert view.url.startswith("http://127.0.0.1:") and "/?token=" in view.url
    assert len(view.token) >= 24


def test_no_token_no_data(view):
    for path in ("/", "/api/runs", "/static/app.js", "/api/runs/" + "0" * 32):
        status, body = view.get(path, token=False)
        assert status == 403 and b"loss" not in body and b"guild view" not in body, path
    status, _ = view.get("/api/runs?token=wrong", token=False)
    assert status == 403


def test_runs_api(view, home_with_runs):
    page = _json(view, "/api/runs")
    assert page["total"] == 2
    assert [r["flags"]["lr"] for r in page["runs"]] == [0.2, 0.1]
    assert page["runs"][0]["scalars"]["loss"] == pytest.approx(0.2 / 3, rel=1e-6)
    assert page["columns"] == {"flags": ["lr"], "scalars": ["loss"]}
    page = _json(view, "/api/runs?sort=flag:lr&desc=0")
    assert [r["flags"]["lr"] for r in page["runs"]] == [0.1, 0.2]
    page = _json(view, "/api/runs?filter=lr%20%3E%200.15")
    assert page["total"] == 1
    status, body = view.get("/api/runs?filter=lr%20%3E%3E")
    assert status == 400 and "error" in json.loads(body)


def test_run_detail_scalars_output_and_files(view, home_with_runs):
    run_id = sorted(home_with_runs.run_ids())[0]
    detail = _json(view, f"/api/runs/{run_id}")
    assert detail["id"] == run_id and detail["status"] == "completed"
    assert {f["path"] for f in detail["files"]} >= {"train.py", "notes.txt"}
    assert "train.py" in detail["sourcecode"]
    series = _json(view, f"/api/runs/{run_id}/scalars")["series"]
    assert series["loss"]["steps"] == [0, 1, 2]
    out = _json(view, f"/api/runs/{run_id}/output")
    assert out["text"].startswith("step: 0\n") and out["next"] == len(out["text"].encode())
    assert _json(view, f"/api/runs/{run_id}/output?offset={out['next']}")["text"] == ""
    status, body = view.get(f"/api/runs/{run_id}/files/notes.txt")
    assert (status, body) == (200, b"hello notes\n")
    table = _json(view, f"/api/compare?ids={run_id}")
    assert table["headers"][0] == "run" and table["rows"][0][0] == run_id


def test_unknown_runs_and_outside_paths_are_404(view, home_with_runs):
    run_id = home_with_runs.run_ids()[0]
    outside = os.path.join(home_with_runs.home, "secret.txt")
    with open(outside, "w") as f:
        f.write("secret")
    os.symlink(outside, os.path.join(home_with_runs.runs_dir(), run_id, "link.txt"))
    for path in (f"/api/runs/{'f' * 32}", "/api/runs/not-an-id", f"/api/runs/{'f' * 32}/scalars",
                 f"/api/runs/{run_id}/files/../../secret.txt", f"/api/runs/{run_id}/files/%2e%2e/%2e%2e/secret.txt",
                 f"/api/runs/{run_id}/files//etc/passwd", f"/api/runs/{run_id}/files/link.txt",
                 f"/api/runs/{run_id}/files/nope.txt", "/static/../app.py", "/api/nothing"):
        status, body = view.get(path)
        assert status == 404, (path, status)
        assert b"secret" not in body and b"root:" not in body


def test_ctrl_c_stops_cleanly(home_with_runs):
    server = ViewServer(home_with_runs.home)
    code = server.stop()
    assert code == 0
    assert "Traceback" not in server.proc.stderr.read()


def test_host_all_interfaces_warns(home_with_runs):
    server = ViewServer(home_with_runs.home, "--host", "0.0.0.0")
    try:
        assert server.url.startswith("http://127.0.0.1:")
    finally:
        server.stop()
    assert "WARNING: listening on all interfaces" in server.proc.stderr.read()
