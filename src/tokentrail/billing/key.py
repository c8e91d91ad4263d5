"""The Admin API key: read from ``ANTHROPIC_ADMIN_KEY`` or a file, never stored, logged or
echoed. :class:`AdminKey` hides its value from ``repr`` / ``str`` (so a traceback, a log
line or an f-string shows ``AdminKey(<redacted>)``); only :meth:`AdminKey.header_value`
gives it, to the HTTP header."""

from __future__ import annotations

import os
from collections.abc import Mapping

from tokentrail.errors import UserInputError

__all__ = ["ENV_ADMIN_KEY", "AdminKey", "load_admin_key"]

#: The environment variable holding the Admin API key.
ENV_ADMIN_KEY = "ANTHROPIC_ADMIN_KEY"


class AdminKey:
    """An Admin API key whose value never appears in ``repr``, ``str`` or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def header_value(self) -> str:
        """The key, for the ``x-api-key`` header only."""
        return self._value

    def __repr__(self) -> str:
        return "AdminKey(<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an AdminKey is never pickled")


def _checked(value: str, where: str) -> AdminKey:
    value = value.strip()
    if not value:
        raise UserInputError(f"{where} is empty: no Admin API key")
    # A header carries visible ASCII only; a bad character is named by kind, never shown.
    if any(not (33 <= ord(c) <= 126) for c in value):
        raise UserInputError(
            f"{where}: the Admin API key has a space, control or non-ASCII character "
            "(one key on one line expected)"
        )
    return AdminKey(value)


def load_admin_key(key_file: str | None = None, env: Mapping[str, str] | None = None) -> AdminKey:
    """The key from ``key_file`` when given, else from ``$ANTHROPIC_ADMIN_KEY``; one
    :class:`~tokentrail.errors.UserInputError` line (without the key) when neither works."""
    if key_file:
        path = os.path.expanduser(key_file)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(4096)
        except UnicodeDecodeError:
            raise UserInputError(f"--admin-key-file {path}: not UTF-8 text") from None
        except OSError as exc:
            raise UserInputError(
                f"--admin-key-file {path}: {exc.strerror or 'cannot be read'}"
            ) from None
        return _checked(text, f"--admin-key-file {path}")
    value = (os.environ if env is None else env).get(ENV_ADMIN_KEY, "")
    if not value.strip():
        raise UserInputError(
            f"no Admin API key: set {ENV_ADMIN_KEY} or pass --admin-key-file FILE "
            "(an sk-ant-admin… key from the Console)"
        )
    return _checked(value, f"${ENV_ADMIN_KEY}")
