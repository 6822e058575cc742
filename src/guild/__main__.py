"""`python -m guild` runs the command line."""

from guild.cli.main import main

main()
