"""What `guild tensorboard` adds to its log directory beyond the runs' own event files: TensorBoard
HParams data (an experiment naming every flag and compared scalar, and per run a session whose
hparams are its flags) and the images runs saved (`*.png`, `*.jpg`, `*.jpeg`, `*.gif` under the
run directory) as image summaries, tagged by their path in the run.

The summaries are TensorBoard's own protocol buffers (from the installed `tensorboard`, which
`guild tensorboard` needs anyway) framed as event records by `events`."""

from __future__ import annotations

import os
import struct

from guild.scalars import events
from guild.util.files import list_dir

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Iterable

SESSION_FILE = "events.out.tfevents.0000000001.hparams"
EXPERIMENT_FILE = "events.out.tfevents.%010d.experiment"
IMAGES_FILE = "events.out.tfevents.%010d.images.%d"
IMAGES_STATE = ".guild-images"
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".gif")
MAX_IMAGE_BYTES = 32 * 1024 * 1024


def _summary_event(tag: str, plugin_data, wall_time: float) -> bytes:
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.plugins.hparams import metadata

    value = summary_pb2.Summary.Value(tag=tag, metadata=metadata.create_summary_metadata(plugin_data),
                                      tensor=metadata.NULL_TENSOR)
    event = event_pb2.Event(wall_time=wall_time, summary=summary_pb2.Summary(value=[value]))
    return event.SerializeToString()


def _write_events(path: str, records: list[bytes]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    events.write_scalars_file(path, [], records)


def _value(v: Any):
    from google.protobuf import struct_pb2

    if isinstance(v, bool):
        return struct_pb2.Value(bool_value=v)
    if isinstance(v, (int, float)):
        return struct_pb2.Value(number_value=float(v))
    return struct_pb2.Value(string_value="" if v is None else str(v))


def write_session(dest: str, flags: dict[str, Any], started: float | None) -> None:
    """The run's HParams session start (its flags as hparams), once."""
    path = os.path.join(dest, SESSION_FILE)
    if os.path.exists(path):
        return
    from tensorboard.plugins.hparams import metadata, plugin_data_pb2

    info = plugin_data_pb2.SessionStartInfo(start_time_secs=started or 0.0)
    for name, val in flags.items():
        info.hparams[name].CopyFrom(_value(val))
    data = plugin_data_pb2.HParamsPluginData(session_start_info=info)
    _write_events(path, [_summary_event(metadata.SESSION_START_INFO_TAG, data, started or 0.0)])


def session_end_record(exit_status: Any, stopped: float) -> bytes:
    """The run's HParams session end: success or failure by its exit status."""
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    status = api_pb2.STATUS_SUCCESS if exit_status == 0 else api_pb2.STATUS_FAILURE
    data = plugin_data_pb2.HParamsPluginData(
        session_end_info=plugin_data_pb2.SessionEndInfo(status=status, end_time_secs=stopped))
    return _summary_event(metadata.SESSION_END_INFO_TAG, data, stopped)


def write_experiment(logdir: str, flags: Iterable[dict[str, Any]], metrics: Iterable[tuple[str, str]]) -> None:
    """The HParams experiment at the log dir's root: every flag (typed by its values) and
    metric ((group, tag): group is the TensorBoard run under a session, `.guild` for scalars
    a run logged in its `.guild` dir). Written again, under a new name, only when it changed."""
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    values: dict[str, list] = {}
    for run_flags in flags:
        for name, val in run_flags.items():
            values.setdefault(name, []).append(val)
    experiment = api_pb2.Experiment()
    for name in sorted(values):
        experiment.hparam_infos.add(name=name, type=_data_type(values[name], api_pb2))
    for group, tag in sorted(set(metrics)):
        experiment.metric_infos.add(name=api_pb2.MetricName(group=group, tag=tag))
    data = plugin_data_pb2.HParamsPluginData(experiment=experiment).SerializeToString()
    existing = sorted(n for n in list_dir(logdir) if n.endswith(".experiment"))
    if existing:
        with open(os.path.join(logdir, existing[-1]), "rb") as f:
            if data in f.read():
                return
    serial = int(existing[-1].split(".")[3]) + 1 if existing else 1
    event = _summary_event(metadata.EXPERIMENT_TAG, plugin_data_pb2.HParamsPluginData.FromString(data), 0.0)
    _write_events(os.path.join(logdir, EXPERIMENT_FILE % serial), [event])
    for name in existing:
        os.remove(os.path.join(logdir, name))


def _data_type(vals: list, api_pb2) -> int:
    if all(isinstance(v, bool) for v in vals):
        return api_pb2.DATA_TYPE_BOOL
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return api_pb2.DATA_TYPE_FLOAT64
    return api_pb2.DATA_TYPE_STRING


def write_images(run_dir: str, dest: str, finished: bool) -> None:
    """Image summaries of the run's image files not shown yet (a new events file per refresh
    that finds any, so TensorBoard reads them as they come). A `finished` run already looked
    at is not looked at again."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    state_path = os.path.join(dest, IMAGES_STATE)
    if finished and os.path.exists(state_path):
        return
    try:
        with open(state_path) as f:
            shown = set(f.read().splitlines())
    except OSError:
        shown = set()
    records = []
    new = []
    for rel, path in _image_files(run_dir):
        st = os.stat(path)
        key = f"{rel}\t{st.st_size}\t{st.st_mtime_ns}"
        if key in shown or st.st_size > MAX_IMAGE_BYTES:
            continue
        with open(path, "rb") as f:
            data = f.read()
        height, width = image_size(data)
        image = summary_pb2.Summary.Image(height=height, width=width, colorspace=3, encoded_image_string=data)
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=rel, image=image)])
        records.append(event_pb2.Event(wall_time=st.st_mtime, step=0, summary=summary).SerializeToString())
        new.append(key)
    if records:
        serial = sum(1 for n in list_dir(dest) if ".images." in n)
        _write_events(os.path.join(dest, IMAGES_FILE % (1, serial)), records)
    os.makedirs(dest, exist_ok=True)
    with open(state_path, "a") as f:  # made even when empty: the run was looked at
        f.write("".join(k + "\n" for k in new))


def _image_files(run_dir: str) -> list[tuple[str, str]]:
    found = []
    for root, dirs, names in os.walk(run_dir):  # links are not followed: a step is a run of its own
        dirs[:] = [d for d in dirs if d != ".guild"]
        for name in names:
            if name.lower().endswith(IMAGE_EXTS):
                path = os.path.join(root, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    found.append((os.path.relpath(path, run_dir), path))
    return sorted(found)


def image_size(data: bytes) -> tuple[int, int]:
    """(height, width) of PNG, GIF and JPEG data; (0, 0) when it cannot tell."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return height, width
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return height, width
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 < len(data) and data[pos] == 0xFF:
            marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):  # start of frame: precision, height, width
                height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
                return height, width
            pos += 2 + length
    return 0, 0

