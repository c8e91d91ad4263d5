"""``python -m tokentrail.sample OUT [--size 100MB] [--seed 1] ...``."""

from __future__ import annotations

from tokentrail.sample.command import main

if __name__ == "__main__":
    raise SystemExit(main())
