"""The run store: GUILD_HOME, run directories, attrs, status. The on-disk contract with existing
Guild homes (spec runs.md); every read and write under a run's `.guild/` goes through here."""
