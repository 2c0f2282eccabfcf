"""CreateAccount is asynchronous and not idempotent: these pin down that it is issued at most once.

moto finishes account creation instantly, so the in-flight states are injected with a small fake
Organizations client here; the moto-backed flow is in test_foundation.py.
"""

from types import SimpleNamespace

import pytest

from groundwork.config.models import Account
from groundwork.plan.model import Change
from groundwork.reconcile import accounts

ACCOUNT = Account(name="Production", email="prod@example.com", ou="Workloads", kind="workload", environment="production")
CONFIG = SimpleNamespace(ou_of=lambda account: account.ou)  # what start_account reads of the config
APPROVED = {Change("create", "account", "Production", None, accounts.desired(ACCOUNT, CONFIG)).id}


class FakeOrganizations:
    def __init__(self, existing=(), requests=()):
        self.existing = list(existing)
        self.requests = list(requests)
        self.created = []

    def get_paginator(self, operation):
        fake = self

        class Paginator:
            def paginate(self, **kwargs):
                if operation == "list_accounts":
                    yield {"Accounts": fake.existing}
                elif operation == "list_create_account_status":
                    yield {"CreateAccountStatuses": [r for r in fake.requests if r["State"] in kwargs["States"]]}

        return Paginator()

    def create_account(self, **kwargs):
        self.created.append(kwargs)
        status = {"Id": "car-new", "State": "IN_PROGRESS", "AccountName": kwargs["AccountName"]}
        self.requests.append(status)
        return {"CreateAccountStatus": status}

    def describe_create_account_status(self, CreateAccountRequestId):
        return {"CreateAccountStatus": next(r for r in self.requests if r["Id"] == CreateAccountRequestId)}


def test_an_existing_account_is_found_by_email_and_not_created():
    client = FakeOrganizations(existing=[{"Id": "111111111111", "Email": "PROD@example.com", "Name": "Production"}])
    progress = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
    assert (progress.state, progress.account_id) == ("SUCCEEDED", "111111111111")
    assert client.created == []


def test_a_request_in_flight_is_resumed_not_repeated():
    client = FakeOrganizations(requests=[{"Id": "car-1", "State": "IN_PROGRESS", "AccountName": "Production"}])
    progress = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
    assert (progress.state, progress.request_id) == ("IN_PROGRESS", "car-1")
    assert client.created == []


def test_a_succeeded_request_not_yet_listed_is_used():
    client = FakeOrganizations(
        requests=[{"Id": "car-1", "State": "SUCCEEDED", "AccountName": "Production", "AccountId": "222222222222"}]
    )
    progress = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
    assert progress.account_id == "222222222222" and client.created == []


def test_create_once_then_every_rerun_resumes_the_same_request():
    client = FakeOrganizations()
    first = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
    second = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
    assert len(client.created) == 1
    assert first.request_id == second.request_id == "car-new"
    assert accounts.creation_progress(client, "Production", "car-new").state == "IN_PROGRESS"


def test_a_failed_request_is_reported_with_its_reason():
    progress = accounts.AccountProgress("Production", "FAILED", request_id="car-9", reason="EMAIL_ALREADY_EXISTS")
    with pytest.raises(accounts.AccountCreationFailed, match="EMAIL_ALREADY_EXISTS"):
        accounts.raise_if_failed(progress)


def test_the_probe_waits_out_an_asynchronous_creation_without_creating_twice(ctx):
    """Against moto with AWS's asynchronous CreateAccount (stand-in extension)."""
    import time

    from groundwork.phases import probes
    from groundwork_standin.extensions import organizations_async_create

    organizations_async_create.SETTINGS["create_account_seconds"] = 0.5
    try:
        client = ctx.client("organizations")
        client.create_organization(FeatureSet="ALL")
        first = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
        assert first.state == "IN_PROGRESS"
        again = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole")
        assert again.request_id == first.request_id  # resumed, not repeated
        assert [c.operation for c in ctx.mutating_calls()].count("CreateAccount") == 1
        done, result = probes.create_account(ctx, "Production", first.request_id)
        assert not done
        time.sleep(0.6)
        done, result = probes.create_account(ctx, "Production", first.request_id)
        assert done and result["state"] == "SUCCEEDED" and result["account_id"]
        # AWS's request and completion times come along (epoch seconds, plain JSON for a trigger event)
        took = accounts.AccountProgress(**result).creation_seconds()
        assert isinstance(result["requested_at"], float) and 0.45 <= took <= 0.55
        assert first.requested_at == result["requested_at"] and first.creation_seconds() is None
    finally:
        organizations_async_create.SETTINGS["create_account_seconds"] = 0.0


class CountingOrganizations(FakeOrganizations):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.listings = 0

    def get_paginator(self, operation):
        self.listings += 1
        return super().get_paginator(operation)


@pytest.mark.parametrize("existing, requests, expect", [
    ([{"Id": "111111111111", "Email": "prod@example.com", "Name": "Production"}], [], ("SUCCEEDED", None)),
    ([], [{"Id": "car-1", "State": "IN_PROGRESS", "AccountName": "Production"}], ("IN_PROGRESS", "car-1")),
    ([], [{"Id": "car-0", "State": "SUCCEEDED", "AccountName": "Production", "AccountId": "1"},
          {"Id": "car-1", "State": "IN_PROGRESS", "AccountName": "Production"}], ("IN_PROGRESS", "car-1")),
    ([], [], ("IN_PROGRESS", "car-new")),
])
def test_a_batch_reads_the_organization_once_and_still_never_creates_twice(existing, requests, expect):
    client = CountingOrganizations(existing=existing, requests=requests)
    seen = accounts.read_existing(client)
    read = client.listings
    progress = accounts.start_account(client, CONFIG, ACCOUNT, APPROVED, "OrganizationAccountAccessRole",
                                      existing=seen)
    assert client.listings == read  # nothing listed again for the account
    assert (progress.state, progress.request_id) == expect
    assert len(client.created) == (1 if expect[1] == "car-new" else 0)
