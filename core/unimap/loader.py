"""Load spec files into compiled specs, collecting every problem as a finding.

The loader *is* the linter: ``unimap lint`` prints what it finds, and the engine refuses
to start on a connector with error findings.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import jsonschema
import pluggy

from unimap import rules, unified
from unimap.astwalk import chains as _chains
from unimap.astwalk import function_calls as _function_calls
from unimap.astwalk import literal_args as _literal_args
from unimap.astwalk import negated_chain as _negated_chain
from unimap.expressions import (
    BUILTIN_FUNCTIONS,
    Expression,
    ExpressionError,
    FunctionRegistry,
    compile_expression,
    compile_template,
)
from unimap.findings import Findings, did_you_mean
from unimap.mapping import empty_value
from unimap.registry import ComponentRegistry
from unimap.schemaerrors import Problem, problems
from unimap.slots import iter_slots
from unimap.specs import ActionSpec, ConnectorSpecs, FieldMapping, ModelSpec, ReadSpec, SpecFile
from unimap.specschema import spec_validator
from unimap.yamlsource import JsonPath, YamlDocument, YamlLimitError, YamlSyntaxError, parse_yaml

CONNECTOR_FILE = "connector.yaml"
SPEC_SUFFIXES = (".yaml", ".yml")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(data: Any, path: JsonPath) -> Any:
    for part in path:
        in_list = isinstance(data, list) and isinstance(part, int) and part < len(data)
        if (isinstance(data, dict) and part in data) or in_list:
            data = data[part]
        else:
            return None
    return data


class SpecLoader:
    """Loads and checks spec files against the spec format, the unified models and each other."""

    def __init__(
        self, functions: FunctionRegistry, *, check_plugins: bool = True, components: ComponentRegistry | None = None
    ) -> None:
        self.functions = functions
        self.check_plugins = check_plugins
        if components is None:
            from unimap.plugins import default_components

            components = default_components()
        self.components = components
        self.coverage: dict[str, tuple[str, ...]] = {}  # the connector's `coverage`: fields each model must map

    # -- files ---------------------------------------------------------------------------

    def load_file(self, path: Path, findings: Findings, selected: dict[str, str] | None = None) -> SpecFile | None:
        """Parse and check one spec file on its own; ``None`` when it cannot be used.

        ``selected`` pins connector-dependent component categories (``{"request": "rest"}``).
        """
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            findings.add(rules.YAML_SYNTAX, f"cannot read file: {exc}", _loc(path))
            return None
        try:
            doc = parse_yaml(text, path)
        except YamlLimitError as exc:
            findings.add(rules.YAML_LIMIT, exc.message, exc.location)
            return None
        except YamlSyntaxError as exc:
            findings.add(rules.YAML_SYNTAX, exc.message, exc.location)
            return None
        for dup in doc.duplicates:
            findings.add(
                rules.DUPLICATE_KEY,
                f"duplicate key {dup.path[-1]!r} (first at line {dup.first.line}); the later value would win",
                doc.location(dup.path, key=True),
                dup.path,
            )
        if not isinstance(doc.data, dict):
            findings.add(rules.UNKNOWN_KIND, "a spec file must be a mapping with a `kind` key", doc.location(()))
            return None
        kind = doc.data.get("kind")
        if kind not in unified.SPEC_KINDS:
            where = doc.location(("kind",)) if "kind" in doc.data else doc.location(())
            hint = did_you_mean(str(kind), unified.SPEC_KINDS) if kind is not None else None
            findings.add(
                rules.UNKNOWN_KIND,
                f"`kind` must be one of {', '.join(unified.SPEC_KINDS)} (got {kind!r})",
                where,
                ("kind",),
                hint,
            )
            return None
        if kind == "connector":  # its own transport decides the shape of its lookups' requests
            transport = _mapping(doc.data.get("transport")).get("type")
            if self.components.find("request", transport) is not None:
                selected = {**(selected or {}), "request": str(transport)}
        validator = spec_validator(kind, self.components, selected)  # composed once per kind and registry
        self._check_schema(doc, validator, findings)
        spec = SpecFile(kind, doc)
        self._compile_expressions(spec, validator.schema, findings)
        if kind == "model":
            self._check_fields(spec, findings)
        elif kind in ("action", "read"):
            self._check_steps(spec, findings)
        return spec

    def _check_schema(self, doc: YamlDocument, validator: jsonschema.protocols.Validator, findings: Findings) -> None:
        for problem in problems(validator.iter_errors(doc.data)):
            self._report_schema_problem(doc, problem, findings)

    def _report_schema_problem(self, doc: YamlDocument, problem: Problem, findings: Findings) -> None:
        path = problem.path
        if problem.kind == "additionalProperties" and problem.unknown:
            allowed = set(problem.error.schema.get("properties", {}))
            for key in problem.unknown:
                findings.add(
                    rules.UNKNOWN_KEY,
                    f"unknown key {key!r}",
                    doc.location((*path, key), key=True),
                    (*path, key),
                    did_you_mean(key, allowed),
                )
            return
        if problem.kind == "required":
            findings.add(
                rules.SCHEMA,
                f"missing required key {problem.missing or problem.message!r}",
                doc.location(path, key=True),
                path,
            )
            return
        if problem.kind in ("enum", "const"):
            value = problem.error.validator_value
            options = value if problem.kind == "enum" else [value]
            findings.add(
                rules.SCHEMA,
                problem.message,
                doc.location(path),
                path,
                did_you_mean(str(problem.error.instance), [str(o) for o in options]),
            )
            return
        where = ".".join(str(p) for p in path) or "the file"
        findings.add(rules.SCHEMA, f"{where}: {problem.message}", doc.location(path), path)

    # -- expressions ---------------------------------------------------------------------

    def _compile_expressions(self, spec: SpecFile, schema: dict[str, Any], findings: Findings) -> None:
        for path, kind in iter_slots(schema, spec.data):
            text = _get(spec.data, path)
            if not isinstance(text, str):
                continue
            try:
                if kind == "template":
                    spec.templates[path] = compile_template(text, self.functions)
                else:
                    spec.expressions[path] = compile_expression(text, self.functions)
            except ExpressionError as exc:
                what = "template" if kind == "template" else "JMESPath"
                findings.add(
                    rules.EXPRESSION_SYNTAX,
                    f"{what}: {exc.message} in {text!r}",
                    spec.document.scalar_location(path, exc.position),
                    path,
                )
        for path, expression, offset in spec.all_expressions():
            self._check_calls(spec, path, expression, offset, findings)
            if _negated_chain(expression.parsed.parsed):
                findings.add(
                    rules.NEGATION_PRECEDENCE,
                    f"{expression.text!r}: `!` applies before `.`; wrap the path "
                    "in parentheses, e.g. `!(steps.existing)`",
                    spec.document.scalar_location(path, offset + max(0, expression.text.find("!"))),
                    path,
                )

    def _check_calls(
        self, spec: SpecFile, path: JsonPath, expression: Expression, offset: int, findings: Findings
    ) -> None:
        known = self.functions.names()
        for name, count in _function_calls(expression.parsed.parsed):
            location = spec.document.scalar_location(path, offset + max(0, expression.text.find(name)))
            if name not in known:
                findings.add(
                    rules.UNKNOWN_FUNCTION, f"unknown function {name}()", location, path, did_you_mean(name, known)
                )
                continue
            info = self.functions.get(name)
            if info is not None:
                if not info.accepts(count):
                    upper = info.required + info.optional
                    wanted = str(info.required) if not info.optional else f"{info.required} to {upper}"
                    findings.add(
                        rules.FUNCTION_ARITY, f"{name}() takes {wanted} argument(s), got {count}", location, path
                    )
            elif name in BUILTIN_FUNCTIONS:
                signature = self.functions.options().custom_functions.FUNCTION_TABLE[name]["signature"]
                variadic = bool(signature and signature[-1].get("variadic"))
                if count < len(signature) or (count > len(signature) and not variadic):
                    findings.add(
                        rules.FUNCTION_ARITY,
                        f"{name}() takes {len(signature)} argument(s), got {count}",
                        location,
                        path,
                    )

    # -- model fields ----------------------------------------------------------------------

    def _check_fields(self, spec: SpecFile, findings: Findings) -> None:
        model = spec.data.get("model")
        fields = spec.data.get("fields")
        if model not in unified.MODELS or not isinstance(fields, dict):
            return
        known = unified.model_fields(model)
        mappable = [name for name in known if unified.origin(model, name) == "mapped"]
        for name, value in fields.items():
            path = ("fields", name)
            if name not in known:
                findings.add(
                    rules.UNKNOWN_FIELD,
                    f"{name!r} is not a field of the unified {model}",
                    spec.document.location(path, key=True),
                    path,
                    did_you_mean(name, mappable),
                )
            elif unified.origin(model, name) != "mapped":
                findings.add(
                    rules.ENGINE_FIELD,
                    f"{name!r} is set by the engine ({unified.origin(model, name)}); remove it from `fields`",
                    spec.document.location(path, key=True),
                    path,
                )
            if isinstance(value, dict):
                self._check_transforms(spec, name, value.get("transform"), findings)
        where = spec.document.location(("fields",), key=True)
        for name in unified.required_fields(model):
            empty = empty_value(known[name]) if name in known else None
            if isinstance(empty, list | dict):
                continue  # an unmapped list or object is carried empty, which is a valid value
            if name in mappable and name not in fields and name not in self.coverage.get(model, ()):
                findings.add(
                    rules.UNMAPPED_REQUIRED_FIELD,
                    f"required key {name!r} is not mapped; records carry null",
                    where,
                    ("fields", name),
                )
        for name in self.coverage.get(model, ()):
            if name not in fields and unified.origin(model, name) == "mapped":
                findings.add(
                    rules.UNMAPPED_SEED_FIELD,
                    f"field {name!r} of the unified {model} is in the connector's `coverage` but not mapped "
                    "(map it, to `null` if need be)",
                    where,
                    ("fields", name),
                )

    def _check_transforms(self, spec: SpecFile, name: str, transform: Any, findings: Findings) -> None:
        names = [transform] if isinstance(transform, str) else transform if isinstance(transform, list) else []
        for i, fn in enumerate(names):
            if not isinstance(fn, str) or self.functions.unary(fn):
                continue
            path: JsonPath = ("fields", name, "transform")
            if not isinstance(transform, str):
                path = (*path, i)
            reason = "takes more than one argument" if fn in self.functions else "is not a registered function"
            findings.add(
                rules.UNKNOWN_TRANSFORM,
                f"transform {fn!r} {reason}",
                spec.document.location(path),
                path,
                did_you_mean(fn, [f for f in self.functions.names() if self.functions.unary(f)]),
            )

    # -- action steps ----------------------------------------------------------------------

    def _check_steps(self, spec: SpecFile, findings: Findings) -> None:
        defined: set[str] = set()
        steps = _sequence(spec.data.get("steps"))
        expressions = list(spec.all_expressions())
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            for path, expression, offset in expressions:
                if path[:2] == ("steps", i):
                    self._check_step_refs(
                        spec, path, expression, offset, defined, "the id of an earlier step", findings
                    )
            if isinstance(step.get("id"), str):
                defined.add(step["id"])
        for path, expression, offset in expressions:
            if path[:1] in (("response",), ("records",), ("download",)):
                self._check_step_refs(spec, path, expression, offset, defined, "the id of a step", findings)

    def _check_step_refs(
        self,
        spec: SpecFile,
        path: JsonPath,
        expression: Expression,
        offset: int,
        defined: set[str],
        what: str,
        findings: Findings,
    ) -> None:
        for chain in _chains(expression.parsed.parsed):
            if len(chain) >= 2 and chain[0] == "steps" and chain[1] not in defined:
                at = offset + max(0, expression.text.find(f"steps.{chain[1]}"))
                findings.add(
                    rules.UNKNOWN_STEP,
                    f"`steps.{chain[1]}` is not {what}",
                    spec.document.scalar_location(path, at),
                    path,
                    did_you_mean(chain[1], defined),
                )

    # -- connectors ------------------------------------------------------------------------

    def load_connector(self, root: Path, findings: Findings) -> ConnectorSpecs | None:
        """Load a connector folder (``connector.yaml``, ``models/``, ``actions/``) and cross-check it."""
        files = sorted(p for p in root.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file())
        # the connector file first: its plugin may register functions the other files call
        files.sort(key=lambda p: p != root / CONNECTOR_FILE)
        self.coverage = {}
        loaded: list[tuple[Path, SpecFile | None]] = []
        selected: dict[str, str] = {}
        for path in files:
            loaded.append((path, self.load_file(path, findings, selected)))
            head = loaded[-1][1]
            if len(loaded) == 1 and head is not None and head.kind == "connector":
                self._register_plugin_functions(head.data.get("plugin"))
                coverage = _mapping(head.data.get("coverage"))
                self.coverage = {
                    m: tuple(f for f in v if isinstance(f, str)) for m, v in coverage.items() if isinstance(v, list)
                }
                transport = _mapping(head.data.get("transport")).get("type")
                if isinstance(transport, str) and self.components.find("request", transport) is not None:
                    selected["request"] = transport
        connectors = [s for _, s in loaded if s and s.kind == "connector"]
        if not connectors:
            for path, spec in loaded:
                if spec is not None:
                    findings.add(rules.MISSING_CONNECTOR, f"no {CONNECTOR_FILE} in {root}", _loc(path))
            return None
        connector = connectors[0]
        for extra in connectors[1:]:
            findings.add(
                rules.DUPLICATE_SPEC,
                f"a second connector spec (first: {connector.path})",
                extra.document.location(("kind",)),
            )
        specs = ConnectorSpecs(str(connector.data.get("name", root.name)), root, connector)
        for _, spec in loaded:
            if spec is None or spec.kind == "connector":
                continue
            key = spec.kind
            name = spec.data.get(key)
            if not isinstance(name, str):  # the schema check has reported it
                continue
            tables: dict[str, dict[str, Any]] = {"model": specs.models, "read": specs.reads, "action": specs.actions}
            table = tables.get(spec.kind, specs.actions)
            if name in table:
                first = _shown(table[name].file.path, root)
                findings.add(
                    rules.DUPLICATE_SPEC,
                    f"{key} {name!r} is already defined in {first}",
                    spec.document.location((key,)),
                    (key,),
                )
                continue
            if spec.kind == "model":
                specs.models[name] = ModelSpec(name, spec, self._field_mappings(spec))
            elif spec.kind == "read":
                specs.reads[name] = ReadSpec(name, spec)
            else:
                specs.actions[name] = ActionSpec(name, spec)
        self._check_references(specs, findings)
        self._check_settings(specs, [s for _, s in loaded if s is not None], findings)
        if self.check_plugins:
            self._check_plugin(connector, findings)
        return specs

    def _field_mappings(self, spec: SpecFile) -> list[FieldMapping]:
        mappings = []
        for name, value in _mapping(spec.data.get("fields")).items():
            path = ("fields", name) if isinstance(value, str) else ("fields", name, "expr")
            expression = spec.expr(*path)
            if expression is None:
                continue
            if isinstance(value, dict):
                transform = value.get("transform") or ()
                transforms = (transform,) if isinstance(transform, str) else tuple(_sequence(transform))
                mappings.append(FieldMapping(name, expression, transforms, value.get("map"), value.get("default")))
            else:
                mappings.append(FieldMapping(name, expression))
        return mappings

    def _check_references(self, specs: ConnectorSpecs, findings: Findings) -> None:
        models = set(specs.models)
        for model in specs.models.values():
            source = _mapping(model.file.data.get("source"))
            parent = source.get("from") if source.get("type") == "derived" else None
            if isinstance(parent, str) and parent not in models:
                findings.add(
                    rules.UNKNOWN_MODEL,
                    f"derived from {parent!r}, which has no model spec here",
                    model.file.document.location(("source", "from")),
                    ("source", "from"),
                    did_you_mean(parent, models),
                )
        steps_specs: list[ActionSpec | ReadSpec] = [*specs.actions.values(), *specs.reads.values()]
        for action in steps_specs:
            data = action.file.data
            for name, ref in _mapping(data.get("refs")).items():
                target = _mapping(ref).get("model")
                if isinstance(target, str) and target not in models:
                    findings.add(
                        rules.UNKNOWN_MODEL,
                        f"reference {name!r} points at model {target!r} (no spec)",
                        action.file.document.location(("refs", name, "model")),
                        ("refs", name, "model"),
                        did_you_mean(target, models),
                    )
            response = _mapping(data.get("response"))
            if (
                response.get("type") == "record"
                and isinstance(response.get("model"), str)
                and response.get("model") not in models
            ):
                findings.add(
                    rules.UNKNOWN_MODEL,
                    f"the response model {response.get('model')!r} has no spec",
                    action.file.document.location(("response", "model")),
                    ("response", "model"),
                )

    def _check_settings(self, specs: ConnectorSpecs, files: list[SpecFile], findings: Findings) -> None:
        tables = {
            "setting": (rules.UNKNOWN_SETTING, set(_mapping(specs.data.get("settings")))),
            "lookup": (rules.UNKNOWN_LOOKUP, set(_mapping(specs.data.get("lookups")))),
            "labelled_fields": (rules.UNKNOWN_LOOKUP, set(_mapping(specs.data.get("lookups")))),
        }
        lookups = tables["lookup"][1]
        for index, entry in enumerate(_sequence(specs.data.get("custom_field_catalogue"))):
            name = _mapping(entry).get("lookup")
            if isinstance(name, str) and name not in lookups:
                entry_path: JsonPath = ("custom_field_catalogue", index, "lookup")
                findings.add(
                    rules.UNKNOWN_LOOKUP,
                    f"custom_field_catalogue: lookup {name!r} is not defined in {CONNECTOR_FILE}",
                    specs.connector.document.location(entry_path),
                    entry_path,
                    did_you_mean(name, lookups),
                )
        for spec in files:
            for path, expression, offset in spec.all_expressions():
                for function, (rule, known) in tables.items():
                    position = 2 if function == "labelled_fields" else 0
                    for name in _literal_args(expression.parsed.parsed, function, position):
                        if name not in known:
                            at = offset + max(0, expression.text.find(name))
                            findings.add(
                                rule,
                                f"{function.split('_')[0]} {name!r} is not defined in {CONNECTOR_FILE}",
                                spec.document.scalar_location(path, at),
                                path,
                                did_you_mean(name, known),
                            )
                for chain in _chains(expression.parsed.parsed):
                    if len(chain) >= 2 and chain[0] == "settings" and chain[1] not in tables["setting"][1]:
                        at = offset + max(0, expression.text.find(f"settings.{chain[1]}"))
                        known = tables["setting"][1]
                        findings.add(
                            rules.UNKNOWN_SETTING,
                            f"setting {chain[1]!r} is not defined in {CONNECTOR_FILE}",
                            spec.document.scalar_location(path, at),
                            path,
                            did_you_mean(chain[1], known),
                        )

    def _register_plugin_functions(self, module_name: Any) -> None:
        """Let the connector's plugin register its JMESPath functions before its specs compile."""
        if not isinstance(module_name, str):
            return
        try:
            module = importlib.import_module(module_name)
        except Exception:  # reported as U306 by _check_plugin
            return
        register = getattr(module, "unimap_register_functions", None)
        if callable(register):
            register(register=self.functions.register)

    def _check_plugin(self, connector: SpecFile, findings: Findings) -> None:
        module_name = connector.data.get("plugin")
        if not isinstance(module_name, str):
            return
        where = connector.document.location(("plugin",))
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            findings.add(rules.PLUGIN_IMPORT, f"cannot import plugin module {module_name!r}: {exc}", where, ("plugin",))
            return
        from unimap import hookspecs

        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        pm.register(module, name=module_name)
        known = [n for n in dir(hookspecs) if n.startswith("unimap_")]
        for name in dir(module):
            if name.startswith("unimap_") and callable(getattr(module, name)) and name not in known:
                findings.add(
                    rules.UNKNOWN_HOOK,
                    f"plugin {module_name} implements unknown hook {name!r}",
                    where,
                    ("plugin",),
                    did_you_mean(name, known),
                )


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to the connector folder when it is inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _loc(path: Path) -> Any:
    from unimap.errors import Location

    return Location(str(path), 0, 0)
