"""`guild run [OPTIONS] [[MODEL:]OPERATION] [FLAG=VAL...]`: parse options, ask the API to prepare
the run, show what is asked for (help, commands, trials, the prompt), then start it."""

from __future__ import annotations

import sys

from guild.engine.run_command import RUN_COMMAND
from guild.util.text import shell_join, shell_quote

COMMAND = RUN_COMMAND


def main(args) -> int:
    from guild import api

    opts = _run_options(args)
    api.check_run_options(opts)
    if opts.remote:
        opts.stage = True  # staged here, started there
    ctx = api.context(env=_debug_env())
    if opts.help_model:
        sys.stdout.write(api.model_help(opts.opspec, ctx))
        return 0
    if opts.help_op:
        sys.stdout.write(api.op_help(opts.opspec, ctx))
        return 0
    if opts.test_output_scalars or opts.test_output_attrs:
        _test_output(opts, ctx)
        return 0
    if opts.test_flags:
        script_flags, flags = api.flags_report(opts.opspec, ctx)
        sys.stderr.write(script_flags)
        sys.stdout.write(flags)
        return 0
    if opts.edit_comment:
        from guild.cli import editor

        opts.comment = editor.edit(_COMMENT_HELP) or opts.comment
    try:
        prepared = api.prepare(opts, ctx)
        if opts.edit_flags:
            opts.flags = _edited_flags(prepared)
            prepared = api.prepare(opts, ctx)
    except api.RunAmbiguous as e:
        from guild.cli.runsel import ambiguous_error

        raise ambiguous_error(e.spec, e.runs) from None
    if opts.print_trials or opts.save_trials:
        return _print_or_save_trials(prepared, opts)
    if opts.print_cmd:
        for argv in prepared.commands():
            print(shell_join(argv))
            sys.stdout.flush()
        return 0
    if opts.print_env:
        env = prepared.environment()
        for name in sorted(env):
            print(f"{name}={shell_quote(env[name])}")
        return 0
    if opts.test_sourcecode:
        sys.stdout.write(prepared.sourcecode())
        return 0
    if prepared.skip is not None:
        print("\n".join(prepared.skip.lines()))
        return 0
    if opts.remote:
        return _run_on_remote(prepared, opts)
    if not opts.yes:
        from guild.cli.confirm import confirm

        if not confirm(prepared.prompt):
            return 0
    run = prepared.start()
    if opts.stage:
        _print_staged(prepared, run)
        return 0
    if prepared.pidfile:
        print(f"{prepared.op_desc} started in background as {run.id} (pidfile {prepared.pidfile})")
        return 0
    return api.exit_code(run)


def _run_on_remote(prepared, opts) -> int:
    """Stage the run here, then start it on the remote (its output streamed back unless
    --no-wait/--background): the remote guild's exit code."""
    from guild.remotes.config import remote_for

    remote = remote_for(opts.remote)
    if remote.kind != "ssh":
        from guild.errors import GuildError

        raise GuildError(f"remote '{remote.name}' only stores runs: operations run on ssh remotes")
    remote.remote_runs_dir()  # reach it before anything is staged here
    if not opts.yes:
        from guild.cli.confirm import confirm

        first, _, rest = prepared.prompt.partition("\n")
        prompt = f"{first.replace('about to stage', 'about to run', 1)} on {remote.name}\n{rest}"
        if not confirm(prompt):
            return 0
    run = prepared.start()
    background = opts.no_wait or opts.background
    code = remote.run_staged(run, background=background)
    if background and code == 0:
        print(f"To watch its output, run 'guild watch -r {remote.name} {run.id[:8]}'")
    return code


def _debug_env() -> dict[str, str] | None:
    """With `guild --debug`, ops run with LOG_LEVEL=10 too."""
    from guild.util import log

    return {"LOG_LEVEL": "10"} if log.debug_enabled() else None


def _run_options(args):
    from guild.engine.options import RunOptions

    data = dict(args)
    stage_dir = data.pop("stage_dir", None)
    if stage_dir:
        data.update(stage=True, run_dir=stage_dir)
    positionals = data.pop("args")
    if positionals and "=" not in positionals[0] and not positionals[0].startswith("@"):
        data["opspec"] = positionals[0]
        data["flags"] = positionals[1:]
    else:
        data["flags"] = positionals
    return RunOptions.from_mapping(data)


_COMMENT_HELP = "\n# Type a comment for the run. Lines starting with '#' are ignored.\n"


def _edited_flags(prepared) -> list[str]:
    """`NAME=VALUE` args of the flags as the user leaves them in their editor (`--edit-flags`)."""
    from guild.cli import editor
    from guild.errors import GuildError
    from guild.flags.encode import flag_assign
    from guild.util import yamlutil

    plan = getattr(prepared, "proto_plan", prepared.plan)
    text = ("# Edit the flags of the run below; lines starting with '#' are ignored.\n"
            + yamlutil.dump_attr(plan.flags))
    edited = editor.edit(text, ".yml")
    try:
        flags = yamlutil.load(edited) if edited else {}
    except yamlutil.yaml_error_types() as e:
        raise GuildError(f"invalid flags: {e}") from None
    if not isinstance(flags, dict):
        raise GuildError("invalid flags: expected NAME: VALUE lines")
    return [flag_assign(str(name), value) for name, value in flags.items()]


def _test_output(opts, ctx) -> None:
    """`--test-output-scalars SOURCE` / `--test-output-attrs SOURCE` (`-` for stdin)."""
    from guild import api
    from guild.errors import GuildError

    source = opts.test_output_scalars or opts.test_output_attrs
    if source == "-":
        lines = sys.stdin
    else:
        try:
            lines = open(source, encoding="utf-8", errors="replace")
        except OSError as e:
            raise GuildError(f"cannot read {source}: {e.strerror}") from None
    out = sys.stdout
    if opts.test_output_attrs:
        for line, attrs in api.output_attr_matches(opts.opspec, lines, ctx):
            out.write(line + "\n")
            out.write("".join(f"  {key}: {text}\n" for key, text in attrs) or "  <no attributes>\n")
            out.flush()
        return
    for line, found in api.output_scalar_matches(opts.opspec, lines, ctx):
        out.write(line + "\n")
        for pattern, matches in found:
            out.write(f"  {pattern}: {matches}\n")
        out.flush()


def _print_or_save_trials(prepared, opts) -> int:
    from guild.errors import GuildError

    if not hasattr(prepared, "trials"):
        raise GuildError(f"cannot {'print' if opts.print_trials else 'save'} trials for a non-batch operation")
    trials = prepared.trials()
    if opts.print_trials:
        from guild.batch.preview import trials_table

        rows = trials_table(trials)
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        for row in rows:
            sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n")
        return 0
    import os

    from guild import api
    from guild.util.files import tilde_path

    print(f"Saving trials to {tilde_path(os.path.abspath(os.path.expanduser(opts.save_trials)))}")
    api.save_trials(trials, opts.save_trials)
    return 0


def _print_staged(prepared, run) -> None:
    opts = prepared.opts
    if opts.run_dir:
        cmd = shell_join(next(prepared.commands()))
        print(f"{prepared.op_desc} staged in '{run.path}'")
        print(f"To start the operation, use \"(cd '{run.path}' && source .guild/ENV && {cmd})\"")
    else:
        from guild.store.describe import operation_desc

        print(f"{operation_desc(run)} staged as {run.id}")
        print(f"To start the operation, use 'guild run --start {run.id}'")
