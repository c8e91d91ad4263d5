"""Write the usage-type facts of the installed ``anthropic`` SDK for the conformance tests.

    pip install 'anthropic==X.Y.Z' && python scripts/sdk_facts.py
    # -> tests/data/sdk/usage_types-X.Y.Z.json

The list of types and aliases, and the descriptive keys (each type's ``module``, ``base``
and ``category``; ``base_model``; ``field_history``), come from a template: the newest
facts file already in ``tests/data/sdk/`` (or ``--template FILE``). Everything the tests
compare is derived again from the installed SDK: ``sdk_version``, ``pydantic_version``,
each type's ``extra`` and ``fields`` (name, annotation as written in the SDK's source,
resolved type, required, default, literal values, nested models) and each alias's resolved
type, literal values and variants. A type the installed SDK lacks is left out (and named
on stderr). Run under the template's own version, the output equals the template.

    python scripts/sdk_facts.py --check-samples

recomputes, with the installed SDK, the recorded columns of ``tests/data/sdk/samples.jsonl``
(what ``BetaUsage`` / ``Usage`` make of each ``wire`` object) and names any that differ.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import pydantic

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "sdk"


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def render(tp: Any) -> str:
    """An annotation in the facts' notation: ``Union[int, None]``, ``List[X]``, ``Literal["a"]``."""
    tp = _strip(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return "None"
    if origin is Union:
        return f"Union[{', '.join(render(a) for a in args)}]"
    if origin is Literal:
        return f"Literal[{', '.join(json.dumps(a) for a in args)}]"
    if origin is list:
        return f"List[{render(args[0])}]"
    if origin is dict:
        return f"Dict[{render(args[0])}, {render(args[1])}]"
    return str(getattr(tp, "__name__", tp))


def literal_values(tp: Any) -> list[Any]:
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if origin is Literal:
        return list(typing.get_args(tp))
    if origin is Union:
        return [v for a in typing.get_args(tp) for v in literal_values(a)]
    return []


def is_open(tp: Any) -> bool:
    """A Literal union that also admits any ``str`` (``Model``)."""
    tp = _strip(tp)
    if typing.get_origin(tp) is not Union:
        return False
    args = [_strip(a) for a in typing.get_args(tp)]
    return str in args and any(typing.get_origin(a) is Literal for a in args)


#: ``module.Name`` -> the facts' key of a type (``RawMessageDeltaEvent.Delta`` for a class
#: ``Delta`` of module ``raw_message_delta_event``), filled from the template.
KEYS: dict[str, str] = {}


def nested_models(tp: Any) -> list[str]:
    tp = _strip(tp)
    if inspect.isclass(tp) and issubclass(tp, pydantic.BaseModel):
        return [KEYS.get(f"{tp.__module__}.{tp.__qualname__}", tp.__name__)]
    out: list[str] = []
    for a in typing.get_args(tp):
        for name in nested_models(a):
            if name not in out:
                out.append(name)
    return out


def variants(tp: Any) -> list[str]:
    tp = _strip(tp)
    if typing.get_origin(tp) is list:
        tp = _strip(typing.get_args(tp)[0])
    if typing.get_origin(tp) is not Union:
        return []
    args = map(_strip, typing.get_args(tp))
    return [a.__name__ for a in args if inspect.isclass(a) and issubclass(a, pydantic.BaseModel)]


def _resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _one_line(text: str) -> str:
    """A multi-line annotation on one line: ``Literal["a", "b"]``."""
    text = re.sub(r"\s+", " ", text)
    return re.sub(r",? \]", "]", re.sub(r"\[ ", "[", text))


def source_annotations(cls: type) -> dict[str, str]:
    """Field name -> annotation as written in the class body of the SDK's source."""
    src = Path(inspect.getfile(cls)).read_text(encoding="utf-8")
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            return {
                st.target.id: _one_line(ast.get_source_segment(src, st.annotation) or "")
                for st in node.body
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
            }
    return {}


def type_facts(cls: type[pydantic.BaseModel], template: dict[str, Any]) -> dict[str, Any]:
    written = source_annotations(cls)
    fields = []
    for name, info in cls.model_fields.items():
        f: dict[str, Any] = {
            "name": name,
            "annotation": written.get(name, render(info.annotation)),
            "resolved": render(info.annotation),
            "required": info.is_required(),
        }
        if not info.is_required():
            f["default"] = info.default
        f["literal_values"] = literal_values(info.annotation)
        if is_open(info.annotation):
            f["literal_is_open"] = True
        f["nested_models"] = nested_models(info.annotation)
        fields.append(f)
    return {
        "module": template["module"],
        "import": template["import"],
        "base": template["base"],
        "extra": cls.model_config.get("extra"),
        "fields": fields,
        "category": template["category"],
    }


def alias_facts(tp: Any, template: dict[str, Any]) -> dict[str, Any]:
    return {
        "import": template["import"],
        "resolved": render(tp),
        "literal_values": literal_values(tp),
        "literal_is_open": is_open(tp),
        "variants": variants(tp),
    }


def facts(template: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sdk_version": importlib.metadata.version("anthropic"),
        "pydantic_version": importlib.metadata.version("pydantic"),
        "model_config_extra": template["model_config_extra"],
        "types": {},
        "type_aliases": {},
    }
    KEYS.update({t["import"]: name for name, t in template["types"].items()})
    for name, t in template["types"].items():
        try:
            cls = _resolve(t["import"])
        except (ImportError, AttributeError):
            print(f"not in this SDK: {name} ({t['import']})", file=sys.stderr)
            continue
        out["types"][name] = type_facts(cls, t)
    for name, a in template["type_aliases"].items():
        try:
            tp = _resolve(a["import"])
        except (ImportError, AttributeError):
            print(f"not in this SDK: alias {name} ({a['import']})", file=sys.stderr)
            continue
        out["type_aliases"][name] = alias_facts(tp, a)
    out["base_model"] = template["base_model"]
    out["field_history"] = template["field_history"]
    return out


def check_samples() -> int:
    """Recorded SDK outputs of the samples that the installed SDK does not reproduce."""
    import warnings

    from anthropic.types import Usage
    from anthropic.types.beta import BetaUsage

    warnings.simplefilter("ignore")
    bad = 0
    for line in (DATA / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        sample = json.loads(line)
        wire = sample["wire"]
        m = BetaUsage.model_validate(wire)
        got = {
            "sdk_to_dict": m.to_dict(),
            "sdk_to_json": m.to_json(),
            "sdk_to_dict_exclude_unset_false": m.to_dict(exclude_unset=False),
            "sdk_construct_to_dict": BetaUsage.construct(**wire).to_dict(),
            "ga_usage_to_dict": Usage.model_validate(wire).to_dict(),
        }
        for key, value in got.items():
            if sample[key] != value:
                bad += 1
                print(f"{sample['name']}: {key} differs", file=sys.stderr)
    return bad


def _newest_template() -> Path:
    def key(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in p.stem.split("-", 1)[1].split("."))

    return max(DATA.glob("usage_types-*.json"), key=key)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", type=Path, default=None, help="facts file to start from")
    ap.add_argument("--out", type=Path, default=None, help="default: tests/data/sdk/...")
    ap.add_argument("--check-samples", action="store_true", help="check samples.jsonl instead")
    args = ap.parse_args()
    if args.check_samples:
        bad = check_samples()
        print(f"{bad} recorded outputs differ", file=sys.stderr)
        return 1 if bad else 0
    template = json.loads((args.template or _newest_template()).read_text(encoding="utf-8"))
    result = facts(template)
    out = args.out or DATA / f"usage_types-{result['sdk_version']}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
