"""The `--help-op` text (guildfile-and-run.md §3.6)."""

from guild.flags.help_op import format_help_op

SPEC_FLAGS = {
    "s": {"default": "007"},
    "b": {"default": False},
    "c2": {
        "description": "Choice with descriptions",
        "choices": [
            {"value": "red", "description": "The color red"},
            {"value": "blue", "alias": "B", "description": "The color blue"},
        ],
    },
    "r": {"description": "A required flag", "required": True},
}


def test_spec_example():
    assert format_help_op("echo", None, SPEC_FLAGS) == (
        "Usage: guild run [OPTIONS] echo [FLAG]...\n"
        "\n"
        "Use 'guild run --help' for a list of options.\n"
        "\n"
        "Flags:\n"
        "  b   (default is no)\n"
        "  c2  Choice with descriptions\n"
        "      \n"
        "      Choices:\n"
        "        red  The color red\n"
        "        B    The color blue\n"
        "\n"
        "  r   A required flag (required)\n"
        "  s   (default is '007')\n"
    )


def test_description_and_simple_choices():
    flagdefs = {
        "lr": {"description": "Learning rate", "default": 0.1},
        "layers": {"default": "1 2"},
        "req": {"required": True},
        "opt": {"choices": ["a", "b", 1], "default": "a"},
        "plain": {},
    }
    assert format_help_op("m1:train", "Train a model\n\nMore about it.", flagdefs) == (
        "Usage: guild run [OPTIONS] m1:train [FLAG]...\n"
        "\n"
        "Train a model\n"
        "\n"
        "More about it.\n"
        "\n"
        "Use 'guild run --help' for a list of options.\n"
        "\n"
        "Flags:\n"
        "  layers  (default is '1 2')\n"
        "  lr      Learning rate (default is 0.1)\n"
        "  opt     (default is a)\n"
        "          \n"
        "          Choices:  a, b, 1\n"
        "\n"
        "  plain\n"
        "  req     (required)\n"
    )


def test_no_flags():
    assert format_help_op("hello", "Say hello", {}) == (
        "Usage: guild run [OPTIONS] hello [FLAG]...\n\nSay hello\n\nUse 'guild run --help' for a list of options.\n"
    )


def test_long_help_wraps_and_long_names_go_on_their_own_line():
    long_name = "a" * 31
    text = format_help_op("op", None, {"x": {"description": "word " * 30}, long_name: {"default": 1}})
    lines = text.rstrip("\n").split("\n")
    flag_lines = lines[lines.index("Flags:") + 1:]
    assert flag_lines[0] == "  " + long_name
    assert flag_lines[1] == " " * 34 + "(default is 1)"
    assert flag_lines[2].startswith("  x" + " " * 31 + "word word")
    assert all(len(line) <= 78 for line in flag_lines)
    assert flag_lines[3].startswith(" " * 34 + "word")
