"""A base for small frozen value classes over ``__slots__`` (standard library only).

:class:`Frozen` gives a class that lists its fields in ``__match_args__`` (in order),
sets ``__slots__`` to the same tuple and sets them in ``__init__`` with
``object.__setattr__`` what ``@dataclass(frozen=True, slots=True)``
gives: field-wise ``==`` with instances of the same class, ``hash`` of the fields, a
``repr`` naming them, :class:`dataclasses.FrozenInstanceError` on assignment or deletion,
and pickling / copying by the field values. It exists because defining a dataclass costs
about a millisecond at import (plus :mod:`dataclasses` and :mod:`inspect` themselves), and
a warm report defines its value classes before it answers.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["Frozen"]


class Frozen:
    """Frozen-dataclass behaviour over ``__slots__`` (subclasses list their fields)."""

    __slots__: tuple[str, ...] = ()
    #: The fields, in order (subclasses set ``__slots__`` to the same tuple).
    __match_args__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.__match_args__)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Frozen)
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__match_args__)
        return f"{type(self).__qualname__}({fields})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), self._values()
