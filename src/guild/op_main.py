"""The op process entry point: `<python> -um guild.op_main <spec> [base args] [-- flag args]`.

A thin shim so the command shape stays Guild's; the work is in `guild.runner.python`."""

if __name__ == "__main__":
    from guild.runner.python import main

    main()
