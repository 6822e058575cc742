"""Run a Python module as `__main__` inside the op process (spec §4.5).

`main()` reads `sys.argv` = `[op_main, <spec>, args...]` and env `FLAGS_DEST`, finds the module
on `sys.path`, hands the flags to it as argv (`args` dests) or as pre-set globals (`globals`,
`dict:NAME`, `global:NAME`, `namespace:NAME`), and runs it. Uncaught exceptions print a
traceback without the runner's frames and exit 1; an uncaught KeyboardInterrupt ends the process
by SIGINT, as Python's own does; `SystemExit` keeps Python's semantics.

Env switches: `NO_SYS_PATH_MODIFY=1` keeps the cwd on `sys.path`; `PDB_BREAKS` (whitespace
separated `[FILE:]LINE` or function locations) runs under pdb; `BREAK_ON_ERROR=1` starts a pdb
post-mortem on an uncaught exception."""


import os
import sys

_RUNNER_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def main() -> None:
    if os.environ.get("NO_SYS_PATH_MODIFY") != "1" and sys.path:
        # The cwd (the run dir) is reached through PYTHONPATH's source code dest instead.
        del sys.path[0]
    if len(sys.argv) < 2:
        sys.stderr.write("guild: missing module spec\n")
        sys.exit(1)
    spec, args = sys.argv[1], sys.argv[2:]
    subdir, _, modname = spec.rpartition("/")
    if subdir:
        sys.path.insert(1, os.path.join(os.getcwd(), subdir))
    found = find_module(modname)
    if found is None:
        sys.stderr.write(f"guild: No module named {modname}\n")
        sys.exit(1)
    path, package = found
    argv, flag_globals = _argv_and_globals(path, args, os.environ.get("FLAGS_DEST") or "args")
    sys.argv = argv
    run_module(path, package, flag_globals)


def find_module(modname: str) -> tuple[str, str | None] | None:
    """(absolute path, package) of `a.b.c` -> `a/b/c.py`, or of a package's `__main__.py`,
    searched along `sys.path`. No `__init__.py` is needed on the way."""
    parts = modname.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    rel = os.path.join(*parts)
    for entry in sys.path:
        base = os.path.join(entry or ".", rel)
        if os.path.isfile(base + ".py"):
            return os.path.abspath(base + ".py"), ".".join(parts[:-1]) or None
        main_path = os.path.join(base, "__main__.py")
        if os.path.isfile(main_path):
            return os.path.abspath(main_path), modname
    return None


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """(base args, flag args), split at the last `--`. Without one, all args are flag args."""
    for i in range(len(args) - 1, -1, -1):
        if args[i] == "--":
            return args[:i], args[i + 1:]
    return [], list(args)


def _argv_and_globals(
    path: str, args: list[str], dest: str
) -> tuple[list[str], dict[str, object]]:
    base, flag_args = split_args(args)
    if dest == "args" or dest.startswith("args:"):
        return [path, *base, *flag_args], {}
    kind, _, name = dest.partition(":")
    if dest == "globals" or (kind in ("dict", "global", "namespace") and name):
        from guild.runner.flagargs import args_to_flags, nest

        flags, extra = args_to_flags(flag_args)
        if dest == "globals" or not flags:
            return [path, *base, *extra], flags
        value = nest(flags)
        return [path, *base, *extra], {name: _namespace(value) if kind == "namespace" else value}
    # `none`, `config:FILE` and unknown dests: the flags do not reach the script as args.
    return [path, *base], {}


def _namespace(value: object) -> object:
    if not isinstance(value, dict):
        return value
    from types import SimpleNamespace

    return SimpleNamespace(**{k: _namespace(v) for k, v in value.items()})


def run_module(path: str, package: str | None, flag_globals: dict[str, object]) -> None:
    """Execute `path` as `__main__` with `flag_globals` pre-set; exits 1 on an uncaught error."""
    import builtins

    module = type(sys)("__main__")
    namespace = module.__dict__
    namespace.update(
        __file__=path, __builtins__=builtins, __package__=package, __spec__=None, __cached__=None,
    )
    try:
        with open(path, "rb") as f:
            source = f.read()
        code = _compile(source, path, flag_globals)
        namespace.update(flag_globals)
        sys.modules["__main__"] = module
        breaks = os.environ.get("PDB_BREAKS")
        if breaks:
            _run_with_breaks(code, namespace, path, breaks.split())
        else:
            exec(code, namespace)
    except SystemExit:
        raise
    except KeyboardInterrupt as e:
        _show_error(e, _trimmed_traceback(e))
        _exit_by_sigint()
    except BaseException as e:
        tb = _trimmed_traceback(e)
        _show_error(e, tb)
        if os.environ.get("BREAK_ON_ERROR") == "1" and tb is not None:
            import pdb

            sys.stderr.write("Entering post mortem debug session\n")
            sys.stderr.flush()
            pdb.post_mortem(tb)
        sys.exit(1)


def _trimmed_traceback(e: BaseException):
    """`e`'s traceback without the runner's frames (set on `e` too: the display uses it)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_RUNNER_DIR):
        tb = tb.tb_next
    e.__traceback__ = tb
    return tb


def _show_error(e: BaseException, tb) -> None:
    sys.excepthook(type(e), e, tb)


def _exit_by_sigint() -> None:
    """End the process as Python does on an uncaught KeyboardInterrupt: killed by SIGINT, so
    the run is recorded `terminated`, not `error`."""
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)
    sys.exit(130)


def _compile(source: bytes, path: str, flag_globals: dict[str, object]):
    if not flag_globals:
        return compile(source, path, "exec", dont_inherit=True)
    from guild.runner import assign

    tree = assign.parse(source, path)
    assign.strip_first_assignments(tree, set(flag_globals))
    return compile(tree, path, "exec", dont_inherit=True)


def _run_with_breaks(code, namespace: dict[str, object], path: str, breaks: list[str]) -> None:
    """Run under pdb with breakpoints (`--break`): `LINE` in the main module, `MODULE:LINE`, or
    `MODULE.FUNCTION` (stops at the function's first line when it is called). A line that is not
    breakable moves to the next breakable one."""
    import pdb

    debugger = pdb.Pdb()
    for loc in breaks:
        where = _break_location(loc, path)
        if where is None:
            debugger.do_break(loc)
            continue
        filename, lineno, funcname = where
        err = debugger.set_break(filename, lineno, funcname=funcname)
        if err:
            print(f"*** {err}", file=sys.stdout)
        else:
            bp = debugger.get_breaks(filename, lineno)[-1]
            print(f"Breakpoint {bp.number} at {filename}:{lineno}", file=sys.stdout)
    # Start running at once instead of stopping on the first line.
    debugger.rcLines.append("continue")
    debugger.runctx(code, namespace, namespace)
    if getattr(debugger, "_user_requested_quit", False):
        _exit_by_sigint()  # quitting the debugger stops the run: it ends terminated


def _break_location(loc: str, main_path: str) -> tuple[str, int, str | None] | None:
    """(file, line, function name or None) of a `--break` location; None to leave it to pdb."""
    if loc.isdigit():
        return main_path, _breakable_line(main_path, int(loc)), None
    module, sep, line = loc.rpartition(":")
    if sep and line.isdigit():
        path = _module_path(module, main_path)
        return (path, _breakable_line(path, int(line)), None) if path else None
    module, _, func = loc.rpartition(".")
    path = _module_path(module, main_path) if module else None
    lineno = _def_line(path, func) if path else None
    return (path, lineno, func) if lineno else None


def _module_path(module: str, main_path: str) -> str | None:
    if module.endswith(".py") and os.path.isfile(module):
        return os.path.abspath(module)
    if module == os.path.splitext(os.path.basename(main_path))[0]:
        return main_path
    found = find_module(module)
    return found[0] if found else None


def _breakable_line(path: str, line: int) -> int:
    """The first line at or after `line` with a statement that does something: not a bare
    constant, name or literal of those (docstrings, `123`, `x`, `{"a": 1}`), nor a comment."""
    import ast

    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return line
    lines = sorted({node.lineno for node in ast.walk(tree)
                    if isinstance(node, ast.stmt) and not (isinstance(node, ast.Expr) and _inert(node.value))})
    later = [n for n in lines if n >= line]
    return later[0] if later else line


def _inert(expr) -> bool:
    import ast

    if isinstance(expr, (ast.Constant, ast.Name)):
        return True
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(_inert(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(k is not None and _inert(k) for k in expr.keys) and all(_inert(v) for v in expr.values)
    return False


def _def_line(path: str, func: str) -> int | None:
    import ast

    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == func:
            return node.lineno
    return None
