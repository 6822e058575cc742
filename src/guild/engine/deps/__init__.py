"""Operation dependencies (`requires:`, dependencies.md): what an op requires (`model`), the flags
its sources add (`opflags`), where each source's files come from (`sources`, `files`, `config`,
`url_cache`) and how they are placed into a run (`resolve`)."""
