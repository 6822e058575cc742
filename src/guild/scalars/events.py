"""TensorBoard event files without TensorFlow (compare-and-scalars.md §2).

Owns the TFRecord framing (length + masked CRC32C), the few protobuf messages Guild uses
(Event, Summary, Summary.Value, TensorProto, SummaryMetadata), writing scalars and text
attributes (`EventWriter`) and reading them back (`iter_events`, `iter_attrs`)."""

from __future__ import annotations

import os
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Iterator

__all__ = [
    "EventWriter", "EventDecodeError", "write_scalars_file", "iter_events", "iter_attrs", "iter_records",
    "scan_records", "record_scalars",
    "find_event_files", "find_sources", "is_event_file", "crc32c", "masked_crc32c",
]

_FILE_VERSION = b"brain.Event:2"

# ---- CRC32C (Castagnoli, reflected polynomial 0x82F63B78)


def _make_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _make_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---- protobuf encoding


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # int64 two's complement: always 10 bytes
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _len_field(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _event(value: bytes | None, wall_time: float | None, step: int = 0,
           file_version: bytes | None = None) -> bytes:
    parts = []
    if wall_time is not None:
        parts.append(b"\x09" + struct.pack("<d", wall_time))
    if step:
        parts.append(b"\x10" + _varint(step))
    if file_version is not None:
        parts.append(_len_field(3, file_version))
    if value is not None:
        parts.append(_len_field(5, _len_field(1, value)))
    return b"".join(parts)


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


# ---- writing

_file_counter = 0


def _next_file_index() -> int:
    global _file_counter
    n = _file_counter
    _file_counter += 1
    return n


class EventWriter:
    """Appends events to `<log_dir>/events.out.tfevents.<T>.<host>.<pid>.<n><suffix>`.

    The file is created on the first write (so `n`, the per-process counter, follows the order
    in which writers first write) and flushed after every value, so a run stopped early keeps
    what it logged."""

    def __init__(self, log_dir: str, filename_suffix: str = ""):
        self.log_dir = log_dir
        self.filename_suffix = filename_suffix
        self.path: str | None = None
        self._f = None

    def _file(self):
        if self._f is None:
            import time

            os.makedirs(self.log_dir, exist_ok=True)
            name = "events.out.tfevents.%010d.%s.%d.%d%s" % (
                int(time.time()), os.uname().nodename, os.getpid(), _next_file_index(),
                self.filename_suffix)
            self.path = os.path.join(self.log_dir, name)
            self._f = open(self.path, "ab")
            self._f.write(_record(_event(None, None, file_version=_FILE_VERSION)))
        return self._f

    def _write(self, data: bytes) -> None:
        f = self._file()
        f.write(_record(data))
        f.flush()

    def add_scalar(self, tag: str, value: float, step: int = 0, wall_time: float | None = None) -> None:
        """One event with a `simple_value` (stored as float32, as TensorBoard does)."""
        if wall_time is None:
            import time

            wall_time = time.time()
        val = _len_field(1, tag.encode("utf-8")) + b"\x15" + _pack_f32(value)
        self._write(_event(val, wall_time, int(step)))

    def add_text(self, tag: str, text: str, wall_time: float | None = None) -> None:
        """One event with a DT_STRING tensor and the `text` plugin, no step (§2.4 item 3)."""
        if wall_time is None:
            import time

            wall_time = time.time()
        tensor = b"\x08\x07" + _len_field(2, b"") + _len_field(8, text.encode("utf-8"))
        metadata = _len_field(1, _len_field(1, b"text"))
        val = _len_field(1, tag.encode("utf-8")) + _len_field(8, tensor) + _len_field(9, metadata)
        self._write(_event(val, wall_time))

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def __enter__(self) -> "EventWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_scalars_file(path: str, values: list[tuple[str, float, int, float]],
                       raw_events: list[bytes] = ()) -> None:
    """Write a complete event file at `path` (a name of the caller's choosing) holding
    (tag, value, step, wall_time) scalars, then `raw_events` (serialized Event messages);
    written to a temp file and renamed into place."""
    parts = [_record(_event(None, None, file_version=_FILE_VERSION))]
    for tag, value, step, wall_time in values:
        val = _len_field(1, tag.encode("utf-8")) + b"\x15" + _pack_f32(value)
        parts.append(_record(_event(val, wall_time, int(step))))
    parts.extend(_record(data) for data in raw_events)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"".join(parts))
    os.replace(tmp, path)


def _pack_f32(value: float) -> bytes:
    try:
        return struct.pack("<f", value)
    except OverflowError:
        # Out of float32 range: TensorBoard stores infinity.
        return struct.pack("<f", float("inf") if value > 0 else float("-inf"))


# ---- reading


class EventDecodeError(Exception):
    """A record whose CRCs are fine but whose data is not a valid Event message."""


def iter_records(path: str) -> Iterator[bytes]:
    """The data of each record; stops silently at a bad CRC or a cut-off record."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError:
        return
    for data, _end in scan_records(buf, 0):
        yield data


def scan_records(buf: bytes, pos: int) -> Iterator[tuple[bytes, int]]:
    """(data, end offset) of each whole record of `buf` from `pos`; stops silently at a bad CRC
    or a record cut off at the end (one still being written)."""
    end = len(buf)
    unpack = struct.unpack_from
    while pos + 12 <= end:
        (length,) = unpack("<Q", buf, pos)
        (len_crc,) = unpack("<I", buf, pos + 8)
        if masked_crc32c(buf[pos:pos + 8]) != len_crc:
            return
        start = pos + 12
        stop = start + length
        if stop + 4 > end:
            return
        data = buf[start:stop]
        (data_crc,) = unpack("<I", buf, stop)
        if masked_crc32c(data) != data_crc:
            return
        pos = stop + 4
        yield data, pos


def record_scalars(data: bytes) -> Iterator[tuple[str, float, int, float]]:
    """The scalars of one record's data as (tag, value, step, wall_time)."""
    if b"\x2a" not in data:  # cheap skip of events without a summary (file_version...)
        return
    wall_time, step, values = _decode_event(data)
    for value in values:
        scalar = _value_scalar(value)
        if scalar is not None:
            yield scalar[0], scalar[1], step, wall_time


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        try:
            b = buf[pos]
        except IndexError:
            raise EventDecodeError("truncated varint") from None
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise EventDecodeError("varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value) of a message; value is int, bytes or a raw fixed chunk."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _read_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _read_varint(buf, pos)
        elif wire == 1:
            val = buf[pos:pos + 8]
            pos += 8
        elif wire == 2:
            n, pos = _read_varint(buf, pos)
            val = buf[pos:pos + n]
            pos += n
        elif wire == 5:
            val = buf[pos:pos + 4]
            pos += 4
        else:
            raise EventDecodeError(f"unsupported wire type {wire}")
        if pos > end:
            raise EventDecodeError("truncated message")
        yield field, wire, val


def _signed64(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def _decode_event(data: bytes) -> tuple[float, int, list[bytes]]:
    """(wall_time, step, [serialized Summary.Value, ...])."""
    wall_time, step, values = 0.0, 0, []
    for field, wire, val in _fields(data):
        if field == 1 and wire == 1:
            (wall_time,) = struct.unpack("<d", val)
        elif field == 2 and wire == 0:
            step = _signed64(val)
        elif field == 5 and wire == 2:
            for f2, w2, v2 in _fields(val):
                if f2 == 1 and w2 == 2:
                    values.append(v2)
    return wall_time, step, values


def _repeated_numbers(wire: int, val, fmt: str, size: int) -> list[float]:
    if wire == 2:  # packed
        return list(struct.unpack("<%d%s" % (len(val) // size, fmt), val[:len(val) // size * size]))
    return [struct.unpack("<" + fmt, val)[0]]


def _tensor_scalar(tensor: bytes) -> float | None:
    dtype, content, floats, doubles = 0, None, [], []
    for field, wire, val in _fields(tensor):
        if field == 1 and wire == 0:
            dtype = val
        elif field == 4 and wire == 2:
            content = val
        elif field == 5 and wire in (2, 5):
            floats.extend(_repeated_numbers(wire, val, "f", 4))
        elif field == 6 and wire in (1, 2):
            doubles.extend(_repeated_numbers(wire, val, "d", 8))
    if dtype == 1:
        fmt, size, items = "f", 4, floats
    elif dtype == 2:
        fmt, size, items = "d", 8, doubles
    else:
        return None
    if content is not None:
        if len(content) != size:
            return None
        return struct.unpack("<" + fmt, content)[0]
    return items[0] if len(items) == 1 else None


def _value_scalar(value: bytes) -> tuple[str, float] | None:
    tag, result = "", None
    for field, wire, val in _fields(value):
        if field == 1 and wire == 2:
            tag = val.decode("utf-8", "replace")
        elif field == 2 and wire == 5:
            (result,) = struct.unpack("<f", val)
        elif field == 8 and wire == 2 and result is None:
            result = _tensor_scalar(val)
    return None if result is None else (tag, result)


def iter_events(path: str) -> Iterator[tuple[str, float, int, float]]:
    """Scalars of one event file as (tag, value, step, wall_time), in file order (§2.5).

    Stops silently at a bad CRC or truncation; raises EventDecodeError for a record whose
    data cannot be decoded."""
    for data in iter_records(path):
        yield from record_scalars(data)


def iter_attrs(path: str) -> Iterator[tuple[str, str]]:
    """Text attributes of one `.attrs` file as (name, text) (§2.5, last item)."""
    for data in iter_records(path):
        _wall_time, _step, values = _decode_event(data)
        for value in values:
            attr = _value_text(value)
            if attr is not None:
                yield attr


def _value_text(value: bytes) -> tuple[str, str] | None:
    tag, text = "", None
    for field, wire, val in _fields(value):
        if field == 1 and wire == 2:
            tag = val.decode("utf-8", "replace")
        elif field == 8 and wire == 2:
            dtype, strings = 0, []
            for f2, w2, v2 in _fields(val):
                if f2 == 1 and w2 == 0:
                    dtype = v2
                elif f2 == 8 and w2 == 2:
                    strings.append(v2)
            if dtype == 7:
                text = b"".join(strings).decode("utf-8", "replace")
    if text is None:
        return None
    if tag.endswith("/text_summary"):
        tag = tag[: -len("/text_summary")]
    return tag, text


# ---- discovery


def is_event_file(name: str) -> bool:
    """Files read as event files (§2.5)."""
    return "tfevents" in name and not name.endswith(".profile-empty")


def find_sources(run_dir: str) -> list[tuple[str, str, list[str]]]:
    """Scalar sources of a run as (prefix, dir, sorted event file names) (§3.1–3.2).

    Walks top-down and follows a symlinked directory only when it is a run directory
    (pipeline step and batch trial links); other links (dependencies) are not walked."""
    sources: list[tuple[str, str, list[str]]] = []
    seen = {os.path.realpath(run_dir)}
    _walk(run_dir, "", sources, seen)
    return sources


def _walk(path: str, prefix: str, sources: list, seen: set[str]) -> None:
    try:
        it = os.scandir(path)
    except OSError:
        return
    names, subdirs = [], []
    with it:
        for entry in it:
            name = entry.name
            try:
                if entry.is_dir():
                    if entry.is_symlink():
                        if not os.path.exists(os.path.join(entry.path, ".guild", "opref")):
                            continue
                        real = os.path.realpath(entry.path)
                        if real in seen:
                            continue
                        seen.add(real)
                    if not (name == "attrs" and (prefix == ".guild" or prefix.endswith("/.guild"))):
                        # a run's .guild/attrs holds only attr files
                        subdirs.append(name)
                elif ".tfevents." in name:
                    names.append(name)
            except OSError:
                continue
    if names:
        sources.append((prefix, path, sorted(n for n in names if is_event_file(n))))
    for name in sorted(subdirs):
        _walk(os.path.join(path, name), f"{prefix}/{name}" if prefix else name, sources, seen)


def find_event_files(run_dir: str) -> list[str]:
    """Paths of every event file counted as a run's scalars, source by source (§3.1)."""
    return [os.path.join(d, n) for _prefix, d, names in find_sources(run_dir) for n in names]
