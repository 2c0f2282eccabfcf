"""Client for the stand-in's fault injection (see extensions/fault_injection.py)."""

from __future__ import annotations

import json
import urllib.request

from groundwork_standin.extensions.fault_injection import CONTROL_PATH


class FaultClient:
    def __init__(self, endpoint: str):
        self.url = endpoint.rstrip("/") + CONTROL_PATH

    def _call(self, method: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def add(self, **rule) -> dict:
        """Add a rule (fields of fault_injection.Rule); returns it with its id."""
        return self._call("POST", rule)

    def rules(self) -> list[dict]:
        return self._call("GET")["rules"]

    def clear(self) -> None:
        self._call("DELETE")
