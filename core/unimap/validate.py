"""Fast validation of mapped records against the unified model schemas.

``jsonschema`` walks a schema for every instance, which costs hundreds of microseconds per
mapped record. :func:`compile_schema` instead turns a draft 2020-12 schema into nested Python
closures once, each repeating one keyword's rule as ``jsonschema`` states it (the same type
checker, ``re.search`` for patterns, the same format checker functions, its equality for
``enum``/``const``), then writes the common rules out as Python source (:class:`_Generator`: one
function per subschema, types, patterns and keys checked inline, the rare cases calling the
closures), about twice as fast again. It answers only *whether* an instance is valid; the messages still come from
``jsonschema``: :class:`RecordValidator` runs the compiled check and asks ``jsonschema`` for the
errors only when the check fails. Schemas with keywords outside the compiled set (``$dynamicRef``,
``unevaluated*``, ``contains``, ``uniqueItems``, ``multipleOf``) are validated by ``jsonschema`` alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from numbers import Number
from typing import Any

import jsonschema
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from unimap import unified

try:  # jsonschema's own equality for enum and const (booleans never equal 0 or 1, recursively)
    from jsonschema._utils import equal
except ImportError:  # pragma: no cover - a jsonschema without it: enum and const stay with jsonschema
    equal = None

__all__ = ["MAPPED_ENGINE_FIELDS", "RecordValidator", "compile_schema", "mapped_schema", "record_validator"]

Check = Callable[[Any], bool]

#: engine fields ``RecordMapper.map`` sets; the others (``changed_at``, ...) come with storage
MAPPED_ENGINE_FIELDS = ("id", "remote_data")

_NONE_TYPE = type(None)
_EXACT: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "null": (_NONE_TYPE,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "number": (int, float),
    "integer": (int,),
}
_JSON_TYPES = frozenset({str, _NONE_TYPE, bool, list, dict, int, float})
_VALIDATING = frozenset(jsonschema.Draft202012Validator.VALIDATORS)
_OBJECT = frozenset({"required", "properties", "additionalProperties"})


class Unsupported(Exception):
    """A keyword (or reference) the compiler leaves to ``jsonschema``."""


def _true(instance: Any) -> bool:
    return True


def _false(instance: Any) -> bool:
    return False


def _number(instance: Any) -> bool:
    return not isinstance(instance, bool) and isinstance(instance, Number)


class _Compiler:
    def __init__(self, registry: Registry, format_checker: Any, type_checker: Any) -> None:
        self.registry = registry
        self.format_checker = format_checker
        self.type_checker = type_checker
        self.done: dict[int, Check] = {}
        self.pending: dict[int, list[Check]] = {}
        self.keep: list[Any] = []  # keeps compiled subschemas alive so their ids stay unique

    def schema(self, schema: Any, resolver: Any) -> Check:
        if schema is True:
            return _true
        if schema is False:
            return _false
        if not isinstance(schema, dict):
            raise Unsupported(f"schema of type {type(schema).__name__}")
        key = id(schema)
        if key in self.done:
            return self.done[key]
        if key in self.pending:  # a recursive reference: call through a cell filled in below
            cell = self.pending[key]
            return lambda instance: cell[0](instance)
        self.pending[key] = cell = []
        self.keep.append(schema)
        if "$id" in schema:
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        checks = [
            check
            for keyword, value in schema.items()
            if keyword in _VALIDATING
            and keyword not in _OBJECT
            and (check := self.keyword(keyword, value, schema, resolver)) is not None
        ]
        if _OBJECT.intersection(schema):
            checks.insert(0, self.object_keywords(schema, resolver))
        check = _all(checks)
        cell.append(check)
        del self.pending[key]
        self.done[key] = check
        return check

    def keyword(self, keyword: str, value: Any, schema: dict[str, Any], resolver: Any) -> Check | None:
        method = getattr(self, "k_" + keyword.lstrip("$"), None)
        if method is None:
            raise Unsupported(f"keyword {keyword!r}")
        return method(value, schema, resolver)

    def object_keywords(self, schema: dict[str, Any], resolver: Any) -> Check:
        """``required``, ``properties`` and ``additionalProperties`` in one pass (all three only look at objects)."""
        required = tuple(schema.get("required", ()))
        pairs = tuple((name, self.schema(sub, resolver)) for name, sub in schema.get("properties", {}).items())
        pairs = tuple((name, sub) for name, sub in pairs if sub is not _true)
        extra = (
            self.k_additionalProperties(schema["additionalProperties"], schema, resolver)
            if "additionalProperties" in schema
            else None
        )

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for name in required:
                if name not in instance:
                    return False
            for name, sub in pairs:
                if name in instance and not sub(instance[name]):
                    return False
            return extra is None or extra(instance)

        return check

    # -- keywords
    def k_ref(self, ref: str, schema: dict[str, Any], resolver: Any) -> Check:
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable as exc:
            raise Unsupported(f"unresolvable $ref {ref!r}") from exc
        return self.schema(resolved.contents, resolved.resolver)

    def k_type(self, types: Any, schema: dict[str, Any], resolver: Any) -> Check:
        names = [types] if isinstance(types, str) else list(types)
        for name in names:
            if name not in _EXACT:
                raise Unsupported(f"type {name!r}")
        accept = frozenset(t for name in names for t in _EXACT[name])
        float_integer = "integer" in names and "number" not in names
        is_type = self.type_checker.is_type

        def check(instance: Any) -> bool:
            kind = type(instance)
            if kind in accept:
                return True
            if kind in _JSON_TYPES:
                return float_integer and kind is float and instance.is_integer()
            return any(is_type(instance, name) for name in names)

        if accept == {str}:
            return lambda instance: type(instance) is str or check(instance)
        return check

    def k_properties(self, properties: dict[str, Any], schema: dict[str, Any], resolver: Any) -> Check:
        pairs = tuple((name, self.schema(sub, resolver)) for name, sub in properties.items())
        pairs = tuple((name, sub) for name, sub in pairs if sub is not _true)

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            for name, sub in pairs:  # noqa: SIM110 - a loop is faster than all() on a generator
                if name in instance and not sub(instance[name]):
                    return False
            return True

        return check

    def k_patternProperties(self, patterns: dict[str, Any], schema: dict[str, Any], resolver: Any) -> Check:
        pairs = tuple((re.compile(p).search, self.schema(sub, resolver)) for p, sub in patterns.items())

        def check(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return True
            return all(sub(v) for search, sub in pairs for k, v in instance.items() if search(k))

        return check

    def k_additionalProperties(self, extra: Any, schema: dict[str, Any], resolver: Any) -> Check | None:
        if extra is True:
            return None
        known = frozenset(schema.get("properties", {}))
        patterns = "|".join(schema.get("patternProperties", {}))  # as jsonschema joins them
        search = re.compile(patterns).search if patterns else None
        sub = self.schema(extra, resolver) if isinstance(extra, dict) else None
        if sub is None and extra:
            return None  # a truthy non-schema value allows everything, as in jsonschema

        def extras(instance: dict[str, Any]) -> list[str]:
            return [k for k in instance if k not in known and not (search is not None and search(k))]

        if sub is None:
            return lambda instance: not isinstance(instance, dict) or not extras(instance)
        return lambda instance: not isinstance(instance, dict) or all(sub(instance[k]) for k in extras(instance))

    def k_items(self, items: Any, schema: dict[str, Any], resolver: Any) -> Check:
        prefix = len(schema.get("prefixItems", []))
        sub = self.schema(items, resolver)

        def check(instance: Any) -> bool:
            if not isinstance(instance, list) or len(instance) <= prefix:
                return True
            if items is False:
                return False
            for index in range(prefix, len(instance)):  # noqa: SIM110 - as above
                if not sub(instance[index]):
                    return False
            return True

        return check

    def k_prefixItems(self, prefix: list[Any], schema: dict[str, Any], resolver: Any) -> Check:
        subs = tuple(self.schema(sub, resolver) for sub in prefix)
        return lambda instance: (
            not isinstance(instance, list) or all(sub(value) for sub, value in zip(subs, instance, strict=False))
        )

    def k_required(self, required: list[str], schema: dict[str, Any], resolver: Any) -> Check:
        names = tuple(required)
        return lambda instance: not isinstance(instance, dict) or all(name in instance for name in names)

    def k_enum(self, enums: list[Any], schema: dict[str, Any], resolver: Any) -> Check:
        if equal is None:
            raise Unsupported("enum without jsonschema's equal()")
        values = list(enums)
        strings = frozenset(v for v in values if isinstance(v, str))

        def check(instance: Any) -> bool:
            if type(instance) is str:  # jsonschema compares strings with ==
                return instance in strings or any(equal(each, instance) for each in values if type(each) is not str)
            return any(equal(each, instance) for each in values)

        return check

    def k_const(self, const: Any, schema: dict[str, Any], resolver: Any) -> Check:
        if equal is None:
            raise Unsupported("const without jsonschema's equal()")
        if type(const) is str:
            return lambda instance: instance == const if type(instance) is str else equal(instance, const)
        return lambda instance: equal(instance, const)

    def k_format(self, fmt: str, schema: dict[str, Any], resolver: Any) -> Check | None:
        if self.format_checker is None or fmt not in self.format_checker.checkers:
            return None  # jsonschema ignores formats it has no checker for
        func, raises = self.format_checker.checkers[fmt]

        def conforms(instance: Any) -> bool:
            try:
                return bool(func(instance))
            except raises:
                return False

        # a format check is a pure function of the text: mapped records repeat dates, so remember it
        text_conforms = lru_cache(maxsize=8192)(conforms)

        def check(instance: Any) -> bool:
            return text_conforms(instance) if type(instance) is str else conforms(instance)

        return check

    def k_pattern(self, pattern: str, schema: dict[str, Any], resolver: Any) -> Check:
        search = re.compile(pattern).search
        return lambda instance: not isinstance(instance, str) or search(instance) is not None

    def k_minLength(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, str) or len(instance) >= n

    def k_maxLength(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, str) or len(instance) <= n

    def k_minItems(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, list) or len(instance) >= n

    def k_maxItems(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, list) or len(instance) <= n

    def k_minProperties(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, dict) or len(instance) >= n

    def k_maxProperties(self, n: int, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not isinstance(instance, dict) or len(instance) <= n

    def k_minimum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not _number(instance) or not instance < limit

    def k_maximum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not _number(instance) or not instance > limit

    def k_exclusiveMinimum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not _number(instance) or not instance <= limit

    def k_exclusiveMaximum(self, limit: Any, schema: dict[str, Any], resolver: Any) -> Check:
        return lambda instance: not _number(instance) or not instance >= limit

    def k_allOf(self, subs: list[Any], schema: dict[str, Any], resolver: Any) -> Check:
        return _all([self.schema(sub, resolver) for sub in subs])

    def k_anyOf(self, subs: list[Any], schema: dict[str, Any], resolver: Any) -> Check:
        checks = tuple(self.schema(sub, resolver) for sub in subs)
        return lambda instance: any(check(instance) for check in checks)

    def k_oneOf(self, subs: list[Any], schema: dict[str, Any], resolver: Any) -> Check:
        checks = tuple(self.schema(sub, resolver) for sub in subs)
        return lambda instance: sum(1 for check in checks if check(instance)) == 1

    def k_not(self, sub: Any, schema: dict[str, Any], resolver: Any) -> Check:
        check = self.schema(sub, resolver)
        return lambda instance: not check(instance)

    def k_if(self, sub: Any, schema: dict[str, Any], resolver: Any) -> Check | None:
        test = self.schema(sub, resolver)
        then = self.schema(schema["then"], resolver) if "then" in schema else _true
        otherwise = self.schema(schema["else"], resolver) if "else" in schema else _true
        if then is _true and otherwise is _true:
            return None
        return lambda instance: then(instance) if test(instance) else otherwise(instance)

    def k_dependentRequired(self, deps: dict[str, list[str]], schema: dict[str, Any], resolver: Any) -> Check:
        pairs = tuple((name, tuple(required)) for name, required in deps.items())
        return lambda instance: (
            not isinstance(instance, dict)
            or all(all(each in instance for each in required) for name, required in pairs if name in instance)
        )

    def k_dependentSchemas(self, deps: dict[str, Any], schema: dict[str, Any], resolver: Any) -> Check:
        pairs = tuple((name, self.schema(sub, resolver)) for name, sub in deps.items())
        return lambda instance: (
            not isinstance(instance, dict) or all(sub(instance) for name, sub in pairs if name in instance)
        )

    def k_propertyNames(self, sub: Any, schema: dict[str, Any], resolver: Any) -> Check:
        check = self.schema(sub, resolver)
        return lambda instance: not isinstance(instance, dict) or all(check(name) for name in instance)


def _all(checks: list[Check]) -> Check:
    checks = [c for c in checks if c is not _true]
    if _false in checks:
        return _false
    if not checks:
        return _true
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda instance: first(instance) and second(instance)
    frozen = tuple(checks)

    def check(instance: Any) -> bool:
        for each in frozen:  # noqa: SIM110 - a loop is faster than all() on a generator
            if not each(instance):
                return False
        return True

    return check


#: keywords the generated source checks itself (the others call the compiled closure of their keyword)
_GENERATED = frozenset({"$ref", "type", "pattern", "minLength", "maxLength", "items", "anyOf", "allOf", *_OBJECT})
_TYPE_NAMES = {str: "_str", bool: "_bool", list: "_list", dict: "_dict", int: "_int", float: "_float"}
_INLINE_DEPTH = 4  # subschemas nested deeper (or recursive ones) get a function of their own


class _Generator:
    """Writes one Python function per (non-inlined) subschema: the compiled check as straight-line code.

    Each keyword's rule is the :class:`_Compiler`'s, written out instead of called through nested
    closures: the common cases (a property's type, a string's pattern, required keys, extra keys)
    take a few bytecodes; the rare ones (a float for ``integer``, a type the type checker was taught,
    ``enum``, ``if``, ...) call the compiler's closure for that keyword, so the verdict is the same.
    """

    def __init__(self, compiler: _Compiler) -> None:
        self.compiler = compiler
        self.env: dict[str, Any] = {"_true": _true, "_false": _false, **{n: t for t, n in _TYPE_NAMES.items()}}
        self.names: dict[int, str] = {}
        self.sources: list[str] = []
        self.count = 0
        self.stack: list[int] = []  # schemas being written (a reference back to one is a call, not inlined)

    def const(self, value: Any) -> str:
        """An expression for ``value`` in the generated source (a literal for text and numbers)."""
        if type(value) in (str, int):
            return repr(value)
        self.count += 1
        name = f"_c{self.count}"
        self.env[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def function(self, schema: Any, resolver: Any) -> str:
        """The name of the generated function checking ``schema``."""
        if schema is True:
            return "_true"
        if schema is False:
            return "_false"
        if not isinstance(schema, dict):
            raise Unsupported(f"schema of type {type(schema).__name__}")
        key = id(schema)
        if key in self.names:
            return self.names[key]
        name = self.names[key] = f"_s{len(self.names)}"
        self.compiler.keep.append(schema)
        self.stack.append(key)
        lines = self.body(schema, resolver, "v", 1, 0)
        self.stack.pop()
        self.sources.append("\n".join([f"def {name}(v):", *lines, "    return True"]))
        return name

    def check(self, schema: Any, resolver: Any, var: str, indent: int, depth: int) -> list[str]:
        """Lines returning False when ``var`` fails ``schema`` (inlined, or a call)."""
        pad = "    " * indent
        if schema is True or (isinstance(schema, dict) and not _VALIDATING.intersection(schema)):
            return []
        if schema is False:
            return [f"{pad}return False"]
        if isinstance(schema, dict) and depth < _INLINE_DEPTH and id(schema) not in self.stack and "$id" not in schema:
            self.stack.append(id(schema))
            lines = self.body(schema, resolver, var, indent, depth + 1)
            self.stack.pop()
            return lines
        return [f"{pad}if not {self.function(schema, resolver)}({var}):", f"{pad}    return False"]

    def body(self, schema: dict[str, Any], resolver: Any, var: str, indent: int, depth: int) -> list[str]:
        pad = "    " * indent
        if "$id" in schema:
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        kind = self.var()
        lines: list[str] = [f"{pad}{kind} = type({var})"]
        if _OBJECT.intersection(schema):
            lines += self.object_keywords(schema, resolver, var, kind, indent, depth)
        for keyword, value in schema.items():
            if keyword not in _VALIDATING or keyword in _OBJECT:
                continue
            if keyword not in _GENERATED:
                check = self.compiler.keyword(keyword, value, schema, resolver)
                if check is not None:
                    lines += [f"{pad}if not {self.const(check)}({var}):", f"{pad}    return False"]
            elif keyword == "$ref":
                try:
                    resolved = resolver.lookup(value)
                except Unresolvable as exc:
                    raise Unsupported(f"unresolvable $ref {value!r}") from exc
                lines += self.check(resolved.contents, resolved.resolver, var, indent, depth)
            elif keyword == "type":
                lines += self.type_check(value, schema, resolver, var, kind, pad)
            elif keyword == "pattern":
                search = self.const(re.compile(value).search)
                lines += [f"{pad}if {_is(var, kind, str)} and {search}({var}) is None:", f"{pad}    return False"]
            elif keyword in ("minLength", "maxLength"):
                op = "<" if keyword == "minLength" else ">"
                lines += [f"{pad}if {_is(var, kind, str)} and len({var}) {op} {int(value)}:", f"{pad}    return False"]
            elif keyword == "items":
                lines += self.items(value, schema, resolver, var, kind, indent, depth)
            elif keyword == "anyOf":
                calls = " or ".join(f"{self.function(sub, resolver)}({var})" for sub in value)
                lines += [f"{pad}if not ({calls or 'False'}):", f"{pad}    return False"]
            elif keyword == "allOf":
                for sub in value:
                    lines += self.check(sub, resolver, var, indent, depth)
        return lines if len(lines) > 1 else []

    def type_check(self, types: Any, schema: dict[str, Any], resolver: Any, var: str, kind: str, pad: str) -> list[str]:
        names = [types] if isinstance(types, str) else list(types)
        slow = self.const(self.compiler.k_type(types, schema, resolver))  # the rare cases: its exact rule
        accept: list[type] = sorted({t for name in names for t in _EXACT[name]}, key=lambda t: t.__name__)
        tests = " and ".join(
            f"{var} is not None" if t is _NONE_TYPE else f"{kind} is not {_TYPE_NAMES[t]}" for t in accept
        )
        return [f"{pad}if {tests} and not {slow}({var}):", f"{pad}    return False"]

    def object_keywords(
        self, schema: dict[str, Any], resolver: Any, var: str, kind: str, indent: int, depth: int
    ) -> list[str]:
        pad, inner = "    " * indent, "    " * (indent + 1)
        lines = [f"{pad}if {_is(var, kind, dict)}:"]
        required = list(schema.get("required", ()))
        if required:
            missing = " or ".join(f"{self.const(name)} not in {var}" for name in required)
            lines += [f"{inner}if {missing}:", f"{inner}    return False"]
        for name, sub in schema.get("properties", {}).items():
            item = self.var()
            body = self.check(sub, resolver, item, indent + 2, depth)
            if body:
                key = self.const(name)
                lines += [f"{inner}if {key} in {var}:", f"{inner}    {item} = {var}[{key}]", *body]
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            known = self.const(frozenset(schema.get("properties", {})))
            if schema.get("patternProperties") or (extra is not False and not isinstance(extra, dict)):
                check = self.compiler.k_additionalProperties(extra, schema, resolver)
                if check is not None:
                    lines += [f"{inner}if not {self.const(check)}({var}):", f"{inner}    return False"]
            elif extra is False:
                key = self.var()
                lines += [
                    f"{inner}for {key} in {var}:",
                    f"{inner}    if {key} not in {known}:",
                    f"{inner}        return False",
                ]
            else:
                key, item = self.var(), self.var()
                body = self.check(extra, resolver, item, indent + 3, depth)
                if body:
                    lines += [
                        f"{inner}for {key}, {item} in {var}.items():",
                        f"{inner}    if {key} not in {known}:",
                        *body,
                    ]
        return lines if len(lines) > 1 else []

    def items(
        self, items: Any, schema: dict[str, Any], resolver: Any, var: str, kind: str, indent: int, depth: int
    ) -> list[str]:
        pad, inner = "    " * indent, "    " * (indent + 1)
        prefix = len(schema.get("prefixItems", []))
        if items is False:
            return [f"{pad}if {_is(var, kind, list)} and len({var}) > {prefix}:", f"{inner}return False"]
        item = self.var()
        body = self.check(items, resolver, item, indent + 2, depth)
        if not body:
            return []
        values = f"{var}[{prefix}:]" if prefix else var
        return [f"{pad}if {_is(var, kind, list)}:", f"{inner}for {item} in {values}:", *body]


def _is(var: str, kind: str, typ: type) -> str:
    """Source for ``isinstance(var, typ)`` that calls nothing for an exact ``typ`` or ``None``."""
    name = _TYPE_NAMES[typ]
    return f"({kind} is {name} or ({var} is not None and isinstance({var}, {name})))"


def _generated(compiler: _Compiler, schema: Any, resolver: Any) -> Check:
    generator = _Generator(compiler)
    entry = generator.function(schema, resolver)
    namespace = dict(generator.env)
    exec(compile("\n\n".join(generator.sources), "<unimap.validate generated>", "exec"), namespace)
    check: Check = namespace[entry]
    return check


def compile_schema(
    schema: Any,
    *,
    registry: Registry | None = None,
    format_checker: Any = None,
    type_checker: Any = None,
    generate: bool = True,
) -> Check | None:
    """``instance -> bool``: whether draft 2020-12 ``jsonschema`` finds ``instance`` valid.

    ``None`` when the schema uses a keyword outside the compiled set (use ``jsonschema``).
    ``$ref``s resolve through ``registry`` (default: the shipped schemas). ``generate`` writes the
    check out as Python source (one function per subschema, the same verdicts, a few times faster);
    without it, the check is the nested closures.
    """
    registry = registry if registry is not None else unified.registry()
    type_checker = type_checker if type_checker is not None else jsonschema.Draft202012Validator.TYPE_CHECKER
    compiler = _Compiler(registry, format_checker, type_checker)
    try:
        resolver = registry.resolver_with_root(DRAFT202012.create_resource(schema))  # as jsonschema does
        check = compiler.schema(schema, resolver)
    except (Unsupported, re.error, RecursionError, Unresolvable):
        return None
    if not generate:
        return check
    try:
        return _generated(compiler, schema, resolver)
    except (Unsupported, re.error, RecursionError, Unresolvable, SyntaxError):
        return check  # the closures give the same verdict


def mapped_schema(model: str) -> dict[str, Any]:
    """The model's schema for a record as ``RecordMapper.map`` returns it.

    Only the keys mapping produces are required: the mapped fields, ``id`` and ``remote_data``
    (not ``changed_at``, ``remote_deleted_at`` or nested objects, which storage and assembly add).
    """
    schema = dict(unified.schema("models", model))
    schema["required"] = [
        name
        for name in schema.get("required", [])
        if name in MAPPED_ENGINE_FIELDS or unified.origin(model, name) == "mapped"
    ]
    return schema


class RecordValidator:
    """Validates records of one schema: the compiled check, with ``jsonschema`` for the messages."""

    def __init__(self, schema: dict[str, Any], *, registry: Registry | None = None, compiled: bool = True) -> None:
        cls = jsonschema.Draft202012Validator
        registry = registry if registry is not None else unified.registry()
        self.schema = schema
        self.reference = cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)
        check = compile_schema(schema, registry=registry, format_checker=cls.FORMAT_CHECKER) if compiled else None
        self.compiled = check is not None
        self.is_valid: Check = check if check is not None else self.reference.is_valid

    def iter_errors(self, record: Any) -> list[jsonschema.ValidationError]:
        """Every ``jsonschema`` error of ``record`` (none without asking it when the check passes)."""
        return [] if self.is_valid(record) else list(self.reference.iter_errors(record))

    def validate(self, record: Any) -> None:
        """Raise ``jsonschema``'s best-matching ``ValidationError`` when ``record`` is invalid."""
        if not self.is_valid(record):
            self.reference.validate(record)


@cache
def record_validator(model: str) -> RecordValidator:
    """The validator of records ``RecordMapper.map`` returns for ``model`` (see :func:`mapped_schema`)."""
    return RecordValidator(mapped_schema(model))
