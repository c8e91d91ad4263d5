"""Regenerate the README's command reference from real runs on a generated log tree.

    python scripts/readme_commands.py          # rewrite README.md between the markers
    python scripts/readme_commands.py --check  # exit 1 (and print a diff) if it would change

It runs the package's log-tree generator (``python -m tokentrail.sample``) into a
temporary folder, points ``CLAUDE_CONFIG_DIR`` and ``TOKENTRAIL_LEDGER`` there (never at
your own logs or ledger), runs each command with ``TZ=UTC`` and ``COLUMNS=100``, and pastes
the output between ``<!-- commands:start -->`` and ``<!-- commands:end -->``. ``--check``
renders the same way and compares with the README, ignoring :data:`VOLATILE` values (wall
clock timings), so a change of any command's output is caught (about 10 s).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"
#: Values that differ from run to run, blanked before ``--check`` compares.
VOLATILE = [re.compile(r'("seconds": )[0-9.]+')]

# (command line shown, what it answers); output is pasted unless marked with help=True.
EXAMPLES: list[tuple[str, str, bool]] = [
    ("tokentrail ingest PATH --json", "Read explicit folders or .jsonl files into the ledger "
     "(only new bytes of known files; exit 1 when bad lines were skipped).\n"
     "Copies of one response count once: keyed by `message.id` + `requestId`, a copy logged\n"
     "without `requestId` merges with the one that has it, the best copy wins (finished, then\n"
     "larger output), and among equal copies the earliest (so a resumed session's copy goes to\n"
     "the original session), whatever order files arrive in. With `usage.iterations` the token\n"
     "columns are what is billed: the sum over the iterations, compaction included. A count "
     "above\n10^9 is a bad line; a file rewritten in place (checked at its start and before the "
     "resume\npoint) is read again; file names that are not UTF-8 are stored with `\\xNN` "
     "escapes.\nA path argument that is missing or not a .jsonl file or folder is an error "
     "(exit 2); below a folder,\na `*.jsonl` entry that cannot be read (dangling symlink, FIFO) "
     "or a folder that cannot be listed\nis named in a warning line and listed in "
     "`skipped_paths` (exit 1).", False),
    ("tokentrail", "Ingest the default Claude Code logs, then the daily report.", False),
    ("tokentrail problems", "Log lines skipped as malformed, with file, line and field.", False),
    ("tokentrail daily --since 20260110 --until 20260118", "Usage and cost per day.", False),
    ("tokentrail daily --instances --since 20260118 --until 20260124", "Each day per project "
     "(ccusage's --instances).", False),
    ("tokentrail weekly --start-of-week sunday", "Per week (rows keyed by the week's first day).",
     False),
    ("tokentrail monthly --json", "Per month, as JSON (schema_version 1, money as text).", False),
    ("tokentrail session --order desc", "Per Claude Code session (subagents count in their "
     "parent session).", False),
    ("tokentrail project --breakdown", "Per project (working directory), one row per model "
     "under each.", False),
    ("tokentrail model --csv", "Per model id, as CSV (formula-injection safe).", False),
    ("tokentrail agent", "Main thread vs each subagent type.", False),
    ("tokentrail branch", "Per git branch, as logged on each line.", False),
    ("tokentrail blocks --since 20260120", "5-hour billing blocks (ccusage's rule); the active "
     "block gets burn rate and projection.", False),
    ("tokentrail blocks --token-limit max --since 20260127", "The active block against a token "
     "limit (N tokens, or the largest earlier block).", False),
    ("tokentrail context --last", "How the context grew, request by request (iterations "
     "expanded, threshold crossings and compactions marked).", False),
    ("tokentrail cache --by project", "Prompt-cache economics: hit ratio, savings against no "
     "cache, writes never read, 5m vs 1h.", False),
    ("tokentrail whatif --model claude-haiku-4-5", "The same usage priced on another model, "
     "tier or TTL (an estimate).", False),
    ("tokentrail statusline", "One line for a prompt or Claude Code's statusLine hook.", False),
    ("tokentrail doctor", "Where logs were found, the ledger, and what needs attention.", False),
    ("tokentrail reprice", "Recompute every stored cost after a price correction.", False),
    ("tokentrail explain", "One stored record's cost line by line and its price flags, by "
     "message or request id (a prefix\nis enough). Reports mark costs that include flagged "
     "requests (priced on an assumption) with\n`†` and list `flagged_requests` and `flags` in "
     "JSON, CSV and Parquet.", True),
    ("tokentrail demo --days 3 --end 2026-03-14", "A sample ledger from generated logs, in a "
     "temporary folder.", False),
    ("tokentrail report run", "Runs recorded by tokentrail.run() in tracked programs (name, "
     "requests, cost, budget, tags).", False),
    ("tokentrail push", "Send the local ledger's records to a ClickHouse team ledger "
     "(incremental, idempotent; see docs/how-to/team-ledger.md).", True),
    ("tokentrail user", "Usage per user (a team ledger; locally: the OS user).", True),
    ("tokentrail machine", "Usage per machine (a team ledger; locally: this host).", True),
    ("tokentrail completion bash", "Shell completion (bash, zsh, fish).", True),
    ("tokentrail price", "Price one usage object or response file.", True),
    ("tokentrail prices", "The price catalog: every rate row with its window and source.", True),
]  # fmt: skip


def _run(cmd: str, env: dict[str, str], tree: Path, help_only: bool) -> str:
    words = cmd.split()[1:]
    words = [str(tree) if w == "PATH" else w for w in words]
    if help_only:
        words = [*words[:1], "--help"]
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", *words],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    ledger = env["TOKENTRAIL_LEDGER"]
    out = r.stdout.replace(str(tree), "~/.claude")
    out = out.replace(ledger, "~/.local/share/tokentrail/ledger.sqlite3").rstrip()
    lines = out.splitlines()
    if len(lines) > 40:
        lines = [*lines[:38], f"… ({len(lines) - 38} more lines)"]
    return "\n".join(line.rstrip() for line in lines)


def render() -> str:
    """The Markdown between the markers."""
    with tempfile.TemporaryDirectory(prefix="tokentrail-readme-") as tmp:
        tree = Path(tmp) / "claude"
        subprocess.run(
            [sys.executable, "-m", "tokentrail.sample", str(tree), "--size", "6MB", "--seed", "42",
             "--days", "30", "--malformed-rate", "0.002", "--quiet"],
            check=True,
        )  # fmt: skip
        env = dict(os.environ)
        env.update(
            TZ="UTC",
            COLUMNS="100",
            NO_COLOR="1",
            HOME=tmp,
            CLAUDE_CONFIG_DIR=str(tree),
            TOKENTRAIL_LEDGER=str(Path(tmp) / "ledger.sqlite3"),
            XDG_CONFIG_HOME=str(Path(tmp) / "config"),  # no config file of yours
        )
        env.pop("TOKENTRAIL_CONFIG", None)
        parts = [
            START,
            "",
            "## Commands",
            "",
            "Every report command (`daily`, `weekly`, `monthly`, `session`, `project`, `model`,",
            "`agent`, `branch`, `blocks`) takes the same options: `--json` (`-j`), `--csv`,",
            "`--parquet FILE` (needs `pip install 'tokentrail[parquet]'`), `--breakdown`,",
            "`--since/--until` (YYYYMMDD or YYYY-MM-DD), `--project`, `--model`, `--timezone`,",
            "`--order asc|desc`, `--no-ingest`, `--ledger PATH`, `--quiet`. Outputs below are",
            "real, from `python scripts/readme_commands.py` on a generated 6 MB log tree.",
            "",
        ]
        for cmd, what, help_only in EXAMPLES:
            shown = cmd + (" --help" if help_only else "")
            parts += [f"### `{cmd.split()[0]} {cmd.split()[1]}`" if " " in cmd else f"### `{cmd}`",
                      "", what, "", "```text", f"$ {shown}",
                      _run(cmd, env, tree, help_only), "```", ""]  # fmt: skip
        parts.append(END)
    return "\n".join(parts)


def normalize(text: str) -> str:
    """``text`` with every :data:`VOLATILE` value replaced by ``…``."""
    for pattern in VOLATILE:
        text = pattern.sub(r"\1…", text)
    return text


def check(current: str, fresh: str) -> list[str]:
    """Unified diff lines from the README's section to a fresh render (empty: up to date)."""
    return list(
        difflib.unified_diff(
            normalize(current).splitlines(),
            normalize(fresh).splitlines(),
            "README.md (commands section)",
            "fresh render",
            lineterm="",
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 and print a diff when the README's section differs from a fresh render",
    )
    args = ap.parse_args()
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print("README.md lacks the command markers", file=sys.stderr)
        return 1
    head, rest = text.split(START, 1)
    section, tail = rest.split(END, 1)
    if args.check:
        diff = check(START + section + END, render())
        if diff:
            print("\n".join(diff))
            print("README.md is out of date: run python scripts/readme_commands.py",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    README.write_text(head + render() + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
