"""``python -m groundwork_standin serve|reset`` -- the local AWS stand-in (moto, extended)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from . import DEFAULT_HOST, DEFAULT_PORT


def _cmd_serve(args: argparse.Namespace) -> int:
    # Must happen before moto is imported: its recorder reads these at import time.
    if args.record_file:
        path = os.path.abspath(args.record_file)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.environ["MOTO_RECORDER_FILEPATH"] = path
    if args.record:
        os.environ["MOTO_ENABLE_RECORDING"] = "true"
    else:
        os.environ.pop("MOTO_ENABLE_RECORDING", None)
    if args.port:
        os.environ["MOTO_PORT"] = str(args.port)
    # No default AMIs: groundwork launches no instance, and moto loads thousands of them into each
    # account's EC2 backend in each Region it is first called in (0.1 s of CPU and ~2 MB each: 2,000
    # backends at 1,000 accounts in 2 Regions were 200 s of the stand-in's one core and 4 GiB).
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

    from .extensions import organizations_async_create
    from .server import serve

    organizations_async_create.SETTINGS["create_account_seconds"] = args.create_account_seconds
    serve(args.host, args.port)
    return 0


def _post(url: str, timeout: float) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _cmd_reset(args: argparse.Namespace) -> int:
    base = args.endpoint.rstrip("/")
    try:
        status, body = _post(f"{base}/moto-api/reset", args.timeout)
        if status != 200:
            print(f"reset failed: HTTP {status}: {body[:300]!r}", file=sys.stderr)
            return 1
        if args.recording:
            status, body = _post(f"{base}/moto-api/recorder/reset-recording", args.timeout)
            if status != 200:
                print(f"reset-recording failed: HTTP {status}: {body[:300]!r}", file=sys.stderr)
                return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"reset failed: cannot reach {base}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"reset": base, "recording_cleared": bool(args.recording)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m groundwork_standin", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("serve", help="run moto (server mode) with groundwork extensions until SIGTERM")
    s.add_argument("--host", default=DEFAULT_HOST)
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port (printed on the ready line)")
    s.add_argument(
        "--record-file",
        default=os.environ.get("MOTO_RECORDER_FILEPATH"),
        help="moto request recorder file (JSON lines); recording starts with POST /moto-api/recorder/start-recording",
    )
    s.add_argument("--record", action="store_true", help="record every request from the start")
    s.add_argument("--create-account-seconds", type=float,
                   default=float(os.environ.get("GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS", "2")),
                   help="CreateAccount stays IN_PROGRESS this long, as in AWS (0: instant, as moto); "
                        "default GROUNDWORK_STANDIN_CREATE_ACCOUNT_SECONDS or 2")
    s.set_defaults(func=_cmd_serve)

    r = sub.add_parser("reset", help="POST /moto-api/reset: drop all moto state")
    r.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"))
    r.add_argument("--recording", action="store_true", help="also clear the request recording")
    r.add_argument("--timeout", type=float, default=10.0)
    r.set_defaults(func=_cmd_reset)

    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
