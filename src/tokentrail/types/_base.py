"""The base of every wire model: pydantic v2 with the ``anthropic`` SDK's serialisation defaults.

Two ways in, like the SDK:

* **strict** — ``Model.model_validate(data)``: pydantic validation (lax mode, so ``"5"`` and
  ``5.0`` become ``5``; ``5.5``, ``None`` for a required count, or a missing required field raise
  :class:`pydantic.ValidationError`).
* **loose** — ``Model.construct(**data)``, ``Model.model_construct(**data)`` or
  ``Model.loose(data)``: no validation and never an error for a value the API may add
  tomorrow. Each declared field is built with :func:`construct_value`; ``None`` gives the
  field's default but still counts as *set* (so ``to_dict()`` keeps the ``null``); a missing
  required field becomes ``None`` and stays *unset*; unknown keys are kept as given, after
  the declared fields.

Output, like the SDK: ``to_dict()`` (API names, unset fields skipped, nulls kept),
``to_json()`` (the same, indented by 2), and pydantic's own ``model_dump*`` untouched.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

import pydantic
from pydantic import ConfigDict, TypeAdapter
from pydantic_core import PydanticUndefined
from typing_extensions import Self

__all__ = ["BaseModel", "UnionDiscriminator", "construct_value", "dump_object"]


class UnionDiscriminator:
    """``Annotated`` metadata naming the field that tells a union's variants apart.

    ``Annotated[Union[A, B], UnionDiscriminator("type")]``: in loose mode the value of ``type``
    picks the variant to build when the data does not validate. Pydantic ignores this marker,
    so strict validation stays pydantic's own (smart) union validation, as in the SDK.
    """

    __slots__ = ("field_name",)

    def __init__(self, field_name: str) -> None:
        self.field_name = field_name

    def __repr__(self) -> str:
        return f"UnionDiscriminator({self.field_name!r})"


class BaseModel(pydantic.BaseModel):
    """A wire model: extra keys allowed and kept; SDK-identical ``to_dict`` / ``to_json``."""

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="allow")

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, object]:
        """The model as a dict, keyed as the API sends it.

        Defaults match the SDK: fields the payload did not carry are left out, explicit
        ``null`` values are kept, extra (undeclared) keys follow the declared fields.
        """
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The model as JSON text, indented by 2 unless ``indent=None`` (compact)."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            warnings=warnings,
        )

    def __str__(self) -> str:
        return repr(self)  # the SDK prints the repr form, ``Usage(input_tokens=1, ...)``

    @classmethod
    def construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Build without validation (the SDK's loose semantics; see the module docstring).

        A payload key named ``_fields_set`` lands in that keyword, as in the SDK (whose
        ``construct`` then fails on anything but a set or ``None``); :meth:`loose` keeps it as
        data.
        """
        return cls._build(_fields_set, values)

    @classmethod
    def _build(cls, _fields_set: set[str] | None, values: Mapping[str, Any]) -> Self:
        model = cls.__new__(cls)
        fields_set: set[str] = set() if _fields_set is None else _fields_set
        field_values: dict[str, object] = {}
        populate_by_name = bool(cls.model_config.get("populate_by_name"))
        for name, field in cls.model_fields.items():
            key = field.alias
            if key is None or (key not in values and populate_by_name):
                key = name
            if key in values:
                raw = values[key]
                if raw is None:
                    field_values[name] = _default_of(field)
                else:
                    field_values[name] = construct_value(
                        raw, field.annotation, metadata=tuple(field.metadata)
                    )
                fields_set.add(name)
            else:
                field_values[name] = _default_of(field)
        extra = {k: v for k, v in values.items() if k not in cls.model_fields}
        object.__setattr__(model, "__dict__", field_values)
        object.__setattr__(model, "__pydantic_private__", None)
        object.__setattr__(model, "__pydantic_extra__", extra)
        object.__setattr__(model, "__pydantic_fields_set__", fields_set)
        return model

    if not TYPE_CHECKING:
        # the SDK aliases the two; hidden from mypy, whose pydantic plugin types the original
        model_construct = construct

    @classmethod
    def loose(cls, data: Mapping[str, object]) -> Self:
        """Loose parse of a mapping: ``cls.construct(**data)`` without the keyword dance.

        Every key that is not a field is kept as an extra key, ``"_fields_set"`` included:
        ``construct(**data)`` would take it as its keyword argument (the SDK's then crashes,
        or drops a ``null``). Nested mappings are built exactly as the SDK builds them (see
        :func:`construct_value`). A non-string key raises ``TypeError``, as in the SDK (and
        pydantic could not serialise it).
        """
        if not all(isinstance(key, str) for key in data):
            raise TypeError("keywords must be strings")
        return cls._build(None, data)


def dump_object(obj: object) -> object:
    """An SDK-like object as a dict, by duck typing; ``None`` if it has no dump method.

    ``obj.to_dict()`` when it has one, else ``obj.model_dump(exclude_unset=True)``; both
    called with ``warnings=False`` (a loosely built SDK object may hold values its field types
    do not expect, and pydantic would print a warning to stderr), or without it for a dump
    method that does not take the keyword.
    """
    for method, kwargs in (("to_dict", {}), ("model_dump", {"exclude_unset": True})):
        dump = getattr(obj, method, None)
        if callable(dump):
            try:
                return dump(warnings=False, **kwargs)
            except TypeError:
                return dump(**kwargs)
    return None


def _default_of(field: pydantic.fields.FieldInfo) -> object:
    default = field.get_default(call_default_factory=True)
    return None if default is PydanticUndefined else default


@functools.cache
def _adapter(type_: Any) -> TypeAdapter[Any]:
    return TypeAdapter(type_)


def _is_union(origin: object) -> bool:
    return origin is Union or origin is types.UnionType


def _is_model_class(tp: object) -> bool:
    return inspect.isclass(tp) and issubclass(tp, pydantic.BaseModel)


@functools.cache
def _discriminator_map(union: Any, field_name: str) -> dict[str, type[pydantic.BaseModel]]:
    mapping: dict[str, type[pydantic.BaseModel]] = {}
    for variant in typing.get_args(union):
        while typing.get_origin(variant) is Annotated:
            variant = typing.get_args(variant)[0]
        if not _is_model_class(variant):
            continue
        field = variant.model_fields.get(field_name)
        if field is None or typing.get_origin(field.annotation) is not Literal:
            continue
        for entry in typing.get_args(field.annotation):
            if isinstance(entry, str):
                mapping[entry] = variant
    return mapping


def construct_value(value: object, type_: Any, *, metadata: tuple[object, ...] = ()) -> object:
    """Loosely coerce ``value`` to ``type_``, building nested models without validation.

    The SDK's rules: a union is first validated (pydantic, lax); failing that a mapping whose
    discriminator names a variant builds that variant; failing that the first variant that
    does not raise wins. Models are built with ``construct``; lists and dicts element-wise;
    a value that does not fit is returned as is (an unknown Literal string stays a string).

    Nested models are built with ``construct(**value)`` like the SDK's, quirks included: a
    key named ``_fields_set`` is taken as that keyword (``null`` is dropped; anything but a
    set fails), and a failure (that one, a non-string key) inside a union makes it move on to
    the next variant — for ``Optional[Model]``, the raw mapping is kept.
    """
    if typing.get_origin(type_) is Annotated and not metadata:
        args = typing.get_args(type_)
        type_, metadata = args[0], tuple(type_.__metadata__)
    elif typing.get_origin(type_) is Annotated:
        type_ = typing.get_args(type_)[0]
    origin = typing.get_origin(type_) or type_
    args = typing.get_args(type_)

    if _is_union(origin):
        try:
            return _adapter(type_).validate_python(value)
        except Exception:
            pass
        if isinstance(value, Mapping):
            for meta in metadata:
                if isinstance(meta, UnionDiscriminator):
                    tag = value.get(meta.field_name)
                    if tag and isinstance(tag, str):
                        variant = _discriminator_map(type_, meta.field_name).get(tag)
                        if variant is not None:
                            return construct_value(value, variant)
                    break
        for variant in args:
            try:
                return construct_value(value, variant)
            except Exception:
                continue
        raise RuntimeError(f"could not build a value of {type_} from {value!r}")

    if origin is dict:
        if not isinstance(value, Mapping):
            return value
        item_type = args[1] if len(args) == 2 else Any
        return {k: construct_value(v, item_type) for k, v in value.items()}

    if origin is not Literal and _is_model_class(origin):
        if isinstance(value, list):
            return [type_.construct(**e) if isinstance(e, Mapping) else e for e in value]
        if isinstance(value, Mapping):
            return type_.construct(**value)
        return value

    if origin is list:
        if not isinstance(value, list):
            return value
        inner = args[0] if args else Any
        return [construct_value(e, inner) for e in value]

    if origin is float and isinstance(value, int):
        as_float = float(value)  # float ok: the SDK's own coercion of a float field
        return value if as_float != value else as_float

    return value
