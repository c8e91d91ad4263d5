"""The one planning rule of an incremental ingest (tokentrail.ledger.ingest_plan), shared by
ingest_claude_code and the warm report path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tokentrail.ledger.sync as sync_mod
from tokentrail.ingest.checkpoint import FileCheckpoint, content_hashes
from tokentrail.ingest.discover import SkippedPath
from tokentrail.ingest.found import find_claude_files
from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.ingest_plan import IngestPlan, load_checkpoints, plan_ingest


def _cp(path: Path) -> FileCheckpoint:
    st = os.stat(path)
    head, tail, _ = content_hashes(str(path), st.st_size)
    return FileCheckpoint(
        str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_size, 2, head, tail
    )


def test_each_kind_of_change_is_planned(tmp_path: Path) -> None:
    root = tmp_path / "projects" / "p"
    root.mkdir(parents=True)
    names = ("same", "grown", "touched", "truncated", "replaced", "gone")
    for n in names:
        (root / f"{n}.jsonl").write_bytes(b'{"a": 1}\n{"b": 2}\n')
    known = {str(root / f"{n}.jsonl"): _cp(root / f"{n}.jsonl") for n in names}
    assert plan_ingest(find_claude_files([tmp_path / "projects"]), known).warm
    (root / "new.jsonl").write_bytes(b'{"a": 1}\n')
    with open(root / "grown.jsonl", "ab") as fh:
        fh.write(b'{"c": 3}\n')
    st = os.stat(root / "touched.jsonl")
    os.utime(root / "touched.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    (root / "truncated.jsonl").write_bytes(b'{"a": 1}\n')
    (root / "replaced.jsonl").write_bytes(b'{"z": 9}\n{"b": 2}\n')
    files = find_claude_files([tmp_path / "projects"])
    (root / "gone.jsonl").unlink()  # listed, then gone before its stat: skipped
    plan = plan_ingest(files, known)
    assert not plan.warm
    reads = {Path(found.path).stem: start for found, _, start in plan.reads}
    assert {k: (s.offset, s.reason) for k, s in reads.items()} == {
        "grown": (18, "appended"),
        "truncated": (0, "truncated"),
        "replaced": (0, "replaced"),
        "new": (0, "new"),
    }
    assert [Path(p).stem for p, _, _ in plan.touched] == ["touched"]
    assert plan.touched[0][2] == known[str(root / "touched.jsonl")]
    assert IngestPlan([], []).warm


def test_ingest_plans_with_the_shared_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "projects" / "p"
    root.mkdir(parents=True)
    (root / "s.jsonl").write_bytes(b"not json\n")
    seen: list[IngestPlan] = []

    def spy(files: object, known: object) -> IngestPlan:
        plan = plan_ingest(files, known)  # type: ignore[arg-type]
        seen.append(plan)
        return plan

    monkeypatch.setattr(sync_mod, "plan_ingest", spy)
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        first = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert (first.files_read, len(seen[-1].reads)) == (1, 1)
        assert load_checkpoints(ledger._db) == ledger.checkpoints()
        second = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert second.files_read == 0
        assert seen[-1].warm
        st = os.stat(root / "s.jsonl")
        os.utime(root / "s.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        third = ingest_claude_code(ledger, [tmp_path / "projects"])
        assert third.files_read == 0
        assert len(seen[-1].touched) == 1
        assert ledger.checkpoints()[str(root / "s.jsonl")].mtime_ns == st.st_mtime_ns + 10**9
        ingest_claude_code(ledger, [tmp_path / "projects"])
        assert seen[-1].warm


def test_all_unchanged_is_the_cheap_half_of_warm(tmp_path: Path) -> None:
    from tokentrail.ledger.ingest_plan import all_unchanged

    root = tmp_path / "projects" / "p"
    root.mkdir(parents=True)
    for n in ("a", "b", "gone"):
        (root / f"{n}.jsonl").write_bytes(b'{"a": 1}\n')
    known = {str(root / f"{n}.jsonl"): _cp(root / f"{n}.jsonl") for n in ("a", "b", "gone")}
    stats = {k: (c.dev, c.ino, c.size, c.mtime_ns) for k, c in known.items()}
    files = find_claude_files([tmp_path / "projects"])
    (root / "gone.jsonl").unlink()  # listed, then gone: skipped by both
    assert all_unchanged(files, stats)
    assert plan_ingest(files, known).warm
    st = os.stat(root / "b.jsonl")
    os.utime(root / "b.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # touched: not warm for the plan either (the checkpoint's stat is refreshed)
    assert not all_unchanged(files, stats)
    assert not plan_ingest(files, known).warm
    (root / "new.jsonl").write_bytes(b"{}\n")
    files = find_claude_files([tmp_path / "projects"])
    stats.pop(str(root / "b.jsonl"))
    assert not all_unchanged(files, stats)


def test_load_stats_matches_the_checkpoints(tmp_path: Path) -> None:
    from tokentrail.ledger.ingest_plan import load_stats

    root = tmp_path / "projects" / "p"
    root.mkdir(parents=True)
    (root / "s.jsonl").write_bytes(b'{"type": "user"}\n')
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        ingest_claude_code(ledger, [tmp_path / "projects"])
        cps = load_checkpoints(ledger._db)
        assert load_stats(ledger._db) == {
            k: (c.dev, c.ino, c.size, c.mtime_ns) for k, c in cps.items()
        }
        assert len(cps) == 1


def test_ingest_reports_skipped_paths_and_empty_roots_in_its_one_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = tmp_path / "full" / "p"
    full.mkdir(parents=True)
    (full / "s.jsonl").write_bytes(b'{"type": "user"}\n')
    (full / "dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    empty = tmp_path / "empty"
    empty.mkdir()
    walks: list[list[str]] = []
    real = sync_mod.find_claude_files

    def counting(roots, **kw):  # type: ignore[no-untyped-def]
        walks.append([str(r) for r in roots])
        return real(roots, **kw)

    monkeypatch.setattr(sync_mod, "find_claude_files", counting)
    skipped: list[SkippedPath] = []
    with SQLiteLedger(tmp_path / "l.sqlite3") as ledger:
        s = ingest_claude_code(ledger, [tmp_path / "full", empty], skipped=skipped)
    assert walks == [[str(tmp_path / "full")], [str(empty)]]
    assert s.files == 1
    assert s.empty_roots == [str(empty)]
    assert [sk.path.name for sk in skipped] == ["dangling.jsonl"]
