"""Request components: a spec's request slots compiled once, evaluated into a :class:`Request` per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from unimap.errors import ConfigError
from unimap.transport.errorrules import ErrorRule
from unimap.transport.request import Request, Response

__all__ = ["JsonRpcRequestTemplate", "RequestTemplate", "RestRequestTemplate"]


class RequestTemplate(Protocol):
    """A compiled request: ``build(context)`` evaluates every slot against the caller's context."""

    write: bool

    def build(self, context: dict[str, Any]) -> Request:
        """The request for ``context`` (``{settings, input, steps, refs, parent, page, cursor, …}``)."""

    def result(self, response: Response) -> Any:
        """What the call returns: the body, or the spec's ``result`` expression over the response view."""


class JsonRpcRequestTemplate:
    """``request: {method, params, write, errors, result}`` of a JSON-RPC connector."""

    def __init__(
        self,
        method: Any,
        *,
        params: Any = None,
        write: bool = False,
        errors: Sequence[ErrorRule] = (),
        result: Any = None,
    ) -> None:
        self.method = method
        self.params = params
        self.write = write
        self.errors = list(errors)
        self.result_expr = result

    def build(self, context: dict[str, Any]) -> Request:
        method = self.method.render(context)
        params = self.params.search(context) if self.params is not None else []
        if params is None:
            params = []
        elif not isinstance(params, list):
            params = [params]
        return Request(method, params=list(params), write=self.write, label=method, errors=list(self.errors))

    def result(self, response: Response) -> Any:
        return self.result_expr.search(response.view()) if self.result_expr is not None else response.body


def _evaluate_map(mapping: Mapping[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    return {name: expression.search(context) for name, expression in mapping.items()}


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise ConfigError(f"multipart {what}: the content must be text or bytes, not {type(value).__name__}")


class RestRequestTemplate:
    """``request: {method, path, query, headers, json, form, multipart, write, errors, result}`` of a REST connector."""

    def __init__(
        self,
        path: Any,
        *,
        method: str = "GET",
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        multipart: Mapping[str, Any] | None = None,
        write: bool | None = None,
        errors: Sequence[ErrorRule] = (),
        result: Any = None,
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.query = dict(query or {})
        self.headers = dict(headers or {})
        self.json = json
        self.form = dict(form) if form is not None else None
        self.multipart = dict(multipart) if multipart is not None else None
        self.write = self.method not in ("GET", "HEAD") if write is None else write
        self.errors = list(errors)
        self.result_expr = result
        self.label = f"{self.method} {getattr(path, 'text', '')}".strip()

    def build(self, context: dict[str, Any]) -> Request:
        path = self.path.render(context) if self.path is not None else ""
        headers = {
            k: v if isinstance(v, str) else str(v)
            for k, v in _evaluate_map(self.headers, context).items()
            if v is not None
        }
        request = Request(
            self.method,
            path,
            query=_evaluate_map(self.query, context),
            headers=headers,
            write=self.write,
            label=self.label,
            errors=list(self.errors),
        )
        if self.json is not None:
            request.json = self.json.search(context)
        if self.form is not None:
            request.form = {k: v for k, v in _evaluate_map(self.form, context).items() if v is not None}
        if self.multipart is not None:
            files: dict[str, tuple[str, bytes, str]] = {}
            form = dict(request.form or {})
            for name, part in self.multipart.items():
                if isinstance(part, Mapping):
                    values = _evaluate_map(part, context)
                    if values.get("content") is None:
                        raise ConfigError(
                            f"multipart part {name!r}: its `content` expression gave null, so there "
                            "is no file to send (an attachment's bytes are `attachment.content`)"
                        )
                    files[name] = (
                        str(values.get("filename") or name),
                        _bytes(values["content"], name),
                        str(values.get("content_type") or "application/octet-stream"),
                    )
                    continue
                value = part.search(context)
                if isinstance(value, Mapping) and "content" in value:
                    files[name] = (
                        str(value.get("filename") or name),
                        _bytes(value["content"], name),
                        str(value.get("content_type") or "application/octet-stream"),
                    )
                elif value is not None:
                    form[name] = value
            request.files = files
            request.form = form
        return request

    def result(self, response: Response) -> Any:
        return self.result_expr.search(response.view()) if self.result_expr is not None else response.body
