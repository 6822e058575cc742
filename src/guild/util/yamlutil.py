"""YAML as Guild reads and writes it: YAML 1.1 safe semantics, `1e3` read as a float,
PyYAML's C loader/dumper when available. PyYAML is imported lazily (it costs ~20 ms)."""

from __future__ import annotations

import re
from typing import Any

_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)

_loader = None
_dumper = None


def _classes():
    global _loader, _dumper
    if _loader is None:
        import yaml

        base_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        base_dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        class Loader(base_loader):  # type: ignore[misc, valid-type]
            pass

        # Guild reads `1e3` (no dot) as a float; plain YAML 1.1 reads it as a string.
        Loader.yaml_implicit_resolvers = {
            k: [r for r in v if r[0] != "tag:yaml.org,2002:float"]
            for k, v in base_loader.yaml_implicit_resolvers.items()
        }
        Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))

        class Dumper(base_dumper):  # type: ignore[misc, valid-type]
            pass

        # Quote what our loader would not read back as the same string (e.g. '1e3').
        Dumper.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers

        def represent_str(dumper, data):
            if data in ("y", "Y", "n", "N"):
                return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
            return yaml.representer.SafeRepresenter.represent_str(dumper, data)

        Dumper.add_representer(str, represent_str)

        _loader, _dumper = Loader, Dumper
    return _loader, _dumper


def yaml_error_types() -> tuple[type[BaseException], ...]:
    import yaml

    return (yaml.YAMLError,)


def load(text: str | bytes) -> Any:
    """Parse YAML text with Guild's rules."""
    import yaml

    return yaml.load(text, Loader=_classes()[0])


def dump(value: Any, flow: bool = False, width: int | None = None) -> str:
    """Serialize like PyYAML's safe_dump: block style, sorted keys, indent 2.

    Single-char strings y/Y/n/N are quoted so YAML 1.1 readers keep them as strings."""
    import yaml

    dumper = _classes()[1]
    kw: dict[str, Any] = {"default_flow_style": flow, "Dumper": dumper, "allow_unicode": False}
    if width is not None:
        kw["width"] = width
    text = yaml.dump(value, **kw)
    return text


def dump_attr(value: Any) -> str:
    """The text of a run attr file: block YAML, stripped, no `...` end marker, one newline."""
    text = dump(value).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    elif text == "...":
        text = ""
    return text + "\n"


def dump_flow(value: Any) -> str:
    """A one-line YAML flow encoding of `value` (no end marker)."""
    text = dump(value, flow=True, width=10**9).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    return text
