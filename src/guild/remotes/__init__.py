"""Remotes (`remotes:` in the user config, in Guild's format): runs kept in S3 buckets and runs
run on other machines over SSH (`guild push`, `pull`, `runs -r`, `run -r`, `remote status`)."""
