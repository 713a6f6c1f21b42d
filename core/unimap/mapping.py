"""Turning vendor records into unified records, following a model spec."""

from __future__ import annotations

from typing import Any

from unimap import context, ids, unified
from unimap.compiled import compile_record
from unimap.context import MappingContext
from unimap.errors import MappingError
from unimap.expressions import FunctionRegistry
from unimap.specs import FieldMapping, ModelSpec


def _enum_key(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with a ``$ref`` into the shared model definitions replaced by the definition."""
    ref = node.get("$ref")
    prefix = "common.schema.json#/$defs/"
    if isinstance(ref, str) and ref.startswith(prefix):
        target = unified.schema("models", "common").get("$defs", {}).get(ref[len(prefix) :], {})
        return {**_resolved(target), **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def empty_value(node: dict[str, Any]) -> Any:
    """What a record carries for an unmapped required field of schema ``node``: null, ``[]`` or ``{}``."""
    node = _resolved(node)
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "null" in types or not types:
        return None
    if "array" in types:
        return []
    if "object" in types:
        return {}
    return None


def _a(noun: str) -> str:
    """``a user``, ``an application``."""
    return f"{'an' if noun[:1].lower() in 'aeio' else 'a'} {noun}"  # a user, an application


def _field_chains(expressions: Any) -> list[tuple[str, ...]]:
    """Dotted vendor paths the field expressions read from the record's root (``Person.firstName``)."""
    from unimap.astwalk import chains as _chains

    found: set[tuple[str, ...]] = set()
    for expression in expressions:
        for chain in _chains(expression.parsed.parsed):
            if len(chain) >= 2:
                found.add(tuple(chain))
    return sorted(found)


Paths = dict[str, "Paths"]


def _object_paths(chains: list[tuple[str, ...]]) -> Paths:
    """The vendor fields the chains read through, as a tree: ``{"Person": {"AddressPrimary": {}}}``
    for ``Person.firstName`` and ``Person.AddressPrimary.city``."""
    tree: Paths = {}
    for chain in chains:
        node = tree
        for name in chain[:-1]:
            node = node.setdefault(name, {})
    return tree


def _has_shape(value: Any, objects: Paths) -> bool:
    """Whether every field of ``objects`` in ``value`` is an object or null (``_shape_problem`` finds
    none), checking each shared step once."""
    if not isinstance(value, dict):
        return True
    for name, inner in objects.items():
        found = value.get(name)
        if found is None:
            continue
        if not isinstance(found, dict) or (inner and not _has_shape(found, inner)):
            return False
    return True


class RecordMapper:
    """Maps vendor records of one model: the spec's fields, then unmapped required keys as null."""

    def __init__(
        self, connector: str, spec: ModelSpec, functions: FunctionRegistry, hook: Any = None, *, compiled: bool = True
    ) -> None:
        self.connector = connector
        self.spec = spec
        self.model = spec.model
        self.functions = functions
        # calling a hook nobody implements still costs ~1 µs per record
        has_impls = hook is not None and bool(hook.unimap_process_record.get_hookimpls())
        self.hook = hook if has_impls else None
        mapped = {f.name for f in spec.fields}
        fields = unified.model_fields(spec.model)
        self.fillers = {
            name: empty_value(fields[name])
            for name in unified.required_fields(spec.model)
            if name not in mapped and unified.origin(spec.model, name) == "mapped"
        }
        rich = [f for f in spec.fields if f.transforms or f.enum or f.default is not None]
        self._plain = [(f.name, f.expression) for f in spec.fields if f not in rich]
        self._rich = rich
        self.compiled = compiled  # False: every expression runs in jmespath's interpreter
        self._chains = _field_chains(f.expression for f in spec.fields)
        self._objects = _object_paths(self._chains)
        self._prepared: tuple[Any, list[tuple[str, Any]], list[tuple[FieldMapping, Any]], Any] = (None, [], [], None)

    def _evaluators(self) -> tuple[list[tuple[str, Any]], list[tuple[FieldMapping, Any]], Any]:
        """Each field's evaluating function and, when every plain field compiles, one function
        computing them all (with the fillers when no field is rich); rebuilt when the function
        registry changes."""
        options = self.functions.options()
        built_for, plain, rich, whole = self._prepared
        if built_for is not options:
            whole = None
            if all(f.expression.registry is self.functions for f in self.spec.fields):
                plain = [(name, e.evaluator(compiled=self.compiled)) for name, e in self._plain]
                rich = [(f, f.expression.evaluator(compiled=self.compiled)) for f in self._rich]
                if self.compiled:
                    asts = [(name, e.parsed.parsed) for name, e in self._plain]
                    whole = compile_record(asts, self.functions, None if self._rich else self.fillers)
            else:  # expressions bound to another registry: let each one follow its own
                plain = [(name, e.search if self.compiled else e.interpret) for name, e in self._plain]
                rich = [(f, f.expression.search if self.compiled else f.expression.interpret) for f in self._rich]
            self._prepared = (options, plain, rich, whole)
        return plain, rich, whole

    def _value(self, field: FieldMapping, raw: Any, evaluate: Any = None) -> Any:
        value = (evaluate or field.expression.search)(raw)
        for name in field.transforms:
            value = self.functions.call(name, value)
        if field.enum is not None:
            value = field.default if value is None else field.enum.get(_enum_key(value), field.default)
        if value is None:
            value = field.default
        return value

    def _shape_problem(self, raw: dict[str, Any]) -> str | None:
        """A vendor field the spec reads through (``Person.firstName``) that is not an object, if any."""
        for chain in self._chains:
            value: Any = raw
            for depth, name in enumerate(chain[:-1]):
                value = value.get(name) if isinstance(value, dict) else None
                if value is None:
                    break
                if not isinstance(value, dict):
                    read = ".".join(chain[: depth + 2])
                    return f"field {'.'.join(chain[: depth + 1])} is {type(value).__name__}, but the spec reads {read}"
        return None

    def fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The mapped fields of one vendor record (no engine fields)."""
        plain, rich, whole = self._evaluators()
        problem = None if _has_shape(raw, self._objects) else self._shape_problem(raw)
        if problem is not None:
            raise MappingError(
                f"{self.spec.file.path}: {_a(self.model)} record does not have the shape the spec reads: {problem}"
            )
        try:
            record = whole(raw) if whole is not None else {name: evaluate(raw) for name, evaluate in plain}
            for field, evaluate in rich:
                record[field.name] = self._value(field, raw, evaluate)
        except Exception as exc:
            failing = self._failing_field(raw, plain, rich)
            raise MappingError(
                f"{self.spec.file.path}: mapping {_a(self.model)} record failed"
                f"{f' at field {failing!r}' if failing else ''}: {exc}"
            ) from exc
        if whole is None or rich:  # else the fillers are in the record already
            for name, value in self.fillers.items():
                record.setdefault(name, value if not isinstance(value, list | dict) else type(value)())
        remote_id = record.get("remote_id")
        if remote_id is None or remote_id == "":
            raise MappingError(f"{self.spec.file.path}: {_a(self.model)} record has no remote_id")
        if not isinstance(remote_id, str):
            record["remote_id"] = _enum_key(remote_id)
        return record

    def _failing_field(
        self, raw: dict[str, Any], plain: list[tuple[str, Any]], rich: list[tuple[FieldMapping, Any]]
    ) -> str | None:
        """Which field fails on ``raw`` (run only after a failure, field by field)."""
        for name, evaluate in plain:
            try:
                evaluate(raw)
            except Exception:
                return name
        for field, evaluate in rich:
            try:
                self._value(field, raw, evaluate)
            except Exception:
                return field.name
        return None

    def field_computing(self, expression: Any) -> str | None:
        """The field whose value is exactly ``expression``'s (same expression, no transform, map or
        default, no plugin post-processing records), so callers read it instead of evaluating again."""
        if self.hook is not None or expression is None:
            return None
        wanted = getattr(getattr(expression, "parsed", None), "parsed", None)
        for name, mapped in self._plain:
            if name != "remote_id" and mapped.registry is expression.registry and mapped.parsed.parsed == wanted:
                return name
        return None

    def map(self, raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
        """A unified record with ``id`` and ``remote_data``, post-processed by plugins."""
        if context.current() is ctx:  # a page mapped inside its context: no switch per record
            return self._map(raw, ctx)
        with context.mapping_context(ctx):
            return self._map(raw, ctx)

    def _map(self, raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
        record = self.fields(raw)
        record["id"] = ids.unified_id(ctx.integration_id, self.model, record["remote_id"])
        record["remote_data"] = {self.spec.remote_data_key: raw}
        if self.hook is not None:
            self.hook.unimap_process_record(
                connector=self.connector, model=self.model, record=record, raw=raw, settings=ctx.settings
            )
        return record
