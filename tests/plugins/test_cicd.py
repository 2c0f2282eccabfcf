"""Phase 5 glue: the ExternalId is read from the Airflow connection the config names."""

import json

import pytest
from airflow.sdk.exceptions import AirflowFailException

from groundwork.config.loader import load_config
from groundwork_airflow.runtime_secrets import external_id

from tests.conftest import ROOT


@pytest.fixture
def config():
    return load_config(ROOT / "config" / "foundation.yaml")


def test_the_external_id_is_the_connections_password(config, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID",
                       json.dumps({"conn_type": "generic", "password": "from-the-connection-42"}))
    assert external_id(config) == "from-the-connection-42"


def test_a_missing_connection_fails_naming_it(config, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID", raising=False)
    with pytest.raises(AirflowFailException, match="connection groundwork_external_id"):
        external_id(config)


def test_an_empty_password_fails(config, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GROUNDWORK_EXTERNAL_ID", json.dumps({"conn_type": "generic"}))
    with pytest.raises(AirflowFailException, match="holds no ExternalId"):
        external_id(config)
