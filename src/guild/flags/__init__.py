"""Flag values: decoding `NAME=VAL` text (decode), encoding values for display, argv and env
(encode), resolving and validating final values against flag definitions (validate), search
values and flag functions (search), and the `--help-op` text (help_op).

A flag definition ("flagdef") is the plain dict of guild.yml keys (`default`, `type`, `choices`...)."""
