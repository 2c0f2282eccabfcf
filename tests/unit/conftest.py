import contextlib

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


@contextlib.contextmanager
def in_process_aws():
    """An empty in-process moto with the stand-in's fixes, and a context for it (also for
    module-scoped fixtures that build state once)."""
    with pytest.MonkeyPatch.context() as patch:
        for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE"):
            patch.delenv(var, raising=False)
        install_all()  # the same fixes to moto that the stand-in server runs with
        with mock_aws():
            yield AwsContext(session=boto3.session.Session(region_name="us-east-1"), region="us-east-1")


@pytest.fixture
def aws():
    """In-process moto; every test starts from an empty AWS."""
    with in_process_aws() as context:
        yield context


@pytest.fixture
def ctx(aws):
    return aws
