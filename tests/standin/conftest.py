"""A real stand-in process for the tests in this folder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"listening on (http://[\d.]+:\d+)")


def start_standin(record: Path, **env_extra: str) -> tuple[subprocess.Popen, str]:
    """A stand-in process on a free port (recording to `record`) and its endpoint, once it listens."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "tools"), str(REPO / "include"), env.get("PYTHONPATH")]))
    env.update(env_extra)
    # the stand-in must not depend on (or leak) anything AWS from the caller's environment
    for k in ("MOTO_ENABLE_RECORDING", "MOTO_RECORDER_FILEPATH"):
        env.pop(k, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "groundwork_standin", "serve", "--host", "127.0.0.1", "--port", "0",
         "--record-file", str(record)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    deadline, lines = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if m := READY.search(line):
            return proc, m.group(1)
    proc.kill()
    pytest.fail("stand-in did not start:\n" + "".join(lines) + (proc.stdout.read() or ""))


def stop_standin(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    proc.stdout.close()


@pytest.fixture
def standin(tmp_path):
    record = tmp_path / "recording.jsonl"
    proc, endpoint = start_standin(record)
    try:
        yield proc, endpoint, record
    finally:
        stop_standin(proc)


def client(endpoint: str, service: str, creds: dict | None = None):
    """A boto3 client of the stand-in, with the test keys or assumed-role credentials, no retries."""
    keys = ({"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
             "aws_session_token": creds["SessionToken"]} if creds
            else {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        config=Config(retries={"max_attempts": 1}), **keys)
