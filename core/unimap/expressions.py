"""JMESPath expressions: compiled once, with the custom functions plugins register.

jmespath's own parse cache holds 128 expressions, so specs compile every expression at
load time into an :class:`Expression`, and evaluate it with the function table built
from every plugin's ``unimap_register_functions``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import jmespath
from jmespath import exceptions as jexc
from jmespath import functions as jfunctions
from jmespath.visitor import Options

from unimap import compiled as compiler

BUILTIN_FUNCTIONS = frozenset(jfunctions.Functions.FUNCTION_TABLE)
JMESPATH_TYPES = frozenset(
    {"number", "string", "boolean", "array", "object", "null", "expref", "any", "array-number", "array-string"}
)


class ExpressionError(ValueError):
    """An expression does not parse; ``position`` is the 0-based offset inside its text."""

    def __init__(self, message: str, expression: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression
        self.position = position


@dataclass(frozen=True)
class FunctionInfo:
    """A custom function: its implementation, argument types and documentation."""

    name: str
    func: Callable[..., Any]
    signature: tuple[dict[str, Any], ...]
    doc: str
    required: int = 1
    optional: int = 0
    pure: bool = False  # never changes its arguments (compiled code may then reuse what it read before the call)

    def accepts(self, count: int) -> bool:
        """Whether the function can be called with ``count`` arguments."""
        return self.required <= count <= self.required + self.optional


class FunctionRegistry:
    """Collects custom JMESPath functions and builds the ``Options`` that evaluate with them."""

    def __init__(self) -> None:
        self._functions: dict[str, FunctionInfo] = {}
        self._options: Options | None = None

    def register(
        self,
        name: str,
        func: Callable[..., Any],
        signature: list[list[str]] | None = None,
        *,
        optional: int = 0,
        doc: str | None = None,
        pure: bool = False,
    ) -> None:
        """Add ``name``.

        ``signature`` lists the JMESPath types each required argument accepts (e.g.
        ``[["string", "null"]]``); ``optional`` more arguments may follow them. ``pure`` says the
        function never changes the objects it is given, so compiled code may keep the fields it
        read before calling it instead of reading them again.
        """
        if not name.isidentifier():
            raise ValueError(f"function name {name!r} is not an identifier")
        arguments = [list(types) for types in (signature if signature is not None else [["any"]])]
        for types in arguments:
            unknown = set(types) - JMESPATH_TYPES
            if unknown:
                raise ValueError(f"function {name!r}: unknown JMESPath type(s) {sorted(unknown)}")
        sig: tuple[dict[str, Any], ...] = tuple({"types": [] if "any" in types else types} for types in arguments)
        if optional and sig:
            sig = (*sig[:-1], {**sig[-1], "variadic": True})
        elif optional:
            sig = ({"types": [], "variadic": True},)
        info = FunctionInfo(name, func, sig, (doc or func.__doc__ or "").strip(), len(arguments), optional, pure)
        self._functions[name] = info
        self._options = None

    def __contains__(self, name: str) -> bool:
        return name in self._functions or name in BUILTIN_FUNCTIONS

    def __iter__(self) -> Iterator[FunctionInfo]:
        return iter(sorted(self._functions.values(), key=lambda f: f.name))

    def get(self, name: str) -> FunctionInfo | None:
        """The custom function ``name``, if registered."""
        return self._functions.get(name)

    def names(self) -> set[str]:
        """Every callable function name, built-in and custom."""
        return set(self._functions) | set(BUILTIN_FUNCTIONS)

    def unary(self, name: str) -> bool:
        """Whether ``name`` can be used as a one-argument transform."""
        info = self._functions.get(name)
        if info is not None:
            return info.accepts(1)
        builtin = jfunctions.Functions.FUNCTION_TABLE.get(name)
        return builtin is not None and len(builtin["signature"]) == 1

    def call(self, name: str, *args: Any) -> Any:
        """Call function ``name`` directly (used for ``transform:`` chains)."""
        info = self._functions.get(name)
        if info is not None:
            return info.func(*args)
        return self.options().custom_functions.call_function(name, list(args))

    def options(self) -> Options:
        """jmespath ``Options`` carrying every registered function (built once, then cached)."""
        if self._options is None:
            attrs: dict[str, Any] = {}
            for info in self._functions.values():
                impl = info.func

                def method(self: Any, *args: Any, _impl: Callable[..., Any] = impl) -> Any:
                    return _impl(*args)

                method.signature = info.signature  # type: ignore[attr-defined]
                attrs[f"_func_{info.name}"] = method
            optional_only = {i.name: i for i in self._functions.values() if i.required == 0 and i.optional}

            def _validate_arguments(self: Any, args: list[Any], signature: Any, function_name: str) -> None:
                # jmespath cannot say "zero or more": check functions with only optional arguments here
                info = optional_only.get(function_name)
                if info is None:
                    jfunctions.Functions._validate_arguments(self, args, signature, function_name)
                elif len(args) > info.optional:
                    raise jexc.ArityError(info.optional, len(args), function_name)

            attrs["_validate_arguments"] = _validate_arguments
            table = type("UnimapFunctions", (jfunctions.Functions,), attrs)
            self._options = Options(custom_functions=table())
        return self._options


@dataclass(frozen=True)
class Expression:
    """A compiled JMESPath expression bound to a function registry.

    ``search`` runs the expression compiled to Python (:mod:`unimap.compiled`), which returns
    what jmespath's interpreter returns; expressions the compiler leaves out are interpreted.
    """

    text: str
    parsed: Any
    registry: FunctionRegistry
    # (the registry's Options it was compiled for, the compiled function or None)
    _compiled: list[Any] = field(default_factory=lambda: [(None, None)], init=False, repr=False, compare=False)

    def search(self, data: Any) -> Any:
        """Evaluate against ``data``."""
        options = self.registry.options()
        built_for, evaluate = self._compiled[0]
        if built_for is not options:
            evaluate = self._compile(options)
        if evaluate is None:
            return self.parsed.search(data, options=options)
        return evaluate(data)

    def _compile(self, options: Options) -> Callable[[Any], Any] | None:
        evaluate = compiler.compile_ast(self.parsed.parsed, self.registry)
        self._compiled[0] = (options, evaluate)
        return evaluate

    def interpret(self, data: Any) -> Any:
        """Evaluate against ``data`` with jmespath's interpreter (what ``search`` always equals)."""
        return self.parsed.search(data, options=self.registry.options())

    def evaluator(self, *, compiled: bool = True) -> Callable[[Any], Any]:
        """A function of ``data`` evaluating the expression, valid until the registry gains functions.

        The compiled function when there is one (and ``compiled``), else the interpreter.
        """
        options = self.registry.options()
        if compiled:
            built_for, evaluate = self._compiled[0]
            if built_for is not options:
                evaluate = self._compile(options)
            if evaluate is not None:
                return evaluate
        return partial(self.parsed.search, options=options)

    @property
    def is_compiled(self) -> bool:
        """Whether ``search`` runs compiled code rather than the interpreter."""
        options = self.registry.options()
        built_for, evaluate = self._compiled[0]
        return (evaluate if built_for is options else self._compile(options)) is not None

    def functions(self) -> set[str]:
        """Names of the functions this expression calls."""
        return function_names(self.parsed.parsed)


def function_names(ast: Any) -> set[str]:
    """Every function name called anywhere in a jmespath AST."""
    found: set[str] = set()
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "function_expression":
                found.add(node["value"])
            stack.extend(node.get("children", []))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def parse(text: str) -> Any:
    """Parse ``text`` with jmespath, raising :class:`ExpressionError` with the failing offset."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("expression is empty", str(text), 0)
    try:
        return jmespath.compile(text)
    except jexc.LexerError as exc:
        return _raise(text, exc, f"unexpected character {exc.token_value!r}" if exc.token_value else "lexer error")
    except jexc.IncompleteExpressionError as exc:
        return _raise(text, exc, "incomplete expression")
    except jexc.ParseError as exc:
        token = f" at {exc.token_value!r}" if exc.token_value not in (None, "") else ""
        return _raise(text, exc, f"invalid syntax{token}")


def _raise(text: str, exc: Any, message: str) -> Any:
    position = exc.lex_position if isinstance(exc.lex_position, int) else 0
    raise ExpressionError(message, text, max(0, min(position, len(text))))


def compile_expression(text: str, registry: FunctionRegistry) -> Expression:
    """Parse ``text`` once and bind it to ``registry``."""
    return Expression(text, parse(text), registry)


@dataclass(frozen=True)
class Template:
    """Text with ``{expression}`` placeholders: ``/v3/jobs/{parent.id}/stages``, ``Job {refs.job} is closed``.

    The one template syntax of the spec format: each placeholder is a JMESPath expression over
    the same context as the slot's expressions. ``{{`` and ``}}`` are literal braces. A value
    renders as text (``null`` as an empty string, numbers without a trailing ``.0``).
    """

    text: str
    parts: tuple[str | Expression, ...]
    offsets: tuple[int, ...] = ()

    def render(self, data: Any) -> str:
        """The text with every placeholder evaluated against ``data``."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(render_value(part.search(data)))
        return "".join(out)

    @property
    def is_constant(self) -> bool:
        """Whether the template has no placeholder."""
        return all(isinstance(p, str) for p in self.parts)

    def expressions(self) -> list[tuple[int, Expression]]:
        """``(offset in the text, expression)`` of every placeholder."""
        found = [p for p in self.parts if isinstance(p, Expression)]
        return list(zip(self.offsets, found, strict=True))


def render_value(value: Any) -> str:
    """A placeholder's value as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    import orjson

    return orjson.dumps(value).decode()


def compile_template(text: str, registry: FunctionRegistry) -> Template:
    """Split ``text`` into literal parts and compiled placeholders; :class:`ExpressionError` on a bad one."""
    parts: list[str | Expression] = []
    offsets: list[int] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "{}" and text[i : i + 2] in ("{{", "}}"):
            literal.append(char)
            i += 2
            continue
        if char == "}":
            raise ExpressionError("unmatched '}' (write '}}' for a literal brace)", text, i)
        if char != "{":
            literal.append(char)
            i += 1
            continue
        depth, j = 1, i + 1
        quote: str | None = None
        while j < len(text) and depth:
            c = text[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = None
            elif c in "'`\"":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            j += 1
        if depth:
            raise ExpressionError("unclosed '{' placeholder", text, i)
        inner = text[i + 1 : j - 1]
        try:
            expression = compile_expression(inner, registry)
        except ExpressionError as exc:
            raise ExpressionError(f"{exc.message} in placeholder {{{inner}}}", text, i + 1 + exc.position) from None
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(expression)
        offsets.append(i + 1)
        i = j
    if literal:
        parts.append("".join(literal))
    return Template(text, tuple(parts), tuple(offsets))
