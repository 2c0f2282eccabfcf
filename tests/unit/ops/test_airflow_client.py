"""The REST client asks a read again after a timeout or a dropped connection, never a write."""

import pytest
import requests

from groundwork_ops.airflow_client import AirflowClient


class Answers:
    def __init__(self, *outcomes):
        self.outcomes, self.calls = list(outcomes), []

    def __call__(self, method, url, **kwargs):
        self.calls.append(method)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        response = requests.Response()
        response.status_code = outcome
        return response


def client(answers) -> AirflowClient:
    made = AirflowClient.__new__(AirflowClient)
    made.base_url, made.timeout, made.session = "http://127.0.0.1:1", 1, requests.Session()
    made.session.request = answers
    return made


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr("groundwork_ops.airflow_client.time.sleep", lambda seconds: None)


def test_a_read_that_timed_out_is_asked_again():
    answers = Answers(requests.ReadTimeout("slow"), requests.ConnectionError("reset"), 200)
    assert client(answers).request("GET", "/dags").status_code == 200
    assert answers.calls == ["GET", "GET", "GET"]


def test_a_read_that_keeps_timing_out_fails_after_its_tries():
    answers = Answers(*[requests.ReadTimeout("slow")] * AirflowClient.READ_TRIES)
    with pytest.raises(requests.ReadTimeout):
        client(answers).request("GET", "/dags")
    assert len(answers.calls) == AirflowClient.READ_TRIES


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_write_is_never_sent_twice(method):
    answers = Answers(requests.ReadTimeout("slow"), 200)
    with pytest.raises(requests.ReadTimeout):
        client(answers).request(method, "/dags/x/dagRuns")
    assert answers.calls == [method]
