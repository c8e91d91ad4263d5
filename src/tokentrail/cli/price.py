"""``tokentrail price`` and ``tokentrail prices`` (filled in by the pricing work)."""

from __future__ import annotations
