"""The command-line grammar of `guild run` (`RUN_COMMAND`): what the CLI parses, and how the
`run` strings of pipeline steps in guild.yml are read."""

from __future__ import annotations

from guild.util.cmdline import Arg, Command, Opt

RUN_COMMAND = Command(
    path="run",
    help="Run an operation.",
    args=[Arg("args", "*", "[[MODEL:]OPERATION] [FLAG=VAL...]")],
    options=[
        Opt(["-l", "--label"], "label", "value", "Set a label for the run.", "LABEL"),
        Opt(["-t", "--tag"], "tags", "multi", "Associate TAG with run. May be used multiple times.", "TAG"),
        Opt(["-c", "--comment"], "comment", "value", "Comment associated with the run.", "TEXT"),
        Opt(["-e", "--edit-flags"], "edit_flags", "flag", "Use an editor to review and modify flags."),
        Opt(["-d", "--run-dir"], "run_dir", "value", "Use alternative run directory DIR.", "DIR"),
        Opt(["--run-id"], "run_id", "value", "Use ID for the run (default is a new unique ID).", "ID"),
        Opt(["--break"], "break_", "multi", "Set a breakpoint at LOCATION: a line number of the main module, "
            "MODULE:LINE or MODULE.FUNCTION. May be used multiple times.", "LOCATION"),
        Opt(["--break-on-error"], "break_on_error", "flag", "Start a post mortem debug session on an error."),
        Opt(["--test-output-attrs"], "test_output_attrs", "value", "Test output attributes on output.", "OUTPUT"),
        Opt(["-ec", "--edit-comment"], "edit_comment", "flag", "Use an editor to type a run comment."),
        Opt(["--debug-sourcecode"], "debug_sourcecode", "value",
            "Use PATH for the run's source code instead of a copy (for debugging).", "PATH"),
        Opt(["--stage"], "stage", "flag", "Stage an operation."),
        Opt(["--stage-dir"], "stage_dir", "value", "Stage an operation in DIR (implies --stage).", "DIR"),
        Opt(["--start", "--restart"], "restart", "value", "Start a staged run or restart an existing run.", "RUN"),
        Opt(["--proto"], "proto", "value", "Use the operation, flags and source code from RUN.", "RUN"),
        Opt(["--force-sourcecode"], "force_sourcecode", "flag", "Use working source code when --restart or --proto is specified."),
        Opt(["--needed"], "needed", "flag", "Run only if there is not an available matching run."),
        Opt(["-f", "--force-flags"], "force_flags", "flag", "Accept all flag assignments, even for undefined or invalid values."),
        Opt(["--force-deps"], "force_deps", "flag", "Continue even when a required resource is not resolved."),
        Opt(["-D", "--dep"], "additional_deps", "multi", "Include PATH as a dependency.", "PATH"),
        Opt(["--stop-after"], "stop_after", "value", "Stop operation after N minutes.", "N", type=float),
        Opt(["-m", "--max-trials", "--trials"], "max_trials", "value", "Maximum number of trials to run in batch operations.", "N", type=int, min=1),
        Opt(["-o", "--optimizer"], "optimizer", "value", "Optimize the run using the specified algorithm.", "ALGORITHM"),
        Opt(["-O", "--optimize"], "optimize", "flag", "Optimize the run using the default optimizer."),
        Opt(["-N", "--minimize"], "minimize", "value", "Column to minimize when running with an optimizer.", "COLUMN"),
        Opt(["-X", "--maximize"], "maximize", "value", "Column to maximize when running with an optimizer.", "COLUMN"),
        Opt(["-Fo", "--opt-flag"], "opt_flags", "multi", "Flag for OPTIMIZER. May be used multiple times.", "FLAG=VAL"),
        Opt(["--random-seed"], "random_seed", "value", "Random seed used when sampling trials or flag values.", "N", type=int),
        Opt(["--fail-on-trial-error"], "fail_on_trial_error", "flag", "Stop batch operations when a trial exits with an error."),
        Opt(["--stage-trials"], "stage_trials", "flag", "For batch operations, stage trials without running them."),
        Opt(["-j", "--jobs"], "jobs", "value", "For batch operations, run up to N trials at once (default is 1, "
            "or the operation's `jobs`).", "N", type=int, min=1),
        Opt(["--executor"], "executor", "value", "For batch operations, where trials run: `local` (default), "
            "`tcp://HOST:PORT` of a Dask scheduler, or an executor named in the user config.", "ADDRESS"),
        Opt(["--keep-batch"], "keep_batch", "flag", "Keep the batch run after it completes successfully."),
        Opt(["--keep-run"], "keep_run", "flag", "Keep the run even if configured for deletion on success."),
        Opt(["-bl", "--batch-label"], "batch_label", "value", "Label to use for batch runs.", "LABEL"),
        Opt(["-bt", "--batch-tag"], "batch_tags", "multi", "Associate TAG with batch.", "TAG"),
        Opt(["-bc", "--batch-comment"], "batch_comment", "value", "Comment associated with batch.", "TEXT"),
        Opt(["--gpus"], "gpus", "value", "Limit availabe GPUs to DEVICES, a comma separated list of device IDs.", "DEVICES"),
        Opt(["--no-gpus"], "no_gpus", "flag", "Disable GPUs for run."),
        Opt(["-r", "--remote"], "remote", "value", "Run the operation on REMOTE (an ssh remote, see 'guild remotes').", "REMOTE"),
        Opt(["-n", "--no-wait"], "no_wait", "flag", "Don't wait for a remote operation to complete. Ignored if run is local."),
        Opt(["-b", "--background"], "background", "flag", "Run operation in background."),
        Opt(["--pidfile"], "pidfile", "value", "Run operation in background, writing pid to PIDFILE.", "PIDFILE"),
        Opt(["-q", "--quiet"], "quiet", "flag", "Do not show output."),
        Opt(["--print-cmd"], "print_cmd", "flag", "Show operation command and exit."),
        Opt(["--print-env"], "print_env", "flag", "Show operation environment and exit."),
        Opt(["--print-trials"], "print_trials", "flag", "Show trials for batch operations and exit."),
        Opt(["--save-trials"], "save_trials", "value", "Saves generated trials to a CSV batch file.", "PATH"),
        Opt(["--help-op"], "help_op", "flag", "Show operation help and exit."),
        Opt(["--help-model"], "help_model", "flag", "Show model help and exit."),
        Opt(["--test-sourcecode"], "test_sourcecode", "flag", "Test source code selection."),
        Opt(["--test-flags"], "test_flags", "flag", "Test flags."),
        Opt(["--test-output-scalars"], "test_output_scalars", "value", "Test output scalars on output.", "OUTPUT"),
        Opt(["-y", "--yes"], "yes", "flag", "Do not prompt before running operation."),
    ],
)

