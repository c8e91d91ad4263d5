"""The one error tree of tokentrail.

Every error tokentrail raises on purpose derives from :class:`TokentrailError`, so
``except tokentrail.TokentrailError`` catches them all. Each also derives from the
builtin a caller would naturally expect (``ValueError`` for bad values,
``LookupError`` for a failed lookup), so existing handlers keep working::

    TokentrailError (Exception)
    ├── UsageError (ValueError) ............ a usage payload that cannot be read
    │   └── TokenCountError ................ a negative, non-integer or absurd token count
    ├── PricingError ....................... the pricing layer could not price a record
    │   ├── UnknownModelError (LookupError)  model id not in the catalog (names close ids)
    │   └── CatalogError (ValueError) ...... a price file breaks the catalog schema
    ├── IngestError ........................ a source could not be read at all
    ├── LedgerError ........................ the ledger could not be opened or written
    │   └── LedgerLockedError .............. another process holds the ledger too long
    ├── UserInputError (ValueError) ........ a bad CLI option (date, path, filter)
    └── BudgetExceeded ..................... a tracked run reached its budget (request not sent)

Per-line problems found while ingesting logs are *not* raised: they are collected,
stored and reported (see ``tokentrail.ingest``). Strict parsing of wire types
(``Usage.model_validate``) raises :class:`pydantic.ValidationError`, exactly like the
``anthropic`` SDK; :func:`tokentrail.usage_from` wraps it in :class:`UsageError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

__all__ = [
    "BudgetExceeded",
    "CatalogError",
    "IngestError",
    "LedgerError",
    "LedgerLockedError",
    "PricingError",
    "TokenCountError",
    "TokentrailError",
    "UnknownModelError",
    "UsageError",
    "UserInputError",
]


class TokentrailError(Exception):
    """Base class of every error tokentrail raises deliberately."""


class UsageError(TokentrailError, ValueError):
    """A usage payload could not be read (wrong shape, wrong type, bad JSON)."""


class TokenCountError(UsageError):
    """A token count is negative, not an integer, or beyond any plausible request."""


class PricingError(TokentrailError):
    """A usage record could not be priced."""


class UnknownModelError(PricingError, LookupError):
    """The model id is not in the price catalog.

    ``model`` is the id as given; ``suggestions`` holds the closest known ids
    (possibly empty).
    """

    def __init__(self, model: str, suggestions: Sequence[str] = ()) -> None:
        self.model = model
        self.suggestions = tuple(suggestions)
        hint = f"; closest known ids: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown model {model!r}: not in the price catalog{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


class CatalogError(PricingError, ValueError):
    """A price file (packaged or user override) breaks the catalog schema."""


class IngestError(TokentrailError):
    """A source could not be read at all (missing path, unreadable directory)."""


class LedgerError(TokentrailError):
    """The ledger database could not be opened, migrated or written."""


class LedgerLockedError(LedgerError):
    """Another process held the ledger lock past the busy timeout."""


class UserInputError(TokentrailError, ValueError):
    """A command-line option or argument is invalid (bad date, unknown filter)."""


class BudgetExceeded(TokentrailError):
    """A tracked run's cost reached its budget; the next request was refused before sending.

    ``run`` is the name of the run whose budget was reached (the innermost such run),
    ``budget`` and ``cost`` are USD :class:`~decimal.Decimal` amounts (``cost >= budget``).
    """

    def __init__(self, run: str, budget: Decimal, cost: Decimal) -> None:
        self.run = run
        self.budget = budget
        self.cost = cost
        super().__init__(
            f"run {run!r} reached its budget: cost ${_usd(cost)} >= budget ${_usd(budget)}; "
            "request not sent"
        )


def _usd(value: Decimal) -> str:
    """An exact amount without exponent or trailing zeros (``1.000000000000`` → ``1``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("0", "-0") else text
