"""A small multipart/form-data parser for fileService.php uploads."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)\*?="((?:[^"\\]|\\.)*)"|(\w+)=([^;\s]+)')


@dataclass
class Part:
    """One form part."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def parse(content_type: str, body: bytes) -> dict[str, Part]:
    """Form parts by name; raises ``ValueError`` for a body that is not multipart."""
    m = _BOUNDARY.search(content_type or "")
    if not content_type.lower().startswith("multipart/form-data") or not m:
        raise ValueError("expected multipart/form-data with a boundary")
    delimiter = b"--" + m.group(1).encode("latin-1")
    parts: dict[str, Part] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        params: dict[str, str] = {}
        for pm in _DISPOSITION_PARAM.finditer(headers.get("content-disposition", "")):
            if pm.group(1):
                params[pm.group(1).lower()] = pm.group(2).replace('\\"', '"')
            else:
                params[pm.group(3).lower()] = pm.group(4)
        name = params.get("name")
        if name is None:
            continue
        parts[name] = Part(name, params.get("filename"), headers.get("content-type", "application/octet-stream"), data)
    if not parts:
        raise ValueError("no form parts found")
    return parts
