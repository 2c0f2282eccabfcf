"""One JSON admin route in front of the stand-in (not an AWS API): what a test does that in AWS is
someone else's doing (an account outside the organization, a granted quota, a root user's MFA).

`AdminRoute(app, path, post=..., get=...)`: POST sends a JSON object to `post(body) -> (status,
data)`; GET sends the query string's first values to `get(query) -> (status, data)`; any other
path goes on to `app`. Answers are JSON."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

Answer = tuple[str, Any]


class AdminRoute:
    def __init__(self, app: Callable, path: str, *, post: Callable[[dict], Answer] | None = None,
                 get: Callable[[dict], Answer] | None = None) -> None:
        self.app, self.path, self.handlers = app, path, {"POST": post, "GET": get}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        status, data = self._answer(environ)
        payload = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    def _answer(self, environ: dict) -> Answer:
        method = environ.get("REQUEST_METHOD")
        handler = self.handlers.get(method)
        if handler is None:
            allowed = " or ".join(m for m, h in self.handlers.items() if h)
            return "405 Method Not Allowed", {"error": allowed}
        if method == "GET":
            return handler({k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError as exc:
            return "400 Bad Request", {"error": f"not JSON: {exc}"}
        return handler(body) if isinstance(body, dict) else ("400 Bad Request", {"error": "send a JSON object"})
