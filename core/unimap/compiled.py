"""JMESPath ASTs compiled to Python functions that return exactly what jmespath's interpreter returns.

:func:`compile_ast` turns a parsed expression (``jmespath.compile(text).parsed``) into the source
of one Python function, with each AST node written out as a few statements, and returns that
function. Every node type jmespath 1.x produces is covered except a bare ``&expr`` outside a
function's argument list; for it (and for anything the compiler does not know) it returns
``None`` and the caller keeps using the interpreter (:func:`unsupported` says why).

Exactness is by construction: each node repeats the interpreter's rule (field access through
``.get``, ``isinstance(..., list)`` for projections, JMESPath's own truthiness, the 0/1-versus-boolean
equality exception, ordering comparisons only between numbers and strings, ...), with a fast path
for plain JSON types and the interpreter's general rule for anything else. Function calls go to
the same implementation the interpreter's function table holds; when the fast type check of an
argument does not pass (or the arity is wrong, or the function is unknown) the call goes through
``Functions.call_function``, which raises exactly the interpreter's error. Literals are returned
as the same objects the interpreter returns (the AST's own values, shared between evaluations).
An ``&expr`` argument is passed as jmespath's own expression-reference object, made once per
call site (the interpreter makes one per evaluation), whose ``visit`` runs compiled code.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from numbers import Number
from typing import TYPE_CHECKING, Any

from jmespath import functions as jfunctions
from jmespath.visitor import TreeInterpreter
from jmespath.visitor import _Expression as ExpressionReference

if TYPE_CHECKING:
    from unimap.expressions import FunctionRegistry

__all__ = ["compile_ast", "compile_record", "source", "unsupported"]

_NONE_TYPE = type(None)
# jmespath checks argument types by type *name*; these builtins are the names it knows
_BUILTIN_TYPES = {t.__name__: t for t in (bool, list, dict, _NONE_TYPE, str, float, int)}
_CMP_TYPES = frozenset({int, float, str})
_NO_VALUES = object()
# Python allows 20 statically nested blocks; deeper expressions stay with the interpreter
_MAX_BLOCKS = 16


class Unsupported(Exception):
    """A node the compiler leaves to the interpreter."""


# -- runtime helpers (the interpreter's rules, with fast paths for JSON types) --------------------


def _field(value: Any, key: str) -> Any:
    try:
        return value.get(key)
    except AttributeError:
        return None


def _values(value: Any) -> Any:
    try:
        return value.values()
    except AttributeError:
        return _NO_VALUES


def _index(value: list[Any], index: int) -> Any:
    try:
        return value[index]
    except IndexError:
        return None


def _false(value: Any) -> bool:
    """JMESPath falsiness: '', [], {}, null and false (not 0)."""
    if value is None or value is False or value is True:
        return value is not True
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return not value
    if kind is int or kind is float:
        return False
    return value == "" or value == [] or value == {} or value is None or value is False


def _actual_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, Number)


def _not(value: Any) -> bool:
    kind = type(value)
    if kind is int or kind is float:
        return False  # !0 is false in JMESPath, and `not` of any other number is false too
    if _actual_number(value) and value == 0:
        return False
    return not value


def _eq(left: Any, right: Any) -> bool:
    """JMESPath equality: Python's, except that 0 and 1 never equal a boolean."""
    if _actual_number(left) and left in (0, 1):
        if isinstance(right, bool):
            return False
    elif _actual_number(right) and right in (0, 1) and isinstance(left, bool):
        return False
    return left == right


def _comparable(value: Any) -> bool:
    return _actual_number(value) or isinstance(value, str)


def _lt(left: Any, right: Any) -> Any:
    return left < right if _comparable(left) and _comparable(right) else None


def _gt(left: Any, right: Any) -> Any:
    return left > right if _comparable(left) and _comparable(right) else None


def _lte(left: Any, right: Any) -> Any:
    return left <= right if _comparable(left) and _comparable(right) else None


def _gte(left: Any, right: Any) -> Any:
    return left >= right if _comparable(left) and _comparable(right) else None


def _flatten(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    merged: list[Any] = []
    for element in value:
        if isinstance(element, list):
            merged.extend(element)
        else:
            merged.append(element)
    return merged


def _all_types(values: list[Any], types: frozenset[type]) -> bool:
    for value in values:  # noqa: SIM110 - a loop is faster than all() on a generator
        if type(value) not in types:
            return False
    return True


def _falsy(atom: str) -> str:
    """A test of JMESPath falsiness of ``atom`` that decides null and text without calling ``_false``
    (text is false exactly when it is empty, as in Python)."""
    return f"({atom} is None or (not {atom} if type({atom}) is str else _false({atom})))"


class _CompiledVisitor:
    """Stands in for the interpreter inside an ``&expr`` argument: visiting runs the compiled function."""

    __slots__ = ("evaluate",)

    def __init__(self, evaluate: Callable[[Any], Any]) -> None:
        self.evaluate = evaluate

    def visit(self, node: Any, value: Any) -> Any:
        return self.evaluate(value)


def _expref(ast: Any, evaluate: Callable[[Any], Any]) -> Any:
    """The object a compiled ``&expr`` argument passes: jmespath's own expression reference (so type
    checks, ``to_string`` and functions that return it see what the interpreter gives them), whose
    ``visit`` runs the compiled function."""
    return ExpressionReference(ast, _CompiledVisitor(evaluate))


_HELPERS: dict[str, Any] = {
    "_field": _field,
    "_values": _values,
    "_NO_VALUES": _NO_VALUES,
    "_index": _index,
    "_false": _false,
    "_not": _not,
    "_eq": _eq,
    "_lt": _lt,
    "_gt": _gt,
    "_lte": _lte,
    "_gte": _gte,
    "_flatten": _flatten,
    "_all_types": _all_types,
    "_CMP": _CMP_TYPES,
}
_ORDERING = {"lt": ("<", "_lt"), "gt": (">", "_gt"), "lte": ("<=", "_lte"), "gte": (">=", "_gte")}


# -- code generation ------------------------------------------------------------------------------


class _Generator:
    """Writes one function's body: each ``_node`` call emits statements and returns an atom
    (a local or constant name) that holds the node's value."""

    def __init__(self, registry: FunctionRegistry) -> None:
        self.registry = registry
        self.options = registry.options()
        if self.options.dict_cls is not None:
            raise Unsupported("options with a dict_cls")
        self.functions = self.options.custom_functions
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.known: dict[str, Any] = {}  # constant atom -> its value (for compile-time type checks)
        self.depth = 1
        self.blocks = 0
        self._ids = itertools.count()
        # fields already read: (source atom, key) -> atom, one dict per open block (a read inside a
        # branch or a loop is forgotten when it closes); a call to a function that may change its
        # arguments forgets them all
        self.reads: list[dict[tuple[str, str], str]] = [{}]

    # small emit helpers
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def var(self) -> str:
        return f"v{next(self._ids)}"

    def const(self, value: Any) -> str:
        name = f"_k{next(self._ids)}"
        self.constants[name] = value
        self.known[name] = value
        return name

    def block(self) -> _Block:
        return _Block(self)

    def node(self, node: Any, src: str) -> str:
        kind = node.get("type") if isinstance(node, dict) else None
        method = getattr(self, f"n_{kind}", None)
        if method is None:
            raise Unsupported(f"node type {kind!r}")
        return method(node, src)

    # -- nodes
    def open_scope(self) -> None:
        self.reads.append({})

    def close_scope(self) -> None:
        self.reads.pop()

    def forget_reads(self) -> None:
        self.reads = [{} for _ in self.reads]

    def n_field(self, node: dict[str, Any], src: str) -> str:
        read = (src, node["value"])
        for scope in self.reads:
            if read in scope:  # the same field of the same value, read before on every path to here
                return scope[read]
        key = self.const(node["value"])
        out = self.var()
        self.emit(f"{out} = {src}.get({key}) if type({src}) is dict else _field({src}, {key})")
        if isinstance(read[1], str):
            self.reads[-1][read] = out
        return out

    def n_subexpression(self, node: dict[str, Any], src: str) -> str:
        for child in node["children"]:
            src = self.node(child, src)
        return src

    n_index_expression = n_subexpression
    n_pipe = n_subexpression

    def n_current(self, node: dict[str, Any], src: str) -> str:
        return src

    n_identity = n_current

    def n_literal(self, node: dict[str, Any], src: str) -> str:
        return self.const(node["value"])

    def n_index(self, node: dict[str, Any], src: str) -> str:
        index = node["value"]
        if type(index) is not int:
            raise Unsupported("non-integer index")
        out = self.var()
        bound = f"len({src}) > {index}" if index >= 0 else f"len({src}) >= {-index}"
        self.emit(f"if type({src}) is list:")
        self.emit(f"    {out} = {src}[{index}] if {bound} else None")
        self.emit(f"elif isinstance({src}, list):")
        self.emit(f"    {out} = _index({src}, {index})")
        self.emit("else:")
        self.emit(f"    {out} = None")
        return out

    def n_slice(self, node: dict[str, Any], src: str) -> str:
        bounds = self.const(slice(*node["children"]))
        out = self.var()
        self.emit(f"{out} = {src}[{bounds}] if isinstance({src}, list) else None")
        return out

    def n_multi_select_list(self, node: dict[str, Any], src: str) -> str:
        out = self.var()
        self.emit(f"if {src} is None:")
        self.emit(f"    {out} = None")
        self.emit("else:")
        with self.block():
            items = [self.node(child, src) for child in node["children"]]
            self.emit(f"{out} = [{', '.join(items)}]")
        return out

    def n_multi_select_dict(self, node: dict[str, Any], src: str) -> str:
        out = self.var()
        self.emit(f"if {src} is None:")
        self.emit(f"    {out} = None")
        self.emit("else:")
        with self.block():
            pairs = []
            for child in node["children"]:
                if child.get("type") != "key_val_pair":
                    raise Unsupported("multi_select_dict child that is not a key_val_pair")
                value = self.node(child["children"][0], src)
                pairs.append(f"{self.const(child['value'])}: {value}")
            self.emit(f"{out} = {{{', '.join(pairs)}}}")
        return out

    def n_or_expression(self, node: dict[str, Any], src: str) -> str:
        left, right = node["children"]
        out = self.var()
        self.emit(f"{out} = {self.node(left, src)}")
        self.emit(f"if {_falsy(out)}:")
        with self.block():
            self.emit(f"{out} = {self.node(right, src)}")
        return out

    def n_and_expression(self, node: dict[str, Any], src: str) -> str:
        left, right = node["children"]
        out = self.var()
        self.emit(f"{out} = {self.node(left, src)}")
        self.emit(f"if not {_falsy(out)}:")
        with self.block():
            self.emit(f"{out} = {self.node(right, src)}")
        return out

    def n_not_expression(self, node: dict[str, Any], src: str) -> str:
        value = self.node(node["children"][0], src)
        out = self.var()
        self.emit(f"{out} = _not({value})")
        return out

    def n_comparator(self, node: dict[str, Any], src: str) -> str:
        op = node["value"]
        left = self.node(node["children"][0], src)
        right = self.node(node["children"][1], src)
        out = self.var()
        if op in ("eq", "ne"):
            negate = "not " if op == "ne" else ""
            if isinstance(self.known.get(right), str) or isinstance(self.known.get(left), str):
                # a string never equals a number or a boolean, so Python's == is JMESPath's here
                sign = "!=" if op == "ne" else "=="
                self.emit(f"{out} = {left} {sign} {right}")
            else:
                self.emit(f"{out} = {negate}_eq({left}, {right})")
        elif op in _ORDERING:
            sign, helper = _ORDERING[op]
            tests = []
            for atom in (left, right):
                if atom not in self.known:
                    tests.append(f"type({atom}) in _CMP")
                elif type(self.known[atom]) not in _CMP_TYPES:
                    tests.append("False")
            if "False" in tests:
                self.emit(f"{out} = {helper}({left}, {right})")
            elif not tests:
                self.emit(f"{out} = {left} {sign} {right}")
            else:
                self.emit(f"if {' and '.join(tests)}:")
                self.emit(f"    {out} = {left} {sign} {right}")
                self.emit("else:")
                self.emit(f"    {out} = {helper}({left}, {right})")
        else:
            raise Unsupported(f"comparator {op!r}")
        return out

    def _loop(self, base: str, out: str) -> str:
        """Open ``if isinstance(base, list): out = []; for element in base:`` and return the element."""
        element = self.var()
        self.emit(f"if isinstance({base}, list):")
        self.depth += 1
        self.emit(f"{out} = []")
        self.emit(f"for {element} in {base}:")
        self.depth += 1
        self.blocks += 1
        self.open_scope()
        if self.blocks > _MAX_BLOCKS:
            raise Unsupported("projections nested too deeply")
        return element

    def _close_loop(self, out: str) -> None:
        self.close_scope()
        self.blocks -= 1
        self.depth -= 2
        self.emit("else:")
        self.emit(f"    {out} = None")

    def n_projection(self, node: dict[str, Any], src: str) -> str:
        left, right = node["children"]
        base = self.node(left, src)
        out = self.var()
        if right.get("type") == "identity":
            self.emit(f"{out} = [e for e in {base} if e is not None] if isinstance({base}, list) else None")
            return out
        element = self._loop(base, out)
        value = self.node(right, element)
        self.emit(f"if {value} is not None:")
        self.emit(f"    {out}.append({value})")
        self._close_loop(out)
        return out

    def n_filter_projection(self, node: dict[str, Any], src: str) -> str:
        left, right, condition = node["children"]
        base = self.node(left, src)
        out = self.var()
        element = self._loop(base, out)
        test = self.node(condition, element)
        self.emit(f"if not {_falsy(test)}:")
        with self.block():
            value = self.node(right, element)
            self.emit(f"if {value} is not None:")
            self.emit(f"    {out}.append({value})")
        self._close_loop(out)
        return out

    def n_value_projection(self, node: dict[str, Any], src: str) -> str:
        left, right = node["children"]
        base = self.node(left, src)
        values = self.var()
        out = self.var()
        self.emit(f"{values} = {base}.values() if type({base}) is dict else _values({base})")
        self.emit(f"if {values} is _NO_VALUES:")
        self.emit(f"    {out} = None")
        self.emit("else:")
        with self.block():
            self.emit(f"{out} = []")
            element = self.var()
            self.emit(f"for {element} in {values}:")
            self.blocks += 1
            if self.blocks > _MAX_BLOCKS:
                raise Unsupported("projections nested too deeply")
            with self.block():
                value = self.node(right, element)
                self.emit(f"if {value} is not None:")
                self.emit(f"    {out}.append({value})")
            self.blocks -= 1
        return out

    def n_flatten(self, node: dict[str, Any], src: str) -> str:
        base = self.node(node["children"][0], src)
        out = self.var()
        self.emit(f"{out} = _flatten({base})")
        return out

    def n_expref(self, node: dict[str, Any], src: str) -> str:
        raise Unsupported("an expression reference (&expr) outside a function's arguments")

    def n_function_expression(self, node: dict[str, Any], src: str) -> str:
        name = node["value"]
        args = []
        for child in node["children"]:
            if isinstance(child, dict) and child.get("type") == "expref":
                args.append(self.const(_expref(child["children"][0], self._sub(child["children"][0]))))
            else:
                args.append(self.node(child, src))
        out = self.var()
        call_function = self.const(self.functions.call_function)
        general = f"{call_function}({self.const(name)}, [{', '.join(args)}])"
        spec = type(self.functions).FUNCTION_TABLE.get(name)
        info = self.registry.get(name)
        if info is not None and not info.pure:  # jmespath's own functions change nothing they are given
            self.forget_reads()
        if spec is None:  # unknown function: call_function raises jmespath's UnknownFunctionError
            self.emit(f"{out} = {general}")
            return out
        signature = spec["signature"]
        variadic = bool(signature) and bool(signature[-1].get("variadic"))
        if (len(args) < len(signature)) if variadic else (len(args) != len(signature)):
            self.emit(f"{out} = {general}")  # raises the interpreter's ArityError
            return out
        impl = info.func if info is not None else spec["function"].__get__(self.functions)
        checks = []
        for position, arg_spec in enumerate(signature):  # jmespath checks no variadic extras
            check = self._type_check(args[position], arg_spec["types"])
            if check == "False":
                self.emit(f"{out} = {general}")  # e.g. a literal of the wrong type: raises the type error
                return out
            if check:
                checks.append(check)
        direct = f"{self.const(impl)}({', '.join(args)})"
        if not checks:
            self.emit(f"{out} = {direct}")
            return out
        self.emit(f"if {' and '.join(checks)}:")
        self.emit(f"    {out} = {direct}")
        self.emit("else:")
        self.emit(f"    {out} = {general}")
        return out

    def _type_check(self, atom: str, types: list[str]) -> str | None:
        """A test that is true only when ``atom`` passes jmespath's type check for ``types``.

        ``None`` when nothing needs checking at run time; ``"False"`` when the fast test cannot
        decide (the call then always takes the general path, which checks exactly).
        """
        if not types:
            return None
        allowed: set[str] = set()
        subtypes: list[tuple[str, ...]] = []
        for jtype in types:
            main, _, sub = jtype.partition("-")
            allowed.update(jfunctions.REVERSE_TYPES_MAP[main])
            if sub:
                subtypes.append(jfunctions.REVERSE_TYPES_MAP[sub])
        if len(subtypes) > 1:
            return "False"  # several element types (min, max, sort): the general path decides
        fast = frozenset(t for n, t in _BUILTIN_TYPES.items() if n in allowed)
        elements = frozenset(t for n, t in _BUILTIN_TYPES.items() if subtypes and n in subtypes[0])
        if atom in self.known:
            value = self.known[atom]
            if type(value).__name__ in allowed and (not subtypes or _all_types(value, elements)):
                return None
            return "False"
        if len(fast) == 1:
            test = f"type({atom}) is {self.const(next(iter(fast)))}"
        else:
            test = f"type({atom}) in {self.const(fast)}"
        if subtypes:
            test += f" and _all_types({atom}, {self.const(elements)})"
        return test

    def _sub(self, ast: Any) -> Callable[[Any], Any]:
        """A separately compiled function for an ``&expr`` argument (interpreted when it cannot be)."""
        evaluate = compile_ast(ast, self.registry)
        if evaluate is None:
            interpreter = TreeInterpreter(self.options)

            def evaluate(value: Any, _visit: Any = interpreter.visit, _ast: Any = ast) -> Any:
                return _visit(_ast, value)

        return evaluate


class _Block:
    def __init__(self, gen: _Generator) -> None:
        self.gen = gen

    def __enter__(self) -> None:
        self.gen.depth += 1
        self.gen.open_scope()

    def __exit__(self, *exc: object) -> None:
        self.gen.close_scope()
        self.gen.depth -= 1


def _generate(ast: Any, registry: FunctionRegistry) -> tuple[str, dict[str, Any]]:
    gen = _Generator(registry)
    result = gen.node(ast, "value")
    gen.emit(f"return {result}")
    constants = ", ".join(gen.constants)
    text = "\n".join(
        [
            f"def _build({constants}):",
            "  def evaluate(value):",
            *("  " + line for line in gen.lines),
            "  return evaluate",
            "",
        ]
    )
    return text, gen.constants


def source(ast: Any, registry: FunctionRegistry) -> str:
    """The Python source :func:`compile_ast` builds for ``ast`` (raises :class:`Unsupported`)."""
    return _generate(ast, registry)[0]


def unsupported(ast: Any, registry: FunctionRegistry) -> str | None:
    """Why ``ast`` stays with the interpreter, or ``None`` when it compiles."""
    try:
        text, _ = _generate(ast, registry)
        compile(text, "<jmespath>", "exec")
    except Unsupported as exc:
        return str(exc)
    except (SyntaxError, RecursionError, MemoryError) as exc:
        return f"too complex for Python's compiler ({type(exc).__name__})"
    return None


def compile_ast(parsed_ast: Any, registry: FunctionRegistry) -> Callable[[Any], Any] | None:
    """A function computing ``parsed_ast`` on a value, or ``None`` when the interpreter must run it.

    The function is valid for the registry's current function table: compile again after
    registering more functions (``Expression`` does so by itself).
    """
    try:
        text, constants = _generate(parsed_ast, registry)
        code = compile(text, "<jmespath>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    namespace = dict(_HELPERS)
    exec(code, namespace)
    evaluate = namespace["_build"](*constants.values())
    evaluate.__qualname__ = evaluate.__name__ = "jmespath_compiled"
    return evaluate


def _fresh(value: Any) -> str | None:
    """Python text making a new empty list or object equal to ``value``, or None for other values."""
    if type(value) is list and not value:
        return "[]"
    if type(value) is dict and not value:
        return "{}"
    return None


def compile_record(
    fields: list[tuple[str, Any]], registry: FunctionRegistry, tail: dict[str, Any] | None = None
) -> Callable[[Any], dict[str, Any]] | None:
    """One function computing every ``(name, parsed_ast)`` of ``fields`` on a record, in order, and
    returning them as a dict (then ``tail``'s entries: an empty list or object is a new one each
    time, anything else the same object); ``None`` when any expression must stay with the interpreter.

    It is what ``{name: compile_ast(ast)(record) for name, ast in fields} | tail`` returns, with one
    call per record instead of one per field; an exception is the first failing field's.
    """
    try:
        gen = _Generator(registry)
        pairs = []
        for name, ast in fields:
            atom = gen.node(ast, "value")
            pairs.append(f"{gen.const(name)}: {atom}")
        for name, value in (tail or {}).items():
            pairs.append(f"{gen.const(name)}: {_fresh(value) or gen.const(value)}")
        gen.emit(f"return {{{', '.join(pairs)}}}")
        constants = ", ".join(gen.constants)
        text = "\n".join(
            [
                f"def _build({constants}):",
                "  def evaluate(value):",
                *("  " + line for line in gen.lines),
                "  return evaluate",
                "",
            ]
        )
        code = compile(text, "<jmespath record>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    namespace = dict(_HELPERS)
    exec(code, namespace)
    evaluate = namespace["_build"](*gen.constants.values())
    evaluate.__qualname__ = evaluate.__name__ = "jmespath_record"
    return evaluate
