"""Package attributes imported on first use (PEP 562), standard library only.

A package lists ``name -> module`` and gets a module ``__getattr__`` / ``__dir__`` pair:
the first access to a name imports its module, binds the value in the package (later
accesses are plain attribute reads) and returns it. ``import tokentrail`` and the fast
command paths thus load only what they use; type checkers see the names through the
package's ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str,
    names: Mapping[str, str],
    namespace: dict[str, object],
    *,
    modules: Collection[str] = (),
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose globals are ``namespace``:
    ``names`` maps each lazy name to the module (absolute) that defines it; a name in
    ``modules`` is that module itself (a subpackage exposed as an attribute). An unknown
    name raises :class:`AttributeError` as a plain module would."""

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        mod = importlib.import_module(module)
        value = mod if name in modules else getattr(mod, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
