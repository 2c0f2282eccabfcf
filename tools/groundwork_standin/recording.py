"""Read moto's request recording back as AWS operations, to count what a run did to "AWS".

    POST /moto-api/recorder/start-recording      (stand-in started with --record-file)
    GET  /moto-api/recorder/download-recording   -> JSON lines, one per request

The operation name comes from where each AWS protocol puts it: the X-Amz-Target header (JSON),
the Action parameter (query / EC2), or the HTTP method for REST protocols (S3 and friends).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass

import botocore.session

from groundwork.aws.context import is_mutating
from groundwork_standin.aws_request import signing_service

REST_MUTATING_METHODS = {"PUT", "POST", "DELETE", "PATCH"}
S3_CONTROL_PATH = "/v20180820/"  # every S3 Control request path starts with its API version


@dataclass(frozen=True)
class RecordedCall:
    service: str
    operation: str
    mutating: bool


def parse_entry(entry: dict) -> RecordedCall:
    headers = {k.title(): v for k, v in entry.get("headers", {}).items()}
    service = signing_service(headers.get("Authorization", "")) or "unknown"
    target = headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
        return RecordedCall(service, operation, is_mutating(operation))
    body = entry.get("body") or ""
    if entry.get("body_encoded"):  # moto base64-encodes bodies it stores
        body = base64.b64decode(body).decode("utf-8", "replace")
    query = urllib.parse.urlparse(entry.get("url", "")).query
    for source in (body, query):
        action = urllib.parse.parse_qs(source).get("Action")
        if action:
            return RecordedCall(service, action[0], is_mutating(action[0]))
    method = entry.get("method", "GET").upper()
    parsed = urllib.parse.urlparse(entry.get("url", ""))
    if service == "s3" and parsed.path.startswith(S3_CONTROL_PATH):  # S3 Control signs as s3
        service = "s3control"
    operation = rest_operation(service, method, parsed.path, parsed.query)
    if operation:
        return RecordedCall(service, operation, is_mutating(operation))
    return RecordedCall(service, f"{method} {parsed.path}", method in REST_MUTATING_METHODS)


def _template(path: str) -> re.Pattern:
    """'/{Bucket}/{Key+}' -> a regex: {X} is one path segment, {X+} any rest."""
    out = ""
    for literal, name in re.findall(r"([^{]*)(?:\{([^}]*)\})?", path):
        out += re.escape(literal)
        if name:
            out += ".+" if name.endswith("+") else "[^/]+"
    return re.compile(f"^{out}/?$")


@functools.lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[tuple[int, str, re.Pattern, frozenset, str]]:
    """(specificity, method, path regex, required query keys, operation) from botocore's model."""
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:
        return []
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        path, _, query = http.get("requestUri", "/").partition("?")
        keys = {k.split("=")[0] for k in query.split("&") if k} - {"x-id"}  # botocore does not send x-id
        shape = operation.input_shape
        for member in (shape.required_members if shape else []):
            serialization = shape.members[member].serialization
            if serialization.get("location") == "querystring":
                keys.add(serialization.get("name", member))
        keys = frozenset(keys)
        literal = len(re.sub(r"\{[^}]+\}", "", path)) + 10 * len(keys)
        routes.append((literal, http.get("method", "GET"), _template(path), keys, name))
    return sorted(routes, key=lambda route: route[0], reverse=True)


def rest_operation(service: str, method: str, path: str, query: str) -> str | None:
    """The operation a REST request calls, matched against botocore's HTTP bindings."""
    present = set(urllib.parse.parse_qs(query, keep_blank_values=True))
    for _, route_method, pattern, keys, name in _rest_routes(service):
        if route_method == method and keys <= present and pattern.match(path):
            return name
    return None


def parse_recording(text: str) -> list[RecordedCall]:
    return [parse_entry(json.loads(line)) for line in text.splitlines() if line.strip()]


def _post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10).read()


class Recorder:
    """Start, clear and read the stand-in's recording over its HTTP API."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint.rstrip("/")

    def start(self) -> None:
        _post(f"{self.endpoint}/moto-api/recorder/reset-recording")
        _post(f"{self.endpoint}/moto-api/recorder/start-recording")

    def stop(self) -> None:
        _post(f"{self.endpoint}/moto-api/recorder/stop-recording")

    def calls(self) -> list[RecordedCall]:
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/recorder/download-recording", timeout=30) as resp:
            return parse_recording(resp.read().decode())
