"""The lint rules: stable codes, slugs and default severities (``unimap lint --list-rules``)."""

from __future__ import annotations

from unimap.findings import Rule, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

YAML_SYNTAX = Rule("U001", "yaml-syntax", E, "The file is not well-formed YAML.")
DUPLICATE_KEY = Rule("U002", "duplicate-key", E, "A mapping repeats a key (YAML parsers silently keep the last).")
UNKNOWN_KIND = Rule("U003", "unknown-kind", E, "The file's `kind` is missing or not connector, model or action.")
SCHEMA = Rule("U004", "schema", E, "The spec breaks the spec format (schemas/spec/*.schema.json).")
UNKNOWN_KEY = Rule("U005", "unknown-key", E, "A key the spec format does not define (often a typo).")
YAML_LIMIT = Rule("U006", "yaml-limit", E, "The YAML nests too deeply, expands too far via aliases, or is recursive.")
EXPRESSION_SYNTAX = Rule("U101", "expression-syntax", E, "A JMESPath expression does not parse.")
UNKNOWN_FUNCTION = Rule("U102", "unknown-function", E, "An expression calls a function nobody registered.")
FUNCTION_ARITY = Rule("U103", "function-arity", E, "A function is called with the wrong number of arguments.")
NEGATION_PRECEDENCE = Rule("U105", "negation-precedence", E, "`!a.b` means `(!a).b` in JMESPath; write `!(a.b)`.")
UNKNOWN_TRANSFORM = Rule("U104", "unknown-transform", E, "A `transform:` names no one-argument function.")
UNKNOWN_FIELD = Rule("U201", "unknown-field", E, "A mapped field is not a field of the unified model.")
ENGINE_FIELD = Rule("U202", "engine-field", E, "A field the engine sets (id, changed_at, nested…) is mapped.")
UNMAPPED_SEED_FIELD = Rule(
    "U203", "unmapped-coverage-field", E, "A field the connector's `coverage` lists is not mapped."
)
UNMAPPED_REQUIRED_FIELD = Rule("U204", "unmapped-required-field", INFO, "A required key is unmapped (null).")
UNKNOWN_MODEL = Rule("U301", "unknown-model", E, "A reference to a model this connector has no spec for.")
DUPLICATE_SPEC = Rule("U302", "duplicate-spec", E, "Two files define the same model or action.")
MISSING_CONNECTOR = Rule("U303", "missing-connector", E, "Model or action specs without a connector.yaml.")
UNKNOWN_STEP = Rule("U304", "unknown-step", E, "An expression reads `steps.<id>` of no earlier step.")
UNKNOWN_SETTING = Rule("U305", "unknown-setting", W, "`setting('name')` names a setting the connector does not define.")
PLUGIN_IMPORT = Rule("U306", "plugin-import", E, "The connector's plugin module cannot be imported.")
UNKNOWN_HOOK = Rule("U307", "unknown-hook", E, "A plugin implements a hook that does not exist.")
UNKNOWN_LOOKUP = Rule("U308", "unknown-lookup", E, "`lookup('name', …)` names a lookup the connector does not define.")
SETTING_TYPE = Rule("U309", "setting-type", E, "A setting's value does not have the type of its declared default.")

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted((v for v in list(globals().values()) if isinstance(v, Rule)), key=lambda rule: rule.code)
)
