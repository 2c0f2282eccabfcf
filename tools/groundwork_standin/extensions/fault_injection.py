"""Fault injection in front of the stand-in: AWS errors, throttling and latency on demand.

Rules are set while the server runs, over HTTP (no restart):

    POST   /_standin/faults   {"service": "organizations", "operation": "MoveAccount",
                               "match": "Staging", "error_code": "ThrottlingException",
                               "http_status": 400, "count": 1, "probability": 1.0,
                               "latency_ms": 0, "after": false}
    GET    /_standin/faults   the rules with how often each fired
    DELETE /_standin/faults   drop every rule

A request matches a rule when every given field matches: `service` (the SigV4 signing name),
`operation` (the API action), `match` (a substring of the request body or URL). A matching rule
fires `count` times (null: forever) with `probability`. It waits `latency_ms`, then answers with
`error_code` in the shape of the service's protocol (JSON, query, EC2, REST-XML, REST-JSON), so
botocore classifies it exactly as it would AWS's (throttling codes are retried). With
`after: true` the request is passed to moto first and the error replaces its answer: the change
happened but the caller never heard (a lost response, the hard case for idempotency).
A rule with no `error_code` only adds latency — before the call, or with `after: true` after moto
applied it (the caller is then stuck waiting on a change that already happened).

A rule with `rate_per_second` is a rate limit, a token bucket as AWS meters its APIs (`burst`
requests at once, refilled at `rate_per_second`), one bucket per rule for every request it matches
(AWS keeps one per account, Region and API family; a rule is that strict or stricter): a matching
request takes a token and goes on to the next rules; one that finds the bucket empty gets the
rule's error instead. With `per_caller: true` the rule keeps one bucket per caller and Region (the
SigV4 credential's access key id and Region): every member account is reached with its own assumed-role
credentials and the management account with the connection's, so that is AWS's per-account, per-Region
metering (a little looser where two tasks hold two sessions in one account). Give a rate limit `count: null`, or it stops after its first throttle. Rate-limit rules first, then latency rules, model an AWS whose
calls take time and whose quotas bite (`bench/latency_model.py`).

Injecting here, in front of the server, is what makes this honest: with in-process mock_aws a
botocore hook that fakes an error still lets moto execute the call.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from groundwork_standin.aws_request import signing_service

CONTROL_PATH = "/_standin/faults"
EC2_LIKE = {"ec2"}
# A rule asking for throttling by another service's name throttles S3 the way S3 does: 503 SlowDown
# (S3 has no 400 throttling code, and a HEAD answer has no body to carry one).
THROTTLING_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
REST_JSON_HINTS = {"guardduty", "securityhub", "lambda", "apigateway", "execute-api", "backup", "ecr-public"}


@dataclass
class Rule:
    error_code: str | None = None
    http_status: int = 400
    service: str | None = None
    operation: str | None = None
    match: str | None = None
    count: int | None = 1
    probability: float = 1.0
    latency_ms: int = 0
    after: bool = False
    message: str = "injected by the groundwork stand-in"
    rate_per_second: float | None = None  # a rate limit: fires only when its token bucket is empty
    burst: int = 1
    per_caller: bool = False  # a rate limit's bucket per (access key id, Region) instead of one for all
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    fired: int = 0
    passed: int = 0  # requests a rate limit let through

    def __post_init__(self) -> None:
        if self.rate_per_second is not None and (self.rate_per_second <= 0 or self.burst < 1):
            raise ValueError("a rate limit needs rate_per_second > 0 and burst >= 1")
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, refilled at)

    def matches(self, request: "AwsRequest") -> bool:
        if self.count is not None and self.fired >= self.count:
            return False
        if self.service and self.service != request.service:
            return False
        if self.operation and self.operation != request.operation:
            return False
        if self.match and self.match not in request.body_text and self.match not in request.url:
            return False
        if self.rate_per_second is not None:
            return not self._take_token(request.caller if self.per_caller else "")
        return random.random() < self.probability

    def _take_token(self, caller: str) -> bool:
        now = time.monotonic()
        tokens, refilled = self._buckets.get(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - refilled) * self.rate_per_second)
        taken = tokens >= 1
        self._buckets[caller] = (tokens - 1 if taken else tokens, now)
        if taken:
            self.passed += 1
        return taken


@dataclass
class AwsRequest:
    service: str
    operation: str
    protocol: str
    body_text: str
    url: str
    caller: str = ""  # "<access key id>/<Region>" of the SigV4 credential


def caller_of(authorization: str) -> str:
    """'AKIA.../us-east-1' from 'AWS4-HMAC-SHA256 Credential=AKIA.../20261204/us-east-1/ec2/aws4_request, ...'."""
    _, _, credential = authorization.partition("Credential=")
    parts = credential.split(",", 1)[0].split("/")
    return f"{parts[0]}/{parts[2]}" if len(parts) >= 3 else ""


def describe(environ: dict, body: bytes) -> AwsRequest:
    service = signing_service(environ.get("HTTP_AUTHORIZATION", ""))
    caller = caller_of(environ.get("HTTP_AUTHORIZATION", ""))
    text = body.decode("utf-8", "replace")
    url = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return AwsRequest(service, target.rsplit(".", 1)[-1], "json", text, url, caller)
    action = urllib.parse.parse_qs(text).get("Action") or urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return AwsRequest(service, action[0], "ec2" if service in EC2_LIKE else "query", text, url, caller)
    protocol = "rest-json" if service in REST_JSON_HINTS or "json" in environ.get("CONTENT_TYPE", "") else "rest-xml"
    return AwsRequest(service, f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}", protocol, text,
                      url, caller)


def error_response(protocol: str, code: str, message: str) -> tuple[str, bytes]:
    """(content type, body) of an AWS error in the given protocol's shape."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message}).encode()
    if protocol == "rest-json":
        return "application/json", json.dumps({"message": message, "code": code}).encode()
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
    elif protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    else:
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    return "text/xml", body.encode()


class FaultInjector:
    def __init__(self, app: Callable):
        self.app = app
        self.rules: list[Rule] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._control(environ, start_response)
        if not self.rules:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        request = describe(environ, body)
        with self.lock:
            rule = next((r for r in self.rules if r.matches(request)), None)
            if rule is not None:
                rule.fired += 1
        if rule is None:
            return self.app(environ, start_response)
        if rule.after:  # moto applies the call first; the answer is then delayed and/or replaced
            captured: dict = {}
            body_out = b"".join(self.app(environ, lambda status, headers, *a: captured.update(status=status, headers=headers)))
            time.sleep(rule.latency_ms / 1000)
            if rule.error_code is None:
                start_response(captured["status"], captured["headers"])
                return [body_out]
        else:
            time.sleep(rule.latency_ms / 1000)
            if rule.error_code is None:
                return self.app(environ, start_response)
        code, status = rule.error_code, rule.http_status
        if request.service == "s3" and code in THROTTLING_CODES:
            code, status = "SlowDown", 503
        content_type, payload = error_response(request.protocol, code, rule.message)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(payload))),
                   ("x-amzn-RequestId", str(uuid.uuid4()))]
        if request.protocol in ("json", "rest-json"):
            headers.append(("x-amzn-ErrorType", code))
        start_response(f"{status} Injected", headers)
        return [payload]

    def _control(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        status = "200 OK"
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                rule = Rule(**json.loads(environ["wsgi.input"].read(length) or b"{}"))
            except (TypeError, ValueError) as exc:
                return self._json(start_response, "400 Bad Request", {"error": str(exc)})
            with self.lock:
                self.rules.append(rule)
            return self._json(start_response, status, asdict(rule))
        if method == "DELETE":
            with self.lock:
                self.rules.clear()
        with self.lock:
            return self._json(start_response, status, {"rules": [asdict(r) for r in self.rules]})

    @staticmethod
    def _json(start_response: Callable, status: str, data: Any) -> Iterable[bytes]:
        payload = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]


def wrap_wsgi(app: Callable) -> FaultInjector:
    return FaultInjector(app)
