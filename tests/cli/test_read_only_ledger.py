"""A ledger this process cannot write (read-only file, folder or file system): reports and
the status line read it as it is, writers say so in one line, and nothing is changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An ingested ledger in a folder this process cannot write: by permissions for a
    normal user, by a read-only bind mount for root (skipped where neither works)."""
    tmp = tmp_path_factory.mktemp("ro")
    gen_tree(tmp / "tree", seed=9, size="300KB")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    src = tmp / "src"
    src.mkdir()
    shutil.copy(env["TOKENTRAIL_LEDGER"], src / "l.sqlite3")  # no -wal / -shm beside it
    mounted = tmp / "mnt"
    mounted.mkdir()
    if os.geteuid() != 0:
        os.chmod(src / "l.sqlite3", 0o444)
        os.chmod(src, 0o555)
        folder = src
    else:
        ok = subprocess.run(["mount", "--bind", str(src), str(mounted)], capture_output=True)
        if ok.returncode != 0:
            pytest.skip("root without a read-only mount: cannot make a read-only ledger")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True)
        folder = mounted
    try:
        yield {**env, "TOKENTRAIL_LEDGER": str(folder / "l.sqlite3")}
    finally:
        if folder is mounted:
            subprocess.run(["umount", str(mounted)], check=False)
        else:
            os.chmod(src, 0o755)


def _digest(env: dict[str, str]) -> tuple[str, list[str]]:
    path = Path(env["TOKENTRAIL_LEDGER"])
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(path.parent))


@pytest.mark.parametrize(
    "args",
    [
        ["daily", "--no-ingest", "-j"],
        ["session", "-j"],
        ["model", "--no-ingest", "--csv"],
        ["blocks", "--no-ingest", "-j"],
    ],
    ids=lambda a: a[0],
)
def test_reports_read_a_read_only_ledger(read_only: dict[str, str], args: list[str]) -> None:
    before = _digest(read_only)
    r = run_cli(args, read_only)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    if "-j" in args:
        assert json.loads(r.stdout)["totals"]["requests"] > 0
    assert _digest(read_only) == before


def test_the_status_line_reads_a_read_only_ledger(read_only: dict[str, str]) -> None:
    r = run_cli(["statusline"], read_only)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("today ")


def test_writers_say_it_is_read_only_in_one_line(read_only: dict[str, str]) -> None:
    before = _digest(read_only)
    r = run_cli(["ingest"], read_only)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "read-only" in r.stderr
    assert _digest(read_only) == before
