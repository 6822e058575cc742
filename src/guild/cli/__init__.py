"""The `guild` command line: argument parsing, one module per command, output formatting.

Commands hold no business logic; each calls into the layers below. Command modules are imported
only when their command runs, so `guild --help` stays fast."""
