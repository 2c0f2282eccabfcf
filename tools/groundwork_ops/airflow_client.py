"""A small client for Airflow 3's public REST API (token auth), used by the rollout driver and
the end-to-end tests. Only documented /api/v2 endpoints."""

from __future__ import annotations

import time
from urllib.parse import quote

import requests

TERMINAL_RUN_STATES = {"success", "failed"}


class AirflowError(Exception):
    pass


def _log_line(entry) -> str:
    """One structured log entry as text: the event, plus any exception type and message."""
    if not isinstance(entry, dict):
        return str(entry)
    errors = [f"{e.get('exc_type')}: {e.get('exc_value')}" for e in entry.get("error_detail") or []]
    return " | ".join([str(entry.get("event", ""))] + errors)


class AirflowClient:
    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.timeout = timeout
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=timeout
        )
        if response.status_code >= 300:
            raise AirflowError(f"login as {username} failed: {response.status_code} {response.text[:200]}")
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    # ------------------------------------------------------------------ raw
    READ_TRIES = 3  # a GET that timed out or lost its connection is asked again: reading twice changes nothing

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs) -> requests.Response:
        """One API call. A read is retried after a timeout or a dropped connection (an API server
        under load answers late; a driver watching an hour-long rollout must not die of one slow
        answer); a write is not: it may have been applied."""
        tries = self.READ_TRIES if method.upper() == "GET" else 1
        for attempt in range(1, tries + 1):
            try:
                response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=self.timeout,
                                                **kwargs)
                break
            except (requests.Timeout, requests.ConnectionError):
                if attempt == tries:
                    raise
                time.sleep(attempt)
        if expect and response.status_code not in expect:
            raise AirflowError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response

    @staticmethod
    def _run(run_id: str) -> str:
        return quote(run_id, safe="")

    # ------------------------------------------------------------------ dags and runs
    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            response = self.request("GET", f"/dags/{dag_id}", expect=())
            if response.status_code == 200:
                return response.json()
            if time.monotonic() > deadline:
                raise AirflowError(f"DAG {dag_id} did not appear within {timeout}s (import error? see the UI)")
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        response = self.request("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return response.json()["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.request("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after"}).json()["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{self._run(run_id)}").json()

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{self._run(run_id)}/taskInstances"
        return self.request("GET", path, params={"limit": 1000}).json()["task_instances"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        out = {}
        for ti in self.task_instances(dag_id, run_id):
            key = ti["task_id"] if ti.get("map_index", -1) < 0 else f"{ti['task_id']}[{ti['map_index']}]"
            out[key] = ti["state"]
        return out

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1):
        path = f"/dags/{dag_id}/dagRuns/{self._run(run_id)}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.request("GET", path, params={"map_index": map_index, "deserialize": True}).json()["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int | None = None,
                 map_index: int = -1) -> str:
        """One try's log (default: the task instance's current try)."""
        if try_number is None:
            path = f"/dags/{dag_id}/dagRuns/{self._run(run_id)}/taskInstances/{task_id}/{map_index}"
            if map_index < 0:
                path = path.rsplit("/", 1)[0]
            try_number = max(1, self.request("GET", path).json()["try_number"])
        path = f"/dags/{dag_id}/dagRuns/{self._run(run_id)}/taskInstances/{task_id}/logs/{try_number}"
        content = self.request("GET", path, params={"map_index": map_index},
                               headers={"Accept": "application/json"}).json()["content"]
        if isinstance(content, list):
            return "\n".join(_log_line(e) for e in content)
        return str(content)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600, until: set[str] = TERMINAL_RUN_STATES) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.run(dag_id, run_id)["state"]
            if state in until:
                return state
            if time.monotonic() > deadline:
                raise AirflowError(f"{dag_id} {run_id} still {state} after {timeout}s: {self.task_states(dag_id, run_id)}")
            time.sleep(1)

    def wait_for_task_state(self, dag_id: str, run_id: str, task_id: str, states: set[str], timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.task_states(dag_id, run_id).get(task_id)
            if state in states:
                return state
            run_state = self.run(dag_id, run_id)["state"]
            if run_state in TERMINAL_RUN_STATES or time.monotonic() > deadline:
                raise AirflowError(
                    f"{dag_id} {run_id}: {task_id} never reached {states} (run {run_state}): "
                    f"{self.task_states(dag_id, run_id)}"
                )
            time.sleep(1)

    def clear(self, dag_id: str, run_id: str, task_ids: list[str], only_failed: bool = True) -> list:
        body = {"dag_run_id": run_id, "task_ids": task_ids, "only_failed": only_failed,
                "include_downstream": True, "reset_dag_runs": True, "dry_run": False}
        return self.request("POST", f"/dags/{dag_id}/clearTaskInstances", json=body).json()

    # ------------------------------------------------------------------ approvals
    def pending_approvals(self, dag_id: str = "~", run_id: str = "~") -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{self._run(run_id) if run_id != '~' else '~'}/hitlDetails"
        return self.request("GET", path, params={"response_received": False}).json()["hitl_details"]

    def wait_for_approval(self, dag_id: str, run_id: str, task_id: str, timeout: float = 300) -> dict:
        """The run's unanswered request of `task_id`, as soon as it is shown to approvers."""
        deadline = time.monotonic() + timeout
        while True:
            for detail in self.pending_approvals(dag_id, run_id):
                if detail["task_instance"]["task_id"] == task_id:
                    return detail
            run_state = self.run(dag_id, run_id)["state"]
            if run_state in TERMINAL_RUN_STATES or time.monotonic() > deadline:
                raise AirflowError(f"{dag_id} {run_id}: no approval request from {task_id} (run {run_state}): "
                                   f"{self.task_states(dag_id, run_id)}")
            time.sleep(0.5)

    def answer(self, dag_id: str, run_id: str, task_id: str, option: str, map_index: int = -1,
               expect: tuple[int, ...] = (200,)) -> requests.Response:
        path = f"/dags/{dag_id}/dagRuns/{self._run(run_id)}/taskInstances/{task_id}/{map_index}/hitlDetails"
        return self.request("PATCH", path, expect=expect, json={"chosen_options": [option], "params_input": {}})
