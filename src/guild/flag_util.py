"""What scripts import from Guild's `guild.flag_util`: flag values to and from the text of
`NAME=VALUE` arguments."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def encode_flag_val(value: Any) -> str:
    """`value` as it is written in a `NAME=VALUE` argument (`0.1`, `yes`, `'007'`, `[1, 2]`)."""
    from guild.flags.encode import encode_flag_value

    return encode_flag_value(value)


def decode_flag_val(text: str) -> Any:
    """The value `text` stands for as a flag argument (`0.1` is a float, `yes` is True)."""
    from guild.flags.decode import decode_flag_value

    return decode_flag_value(text)
