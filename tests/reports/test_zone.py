"""The local time zone's name, as reports show it (never a bare "local")."""

from __future__ import annotations

import os

import pytest

from tokentrail.reports import zone
from tokentrail.reports.build import tz_name


def test_tz_env_names_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", ":Europe/Berlin")
    assert tz_name(None) == "Europe/Berlin"


def test_the_system_link_names_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(os, "readlink", lambda p: "/usr/share/zoneinfo/America/New_York")
    assert zone.local_zone_name() == "America/New_York"
    assert tz_name(None) == "America/New_York"


def test_without_a_name_the_offset_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(path: str) -> str:
        raise OSError("not a link")

    real_open = open

    def no_file(path: object, *a: object, **k: object) -> object:
        if path == "/etc/timezone":
            raise OSError("absent")
        return real_open(path, *a, **k)  # type: ignore[call-overload]

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(os, "readlink", no_link)
    monkeypatch.setattr("builtins.open", no_file)
    name = zone.local_zone_name()
    assert name != "local"
    assert name == "UTC" or (name.startswith("UTC") and name[3] in "+-" and name[6] == ":")
