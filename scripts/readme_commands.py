"""Regenerate the shown output of every command example in README.md and docs/ from real runs.

    python scripts/readme_commands.py          # rewrite the outputs in place
    python scripts/readme_commands.py --check  # exit 1 (and print a diff) if any would change

A command example is a fenced ``text`` block whose first line is ``$ tokentrail ...``; the
lines after it are the command's output, and are what this script writes. Other blocks are
left alone (``tests/test_docs.py`` checks the ``tokentrail`` lines of ``bash`` blocks against
the command line's options, and runs every ``python`` block).

It runs the package's log-tree generator (``python -m tokentrail.sample``) once into a
temporary folder and points ``CLAUDE_CONFIG_DIR`` there (never at your own logs); each page
gets a fresh ledger, so a page's examples run in page order from an empty ledger, whatever
the other pages do. Commands run with ``TZ=UTC`` and ``COLUMNS=100`` in a folder holding a
copy of ``docs/examples/`` (so ``$ tokentrail price usage.json`` finds its file), and
``PATH`` in a command stands for the generated log tree. ``--check`` renders the same way
and compares, ignoring :data:`VOLATILE` values (wall clock timings), so a change of any
command's output is caught (about 15 s).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
EXAMPLES = DOCS / "examples"
#: Values that differ from run to run, blanked before ``--check`` compares.
VOLATILE = [re.compile(r'("seconds": )[0-9.]+'), re.compile(r"( in )[0-9.]+(?= ?m?s\b)")]
#: A command example: a ```text block starting with ``$ tokentrail``.
BLOCK = re.compile(r"(```text\n)(\$ tokentrail[^\n]*)\n(.*?)(```)", flags=re.S)
MAX_LINES = 40
#: Pages without examples of their own (generated elsewhere).
SKIP = {DOCS / "reference" / "cli.md"}


def pages() -> list[Path]:
    """README.md, then every Markdown page under docs/, in a fixed order."""
    found = sorted(p for p in DOCS.rglob("*.md") if p not in SKIP)
    return [README, *found]


def commands(text: str) -> list[str]:
    """The command lines (without ``$ ``) of ``text``'s examples, in order."""
    return [m.group(2)[2:] for m in BLOCK.finditer(text)]


def _run(cmd: str, env: dict[str, str], tree: Path, cwd: Path) -> str:
    words = ["PATH_PLACEHOLDER" if w == "PATH" else w for w in shlex.split(cmd)[1:]]
    words = [str(tree) if w == "PATH_PLACEHOLDER" else w for w in words]
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", *words],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )
    ledger = env["TOKENTRAIL_LEDGER"]
    out = r.stdout if r.stdout.strip() else r.stderr
    out = out.replace(str(tree), "~/.claude")
    out = out.replace(ledger, "~/.local/share/tokentrail/ledger.sqlite3")
    out = out.replace(str(cwd) + os.sep, "").rstrip()
    lines = out.splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 2], f"… ({len(lines) - MAX_LINES + 2} more lines)"]
    return "\n".join(line.rstrip() for line in lines)


class Sandbox:
    """A generated log tree, a working folder with docs/examples, and a ledger per page."""

    def __enter__(self) -> Sandbox:
        self._tmp = tempfile.TemporaryDirectory(prefix="tokentrail-docs-")
        self.root = Path(self._tmp.name)
        self.tree = self.root / "claude"
        subprocess.run(
            [sys.executable, "-m", "tokentrail.sample", str(self.tree), "--size", "6MB",
             "--seed", "42", "--days", "30", "--malformed-rate", "0.002", "--quiet"],
            check=True,
        )  # fmt: skip
        self.pages = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def render(self, text: str) -> str:
        """``text`` with every command example's output replaced by a fresh run."""
        self.pages += 1
        page = self.root / f"page{self.pages}"
        cwd = page / "work"
        shutil.copytree(EXAMPLES, cwd)
        env = dict(os.environ)
        env.update(
            TZ="UTC",
            COLUMNS="100",
            NO_COLOR="1",
            HOME=str(page),
            CLAUDE_CONFIG_DIR=str(self.tree),
            TOKENTRAIL_LEDGER=str(page / "ledger.sqlite3"),
            XDG_CONFIG_HOME=str(page / "config"),  # no config file of yours
        )
        for var in ("TOKENTRAIL_CONFIG", "TOKENTRAIL_PRICES", "FORCE_COLOR"):
            env.pop(var, None)

        def fresh(m: re.Match[str]) -> str:
            out = _run(m.group(2)[2:], env, self.tree, cwd)
            return f"{m.group(1)}{m.group(2)}\n{out}\n{m.group(4)}" if out else m.group(0)

        return BLOCK.sub(fresh, text)


def normalize(text: str) -> str:
    """``text`` with every :data:`VOLATILE` value replaced by ``…``."""
    for pattern in VOLATILE:
        text = pattern.sub(r"\1…", text)
    return text


def check(current: str, fresh: str, name: str = "README.md") -> list[str]:
    """Unified diff lines from a page to a fresh render (empty: up to date)."""
    return list(
        difflib.unified_diff(
            normalize(current).splitlines(),
            normalize(fresh).splitlines(),
            name,
            "fresh render",
            lineterm="",
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 and print a diff when a page's outputs differ from a fresh render",
    )
    args = ap.parse_args()
    stale: list[str] = []
    with Sandbox() as box:
        for page in pages():
            text = page.read_text(encoding="utf-8")
            if not BLOCK.search(text):
                continue
            fresh = box.render(text)
            name = str(page.relative_to(REPO))
            if args.check:
                diff = check(text, fresh, name)
                if diff:
                    print("\n".join(diff))
                    stale.append(name)
            elif check(text, fresh, name):  # timings alone do not rewrite a page
                page.write_text(fresh, encoding="utf-8")
                print(f"updated {name}")
    if stale:
        print(f"out of date: {', '.join(stale)}: run python scripts/readme_commands.py",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
