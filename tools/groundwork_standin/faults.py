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

    def fail_a_share(self, probability: float) -> None:
        """About `probability` of every call fails: throttled, a 503, or a lost answer (applied, the
        caller hears a 500), three independent rules of equal share, on every service."""
        share = 1 - (1 - probability) ** (1 / 3)
        self.add(error_code="ThrottlingException", http_status=400, count=None, probability=share)
        self.add(error_code="ServiceUnavailable", http_status=503, count=None, probability=share)
        self.add(error_code="InternalFailure", http_status=500, count=None, probability=share, after=True)

    def rules(self) -> list[dict]:
        return self._call("GET")["rules"]

    def clear(self) -> None:
        self._call("DELETE")
