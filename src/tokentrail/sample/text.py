"""Filler text for generated transcripts: one seeded pool, handed out as slices (fast).

The pool mixes code-like lines, shell listings and prose (a few non-ASCII characters
included), so transcripts have the size and the byte mix of real ones without real text.
"""

from __future__ import annotations

import base64
import random

__all__ = ["NAMES", "TextPool"]

_VOCAB = (  # noqa: SIM905 (a word list is easier to read as text)
    "we the a an to of in on for with from is are was be been it this that these then "
    "when if else not now next first last again also only just still already maybe check "
    "read write update add remove rename move fix handle parse load save run test build "
    "deploy merge rebase commit push pull review refactor split join retry wait file "
    "folder path line column row table index key value field record entry item list map "
    "set queue stack cache token price cost usage model request response session client "
    "server worker thread lock error warning config option flag schema version branch "
    "release patch bug issue change diff hunk import export module package class function "
    "method argument result status output input limit timeout budget report"
).split()
NAMES = (  # noqa: SIM905
    "ledger reader writer parser loader config session cursor batch report record usage "
    "price budget tracker client handler worker runner schema index store cache buffer "
    "window block window_size max_tokens total_cost row_count file_path line_no tmp_dir"
).split()
_ACCENTS = ("é", "ü", "—", "→", "…", "✓", "λ", "€", "漢字", "ñ")
_EXT = ("py", "ts", "go", "rs", "md", "toml", "sql")


def _code_line(rng: random.Random) -> str:
    pad = "    " * rng.randrange(4)
    a, b = rng.choice(NAMES), rng.choice(NAMES)
    w = rng.choice(_VOCAB)
    shape = rng.randrange(6)
    if shape == 0:
        return f"{pad}{a} = {b}[{rng.randrange(64)}] + {rng.randrange(1000)}\n"
    if shape == 1:
        return f"{pad}def {a}_{w}(self, {b}: int = 0) -> None:\n"
    if shape == 2:
        return f'{pad}if not {a}.get("{w}"):\n'
    if shape == 3:
        return f'{pad}raise ValueError(f"{w} {{{b}!r}} is not a {rng.choice(_VOCAB)}")\n'
    if shape == 4:
        return f"{pad}# {w} the {a} before {rng.choice(_VOCAB)} {rng.choice(_VOCAB)}\n"
    return f"{pad}for {a} in {b}:\n"


def _listing_line(rng: random.Random) -> str:
    size = rng.randrange(12, 250_000)
    day, hour, minute = rng.randrange(1, 29), rng.randrange(24), rng.randrange(60)
    name = f"{rng.choice(NAMES)}.{rng.choice(_EXT)}"
    return f"-rw-r--r--  1 dev  staff  {size:>7}  Mar {day:>2} {hour:02d}:{minute:02d}  {name}\n"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VOCAB) for _ in range(rng.randrange(5, 24))]
    if rng.randrange(16) == 0:
        words.insert(rng.randrange(len(words)), rng.choice(_ACCENTS))
    if rng.randrange(9) == 0:
        words.insert(rng.randrange(len(words)), f"`{rng.choice(NAMES)}`")
    end = ".\n" if rng.randrange(4) == 0 else ". "
    return " ".join(words).capitalize() + end


class TextPool:
    """About ``size`` characters of filler and a block of base64 (thinking signatures)."""

    def __init__(self, seed: int, size: int = 1_500_000) -> None:
        rng = random.Random(seed)
        parts: list[str] = []
        n = 0
        while n < size:
            kind = rng.randrange(20)
            piece = (
                _code_line(rng) if kind < 9 else _listing_line(rng) if kind < 11 else _sentence(rng)
            )
            parts.append(piece)
            n += len(piece)
        self.text = "".join(parts)
        self.sig = base64.b64encode(rng.randbytes(120_000)).decode("ascii")

    def take(self, rng: random.Random, n: int) -> str:
        """A slice of about ``n`` characters (at least 1) from a random place."""
        n = max(1, min(n, len(self.text) - 1))
        at = rng.randrange(len(self.text) - n)
        return self.text[at : at + n]

    def signature(self, rng: random.Random, n: int) -> str:
        """A base64 string of ``n`` characters (a thinking block's signature)."""
        n = max(16, min(n, len(self.sig) - 1))
        at = rng.randrange(len(self.sig) - n)
        return self.sig[at : at + n]
