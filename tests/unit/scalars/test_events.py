"""Event files: byte format of the spec, round trips through TensorBoard's reader and ours,
tolerance of damaged files, discovery of sources, and the Guild 0.9 fixture home."""

from __future__ import annotations

import glob
import math
import os
import socket
import struct
import tarfile

import pytest

from guild.scalars import events
from guild.scalars.events import EventWriter, find_sources, iter_attrs, iter_events

SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared"))
FIXTURE_HOME = os.path.join(SHARED, "fixtures", "guild-home-0.9.tar.gz")


def test_crc32c_vectors():
    assert events.crc32c(b"123456789") == 0xE3069283
    assert struct.pack("<I", events.masked_crc32c(b"\x0f" + b"\x00" * 7)).hex() == "6d532b09"
    data = bytes.fromhex("1a0d627261696e2e4576656e743a32")
    assert struct.pack("<I", events.masked_crc32c(data)).hex() == "fc985129"


def _records_hex(path):
    return [r.hex() for r in events.iter_records(path)]


def test_writer_bytes_match_spec(tmp_path):
    w = EventWriter(str(tmp_path))
    w.add_scalar("loss", 1.0, 0, wall_time=struct.unpack("<d", bytes.fromhex("db212c063fc1da41"))[0])
    w.add_scalar("loss", 0.5, 10, wall_time=struct.unpack("<d", bytes.fromhex("8c3b3a063fc1da41"))[0])
    w.close()
    with open(w.path, "rb") as f:
        raw = f.read().hex()
    assert raw == (
        "0f00000000000000" "6d532b09" "1a0d627261696e2e4576656e743a32" "fc985129"
        "1800000000000000" "a37f4b22" "09db212c063fc1da412a0d0a0b0a046c6f7373150000803f" "9754b656"
        "1a00000000000000" "129bd82d" "098c3b3a063fc1da41100a2a0d0a0b0a046c6f7373150000003f" "be2fff7f"
    )


def test_attr_record_bytes_match_spec(tmp_path):
    w = EventWriter(str(tmp_path), ".attrs")
    w.add_text("note", "hello", wall_time=1.0)
    w.close()
    data = list(events.iter_records(w.path))[1]
    assert data.hex() == (
        "09" + struct.pack("<d", 1.0).hex()
        + "2a1f0a1d0a046e6f7465420b08071200420568656c6c6f4a080a060a0474657874"
    )
    assert list(iter_attrs(w.path)) == [("note", "hello")]


def test_writer_file_name_is_lazy_and_counted(tmp_path):
    a = EventWriter(str(tmp_path / "logs"))
    b = EventWriter(str(tmp_path / "logs"), ".attrs")
    assert not os.path.exists(tmp_path / "logs")
    b.add_text("x", "y")
    a.add_scalar("loss", 1.0, 0)
    a.close(), b.close()
    host, pid = socket.gethostname(), os.getpid()
    na, nb = os.path.basename(a.path), os.path.basename(b.path)
    ta, _, rest = na[len("events.out.tfevents."):].partition(".")
    assert len(ta) == 10 and ta.isdigit()
    assert rest.startswith(f"{host}.{pid}.")
    ia = int(rest.rsplit(".", 1)[1])
    assert nb.endswith(".attrs")
    ib = int(nb[: -len(".attrs")].rsplit(".", 1)[1])
    assert ia == ib + 1  # the attrs writer wrote first


def test_values_are_float32_and_flushed_per_value(tmp_path):
    w = EventWriter(str(tmp_path))
    w.add_scalar("a", 0.6, 0)
    w.add_scalar("b", 123456789.123, 3)
    w.add_scalar("c", float("inf"), -2)
    # read before close: every value is already on disk
    got = [(t, v, s) for t, v, s, _ in iter_events(w.path)]
    w.close()
    assert got == [("a", 0.6000000238418579, 0), ("b", 123456792.0, 3), ("c", math.inf, -2)]


def test_round_trip_with_tensorboard_reader(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    w = EventWriter(str(tmp_path))
    expected = []
    for step in range(5):
        for tag, val in (("acc", step / 7), ("loss", 1 / (step + 1)), ("sys/cpu", 12.5)):
            w.add_scalar(tag, val, step * 10, wall_time=1000.0 + step)
            expected.append((tag, struct.unpack("<f", struct.pack("<f", val))[0], step * 10))
    w.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert sorted(acc.Tags()["scalars"]) == ["acc", "loss", "sys/cpu"]
    tb = [(tag, e.value, e.step) for tag in ("acc", "loss", "sys/cpu") for e in acc.Scalars(tag)]
    ours = [(t, v, s) for t, v, s, _ in iter_events(w.path)]
    assert sorted(tb) == sorted(expected) == sorted(ours)


def test_reads_tensorboard_written_tensor_scalars(tmp_path):
    """TF2-style scalars (float/double tensors) and unknown fields written by TensorBoard's own
    protobufs are read; text and multi-element tensors are ignored."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    def tensor_value(tag, **kw):
        return summary_pb2.Summary.Value(tag=tag, tensor=tensor_pb2.TensorProto(**kw))

    writer = EventFileWriter(str(tmp_path))
    summaries = [
        (1, [tensor_value("f", dtype=1, float_val=[0.25])]),
        (2, [tensor_value("d", dtype=2, double_val=[0.1])]),
        (3, [tensor_value("c", dtype=1, tensor_content=struct.pack("<f", 1.5))]),
        (4, [tensor_value("multi", dtype=1, float_val=[1.0, 2.0])]),
        (5, [tensor_value("text", dtype=7, string_val=[b"hi"])]),
        (6, [summary_pb2.Summary.Value(tag="s", simple_value=2.0)]),
    ]
    for step, values in summaries:
        writer.add_event(event_pb2.Event(wall_time=5.0, step=step, summary=summary_pb2.Summary(value=values)))
    writer.add_event(event_pb2.Event(wall_time=6.0, step=7))  # no summary
    writer.close()
    [path] = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    assert [(t, v, s) for t, v, s, _ in iter_events(path)] == [
        ("f", 0.25, 1), ("d", 0.1, 2), ("c", 1.5, 3), ("s", 2.0, 6)]


def test_truncated_and_corrupt_files_stop_silently(tmp_path):
    w = EventWriter(str(tmp_path))
    for i in range(3):
        w.add_scalar("x", float(i), i)
    w.close()
    with open(w.path, "rb") as f:
        data = f.read()
    cut = tmp_path / "cut.tfevents.x"
    cut.write_bytes(data[:-3])
    assert [s for _, _, s, _ in iter_events(str(cut))] == [0, 1]
    bad = bytearray(data)
    bad[-10] ^= 0xFF  # inside the last record's data
    badf = tmp_path / "bad.tfevents.x"
    badf.write_bytes(bytes(bad))
    assert [s for _, _, s, _ in iter_events(str(badf))] == [0, 1]
    empty = tmp_path / "empty.tfevents.x"
    empty.write_bytes(b"")
    assert list(iter_events(str(empty))) == []


def test_undecodable_record_raises(tmp_path):
    data = b"\x2a\x7f\x01"  # summary field claims 127 bytes
    path = tmp_path / "events.out.tfevents.1.h.1.0"
    path.write_bytes(events._record(data))
    with pytest.raises(events.EventDecodeError):
        list(iter_events(str(path)))


def _make_run(path, opref=True):
    os.makedirs(os.path.join(path, ".guild"), exist_ok=True)
    if opref:
        with open(os.path.join(path, ".guild", "opref"), "w") as f:
            f.write("guildfile:/p/guild.yml abc '' train\n")


def test_find_sources_follows_only_run_links(tmp_path):
    run = tmp_path / "run"
    step = tmp_path / "step"
    dep = tmp_path / "dep"
    _make_run(str(run))
    _make_run(str(step))
    os.makedirs(dep / "logs")
    for d in (run / ".guild", run / "logs" / "train", step / ".guild", dep / "logs"):
        w = EventWriter(str(d))
        w.add_scalar("loss", 1.0, 0)
        w.close()
    (run / "logs" / "train" / "x.tfevents.profile-empty").write_bytes(b"")
    os.symlink(step, run / "train")
    os.symlink(dep, run / "data")
    os.symlink(run, run / "self")  # a cycle is not walked twice
    sources = {prefix: names for prefix, _d, names in find_sources(str(run))}
    assert sorted(sources) == [".guild", "logs/train", "train/.guild"]
    assert all(n.startswith("events.out.tfevents.") for names in sources.values() for n in names)
    assert len(events.find_event_files(str(run))) == 3


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory):
    if not os.path.exists(FIXTURE_HOME):
        pytest.skip(f"fixture home not found at {FIXTURE_HOME} (needs /work/shared)")
    home = tmp_path_factory.mktemp("fixture-home")
    with tarfile.open(FIXTURE_HOME) as tar:
        tar.extractall(home, filter="tar")
    return str(home)


def test_fixture_home_event_files(fixture_home):
    run = os.path.join(fixture_home, "runs", "6379b761bf6b40fca70481d18e062b35")
    files = events.find_event_files(run)
    assert files and all("/.guild/events.out.tfevents." in f for f in files)
    values = [(t, round(v, 4), s) for f in files for t, v, s, _ in iter_events(f)]
    assert ("loss", 0.3357, 5) in values and ("acc", 0.6843, 5) in values
    assert max(s for _, _, s in values) == 5

