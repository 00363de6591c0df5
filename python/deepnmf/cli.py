"""Command line entry point (``deepnmf``)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from .demo import main as demo_main

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        demo_main(args[1:])
        return 0
    print("usage: deepnmf demo [--rank R] [--iters N] [--threads T]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
