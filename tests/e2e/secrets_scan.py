"""Search what Airflow keeps and shows about the runs (task logs, component logs, XCom, rendered
template fields, API answers) for the stack's secrets: the ExternalId, the user passwords, the
database password, the JWT / API / Fernet keys."""

from __future__ import annotations

import json
from pathlib import Path

SECRET_FILES = ("external_id", "pg_password", "jwt_secret", "api_secret_key", "fernet_key")


def stack_secrets(state_dir: Path) -> dict[str, str]:
    secrets_dir = state_dir / "secrets"
    found = {name: (secrets_dir / name).read_text().strip() for name in SECRET_FILES}
    for user, password in json.loads((secrets_dir / "passwords.json").read_text()).items():
        found[f"password of {user}"] = password
    return {name: value for name, value in found.items() if len(value) >= 8}


def hits(text: str, secrets: dict[str, str], where: str) -> list[str]:
    return [f"{name} in {where}" for name, value in secrets.items() if value in text]


def scan_files(root: Path, secrets: dict[str, str]) -> tuple[int, list[str]]:
    count, found = 0, []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".json", "") and "secrets" not in path.parts:
            count += 1
            found += hits(path.read_text(errors="replace"), secrets, str(path.relative_to(root)))
    return count, found


def scan_api(admin, dag_ids: list[str], secrets: dict[str, str]) -> tuple[int, list[str]]:
    """Every run's task instances (their rendered fields), XCom entries and hitlDetails, as the API
    serves them to a user."""
    answers, found = 0, []
    for dag_id in dag_ids:
        for run in admin.request("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 1000}).json()["dag_runs"]:
            run_path = f"/dags/{dag_id}/dagRuns/{admin._run(run['dag_run_id'])}"
            for path in (f"{run_path}/taskInstances", f"{run_path}/hitlDetails"):
                text = admin.request("GET", path, params={"limit": 1000}).text
                answers += 1
                found += hits(text, secrets, path)
            entries = admin.request("GET", f"{run_path}/taskInstances/~/xcomEntries", params={"limit": 1000}).json()
            for entry in entries["xcom_entries"]:
                xcom = admin.request("GET", f"{run_path}/taskInstances/{entry['task_id']}/xcomEntries/{entry['key']}",
                                     params={"map_index": entry.get("map_index", -1), "deserialize": True})
                answers += 1
                found += hits(xcom.text, secrets, f"XCom {dag_id}.{entry['task_id']}[{entry.get('map_index', -1)}].{entry['key']}")
    return answers, found
