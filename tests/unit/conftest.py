import boto3
import pytest
from moto import mock_aws

from groundwork.aws.context import AwsContext
from groundwork_standin.extensions import install_all
from groundwork.config.loader import load_config

from tests.conftest import ROOT


@pytest.fixture
def foundation_config():
    return load_config(ROOT / "config" / "foundation.yaml")


@pytest.fixture
def minimal_config():
    return load_config(ROOT / "config" / "examples" / "minimal.yaml")


@pytest.fixture
def aws(monkeypatch):
    """In-process moto; every test starts from an empty AWS."""
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    install_all()  # the same fixes to moto that the stand-in server runs with
    with mock_aws():
        yield


@pytest.fixture
def ctx(aws):
    return AwsContext(session=boto3.session.Session(region_name="us-east-1"), region="us-east-1")
