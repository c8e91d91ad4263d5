"""Fixtures of :mod:`_web` (a hostile ledger, a running dashboard)."""

from _web import server, web_ledger

__all__ = ["server", "web_ledger"]
