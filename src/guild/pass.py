"""`main: guild.pass`: an operation that does nothing (pipelines and tests use it). It defines
no flags and prints nothing."""
