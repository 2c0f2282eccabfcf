"""Serve moto's werkzeug app in this process (so extensions can patch backends first).

Import this module only after the MOTO_* environment variables are final: moto reads
``MOTO_RECORDER_FILEPATH`` / ``MOTO_ENABLE_RECORDING`` when it is imported.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any, Callable, Iterable

from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from . import extensions

HEALTH_PATH = "/_standin/health"


class _HealthApp:
    """Answers ``GET /_standin/health`` itself; everything else goes to moto.

    ``_standin`` cannot be an S3 bucket name (underscore), so path-style S3 never collides.
    """

    def __init__(self, app: Any, info: dict[str, Any]) -> None:
        self.app = app
        self.info = info

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            body = json.dumps({"status": "ok", **self.info}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def build_app(installed: list[str]) -> Any:
    app: Any = DomainDispatcherApplication(create_backend_app)
    app = extensions.wrap_app(app)
    return _HealthApp(
        app,
        {
            "pid": os.getpid(),
            "extensions": installed,
            "record_file": os.environ.get("MOTO_RECORDER_FILEPATH"),
        },
    )


def serve(host: str, port: int) -> None:
    """Install extensions, bind, print one ready line, serve until SIGTERM/SIGINT."""
    installed = extensions.install_all()
    app = build_app(installed)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    bound_host, bound_port = server.server_address[:2]
    # moto builds some URLs (SQS queue URLs, ...) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(bound_port)

    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    thread = threading.Thread(target=server.serve_forever, name="standin-http", daemon=True)
    thread.start()
    print(
        f"groundwork-standin listening on http://{bound_host}:{bound_port} "
        f"(pid {os.getpid()}, extensions {installed or 'none'})",
        flush=True,
    )
    try:
        while not stop.wait(1.0):
            if not thread.is_alive():
                print("groundwork-standin: server thread died", file=sys.stderr, flush=True)
                sys.exit(1)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    print("groundwork-standin stopped", flush=True)
