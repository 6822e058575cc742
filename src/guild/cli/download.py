"""`guild download URL`: fetch a file into the Guild home's resource cache and print its sha256
and path (the cached copy is used when it is already there)."""

from __future__ import annotations

from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "download",
    "Download a file resource.",
    args=[Arg("url", "1", "URL")],
    options=[Opt(["-p", "--sha256"], "sha256", "value", metavar="HASH",
                 help="Verify the downloaded file against HASH (a sha256 digest).")],
)


def main(args) -> int:
    from guild import api

    sha256, path = api.download(args.url, args.sha256)
    print(f"{sha256} {path}")
    return 0
