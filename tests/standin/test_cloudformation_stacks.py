"""CloudFormation on a real stand-in process, in a member account reached through STS, as the
promotion uses it: asynchronous create / update / delete with events, synchronous template and
RoleARN errors, resource failures rolled back (create -> ROLLBACK_COMPLETE, update ->
UPDATE_ROLLBACK_COMPLETE with the previous outputs), "No updates are to be performed.".

One stand-in process and one member account serve the whole module (each test its own stacks);
GROUNDWORK_STANDIN_STACK_SECONDS is 1 there."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from tests.standin.conftest import client, start_standin, stop_standin

STACK_SECONDS = 1.0
TERMINAL = {"CREATE_COMPLETE", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
            "UPDATE_ROLLBACK_FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}

APP = """
AWSTemplateFormatVersion: '2010-09-09'
Description: groundwork test application
Parameters:
  Version: {Type: String}
  Environment: {Type: String, Default: dev, AllowedValues: [dev, test, staging, production]}
Resources:
  VersionParameter:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/app/${AWS::StackName}/version'
      Type: String
      Value: !Ref Version
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 30}
  Topic:
    Type: AWS::SNS::Topic
  Bucket:
    Type: AWS::S3::Bucket
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: 'sts:AssumeRole'}]
Outputs:
  Version: {Value: !GetAtt VersionParameter.Value}
  ParameterName: {Value: !Ref VersionParameter}
  Environment: {Value: !Ref Environment}
  QueueUrl: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  TopicArn: {Value: !Ref Topic}
  BucketName: {Value: !Ref Bucket}
  BucketArn: {Value: !GetAtt Bucket.Arn}
  TaskRoleArn: {Value: !GetAtt TaskRole.Arn}
"""


@dataclass
class Member:
    endpoint: str
    account_id: str
    creds: dict
    service_role: str

    def client(self, service: str):
        return client(self.endpoint, service, self.creds)


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def member(tmp_path_factory):
    """A member account of a fresh organization, with a CloudFormation service role in it."""
    proc, endpoint = start_standin(tmp_path_factory.mktemp("cfn-standin") / "recording.jsonl",
                                   GROUNDWORK_STANDIN_STACK_SECONDS=str(STACK_SECONDS))
    try:
        orgs = client(endpoint, "organizations")
        orgs.create_organization(FeatureSet="ALL")
        request = orgs.create_account(AccountName="workload", Email="workload@example.com")["CreateAccountStatus"]["Id"]
        deadline = time.monotonic() + 30
        while (status := orgs.describe_create_account_status(CreateAccountRequestId=request)["CreateAccountStatus"])["State"] != "SUCCEEDED":
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        account = status["AccountId"]
        creds = client(endpoint, "sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                                    RoleSessionName="cfn-test")["Credentials"]
        role = client(endpoint, "iam", creds).create_role(RoleName="CloudFormationExecution",
                                                          AssumeRolePolicyDocument=_trust("cloudformation.amazonaws.com"))
        yield Member(endpoint, account, creds, role["Role"]["Arn"])
    finally:
        stop_standin(proc)


def _stack(cfn, name: str) -> dict:
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def _wait(cfn, name: str, timeout: float = STACK_SECONDS + 5) -> list[str]:
    """Poll until a resting state; returns the distinct statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        status = _stack(cfn, name)["StackStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in TERMINAL:
            return seen
        assert time.monotonic() < deadline, f"{name} still {status}"
        time.sleep(0.1)


def _outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def _events(cfn, name: str) -> list[dict]:
    """Oldest first (the API gives newest first)."""
    return list(reversed(cfn.describe_stack_events(StackName=name)["StackEvents"]))


def _first_failure(events: list[dict]) -> dict:
    return next(e for e in events if e["ResourceStatus"].endswith("_FAILED"))


def _error(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def _create_app(member: Member, name: str, version: str = "v1") -> str:
    cfn = member.client("cloudformation")
    stack_id = cfn.create_stack(StackName=name, TemplateBody=APP, RoleARN=member.service_role,
                                Parameters=[{"ParameterKey": "Version", "ParameterValue": version},
                                            {"ParameterKey": "Environment", "ParameterValue": "staging"}],
                                Tags=[{"Key": "groundwork:artifact", "Value": version}])["StackId"]
    assert _wait(cfn, name)[-1] == "CREATE_COMPLETE"
    return stack_id


def test_create_is_in_progress_then_complete_with_outputs_and_ordered_events(member):
    cfn = member.client("cloudformation")
    started = time.monotonic()
    stack_id = cfn.create_stack(StackName="app-create", TemplateBody=APP, RoleARN=member.service_role,
                                Parameters=[{"ParameterKey": "Version", "ParameterValue": "v1"},
                                            {"ParameterKey": "Environment", "ParameterValue": "staging"}],
                                Tags=[{"Key": "groundwork:artifact", "Value": "v1"}])["StackId"]
    assert stack_id.startswith(f"arn:aws:cloudformation:us-east-1:{member.account_id}:stack/app-create/")
    first = _stack(cfn, "app-create")
    assert first["StackStatus"] == "CREATE_IN_PROGRESS" and "Outputs" not in first
    assert _wait(cfn, "app-create") == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert time.monotonic() - started >= STACK_SECONDS * 0.8  # it took the configured time

    stack = _stack(cfn, "app-create")
    assert stack["RoleARN"] == member.service_role
    assert stack["Tags"] == [{"Key": "groundwork:artifact", "Value": "v1"}]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"Version": "v1", "Environment": "staging"}
    outputs = _outputs(stack)
    assert outputs["Version"] == "v1" and outputs["Environment"] == "staging"
    assert outputs["ParameterName"] == "/app/app-create/version"
    assert outputs["QueueArn"] == f"arn:aws:sqs:us-east-1:{member.account_id}:{outputs['QueueUrl'].rsplit('/', 1)[1]}"
    assert outputs["TopicArn"].startswith(f"arn:aws:sns:us-east-1:{member.account_id}:app-create-Topic-")
    assert outputs["BucketArn"] == f"arn:aws:s3:::{outputs['BucketName']}"
    assert outputs["TaskRoleArn"].startswith(f"arn:aws:iam::{member.account_id}:role/app-create-TaskRole-")
    # the resources are real, in the member account
    assert member.client("ssm").get_parameter(Name="/app/app-create/version")["Parameter"]["Value"] == "v1"
    member.client("s3").head_bucket(Bucket=outputs["BucketName"])
    member.client("iam").get_role(RoleName=outputs["TaskRoleArn"].rsplit("/", 1)[1])

    events = _events(cfn, "app-create")
    stamps = [e["Timestamp"] for e in events]
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] >= timedelta(seconds=STACK_SECONDS * 0.9)
    stack_events = [(e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events if e["LogicalResourceId"] == "app-create"]
    assert stack_events == [("CREATE_IN_PROGRESS", "User Initiated"), ("CREATE_COMPLETE", None)]
    param = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "VersionParameter"]
    assert param == ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"} == {
        "app-create", "VersionParameter", "Queue", "Topic", "Bucket", "TaskRole"}
    assert {e["ResourceType"] for e in events if e["LogicalResourceId"] == "Bucket"} == {"AWS::S3::Bucket"}


def test_update_goes_in_progress_then_complete_and_cleans_up_removed_resources(member):
    cfn = member.client("cloudformation")
    _create_app(member, "app-update")
    before = _outputs(_stack(cfn, "app-update"))
    smaller = (APP.replace("  Topic:\n    Type: AWS::SNS::Topic\n", "").replace("  TopicArn: {Value: !Ref Topic}\n", "")
               .replace("VisibilityTimeout: 30", "VisibilityTimeout: 60")
               .replace("  Bucket:\n    Type: AWS::S3::Bucket\n",
                        "  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {Tags: [{Key: release, Value: v2}]}\n"))
    cfn.update_stack(StackName="app-update", TemplateBody=smaller,  # no RoleARN: the stack's own is used
                     Parameters=[{"ParameterKey": "Version", "ParameterValue": "v2"},
                                 {"ParameterKey": "Environment", "UsePreviousValue": True}])
    during = _stack(cfn, "app-update")
    assert during["StackStatus"] == "UPDATE_IN_PROGRESS"
    assert _outputs(during) == before  # outputs change when the update completes
    seen = _wait(cfn, "app-update")
    assert seen[0] == "UPDATE_IN_PROGRESS" and seen[-1] == "UPDATE_COMPLETE"
    assert set(seen) <= {"UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"}
    stack = _stack(cfn, "app-update")
    assert stack["StackStatus"] == "UPDATE_COMPLETE" and stack["RoleARN"] == member.service_role
    assert "LastUpdatedTime" in stack
    after = _outputs(stack)
    assert after["Version"] == "v2" and after["Environment"] == "staging" and "TopicArn" not in after
    # updated in place: queue, bucket and role keep their generated names, the parameter gets a new version
    assert {k: after[k] for k in ("QueueUrl", "BucketName", "TaskRoleArn")} == {k: before[k] for k in ("QueueUrl", "BucketName", "TaskRoleArn")}
    attributes = member.client("sqs").get_queue_attributes(QueueUrl=after["QueueUrl"], AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "60"
    assert member.client("s3").get_bucket_tagging(Bucket=after["BucketName"])["TagSet"] == [{"Key": "release", "Value": "v2"}]
    parameter = member.client("ssm").get_parameter(Name="/app/app-update/version")["Parameter"]
    assert (parameter["Value"], parameter["Version"]) == ("v2", 2)
    assert before["TopicArn"] not in [t["TopicArn"] for t in member.client("sns").list_topics()["Topics"]]
    events = _events(cfn, "app-update")
    update = events[next(i for i, e in enumerate(events) if e["ResourceStatus"] == "UPDATE_IN_PROGRESS"):]
    assert [(e["LogicalResourceId"], e["ResourceStatus"]) for e in update] == [
        ("app-update", "UPDATE_IN_PROGRESS"), ("VersionParameter", "UPDATE_IN_PROGRESS"), ("VersionParameter", "UPDATE_COMPLETE"),
        ("Queue", "UPDATE_IN_PROGRESS"), ("Queue", "UPDATE_COMPLETE"), ("Bucket", "UPDATE_IN_PROGRESS"), ("Bucket", "UPDATE_COMPLETE"),
        ("app-update", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), ("Topic", "DELETE_IN_PROGRESS"), ("Topic", "DELETE_COMPLETE"),
        ("app-update", "UPDATE_COMPLETE")]
    assert cfn.get_template(StackName="app-update")["TemplateBody"] == smaller


def test_an_identical_update_is_refused_and_so_is_one_while_in_progress(member):
    cfn = member.client("cloudformation")
    _create_app(member, "app-same")
    same = [{"ParameterKey": "Version", "ParameterValue": "v1"}, {"ParameterKey": "Environment", "ParameterValue": "staging"}]
    with pytest.raises(ClientError) as identical:
        cfn.update_stack(StackName="app-same", TemplateBody=APP, Parameters=same)
    assert _error(identical) == ("ValidationError", "No updates are to be performed.")
    with pytest.raises(ClientError) as previous:
        cfn.update_stack(StackName="app-same", UsePreviousTemplate=True,
                         Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True},
                                     {"ParameterKey": "Environment", "UsePreviousValue": True}])
    assert _error(previous) == ("ValidationError", "No updates are to be performed.")
    with pytest.raises(ClientError) as reformatted:  # same template, other layout: still nothing to do
        cfn.update_stack(StackName="app-same", TemplateBody=APP.replace("\n\n", "\n") + "\n# v1 again\n", Parameters=same)
    assert _error(reformatted)[1] == "No updates are to be performed."
    assert _stack(cfn, "app-same")["StackStatus"] == "CREATE_COMPLETE"

    stack_id = _stack(cfn, "app-same")["StackId"]
    cfn.update_stack(StackName="app-same", TemplateBody=APP, Parameters=[same[0] | {"ParameterValue": "v2"}, same[1]])
    with pytest.raises(ClientError) as busy:
        cfn.update_stack(StackName="app-same", TemplateBody=APP, Parameters=[same[0] | {"ParameterValue": "v3"}, same[1]])
    assert _error(busy) == ("ValidationError", f"Stack:{stack_id} is in UPDATE_IN_PROGRESS state and can not be updated.")
    with pytest.raises(ClientError) as no_delete:
        cfn.delete_stack(StackName="app-same")
    assert _error(no_delete) == ("ValidationError", "Stack [app-same] cannot be deleted while in status UPDATE_IN_PROGRESS")
    assert _wait(cfn, "app-same")[-1] == "UPDATE_COMPLETE"
    assert _outputs(_stack(cfn, "app-same"))["Version"] == "v2"


def test_a_failing_create_rolls_back_reports_the_resource_and_can_only_be_deleted(member):
    cfn = member.client("cloudformation")
    client(member.endpoint, "s3").create_bucket(Bucket="groundwork-taken-name")  # owned by another account
    failing = APP.replace("  Bucket:\n    Type: AWS::S3::Bucket\n",
                          "  Bucket:\n    Type: AWS::S3::Bucket\n    DependsOn: Queue\n    Properties: {BucketName: groundwork-taken-name}\n")
    stack_id = cfn.create_stack(StackName="app-broken", TemplateBody=failing, RoleARN=member.service_role,
                                Parameters=[{"ParameterKey": "Version", "ParameterValue": "v1"}])["StackId"]
    seen = _wait(cfn, "app-broken")
    assert seen[0] == "CREATE_IN_PROGRESS" and seen[-1] == "ROLLBACK_COMPLETE" and "ROLLBACK_IN_PROGRESS" in seen
    stack = _stack(cfn, "app-broken")
    assert "Outputs" not in stack
    assert stack["StackStatusReason"] == "The following resource(s) failed to create: [Bucket]. Rollback requested by user."

    events = _events(cfn, "app-broken")
    failed = _first_failure(events)
    assert (failed["LogicalResourceId"], failed["ResourceType"], failed["ResourceStatus"]) == ("Bucket", "AWS::S3::Bucket", "CREATE_FAILED")
    assert failed["ResourceStatusReason"].startswith('Resource handler returned message: "groundwork-taken-name already exists (Service: S3, Status Code: 409')
    assert failed["ResourceStatusReason"].endswith("HandlerErrorCode: AlreadyExists)")
    order = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events]
    assert order.index(("Bucket", "CREATE_FAILED")) < order.index(("app-broken", "ROLLBACK_IN_PROGRESS")) \
        < order.index(("Queue", "DELETE_COMPLETE")) < order.index(("app-broken", "ROLLBACK_COMPLETE")) == len(order) - 1
    # what was made before the failure is gone again
    made = {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert "Queue" in made and "Bucket" not in made
    assert {e["LogicalResourceId"] for e in events if e["ResourceStatus"] == "DELETE_COMPLETE"} >= made
    assert not any("app-broken" in url for url in member.client("sqs").list_queues().get("QueueUrls", []))
    with pytest.raises(ClientError) as gone:
        member.client("ssm").get_parameter(Name="/app/app-broken/version")
    assert _error(gone)[0] == "ParameterNotFound"

    with pytest.raises(ClientError) as refused:
        cfn.update_stack(StackName="app-broken", UsePreviousTemplate=True,
                         Parameters=[{"ParameterKey": "Version", "ParameterValue": "v2"}])
    assert _error(refused) == ("ValidationError", f"Stack:{stack_id} is in ROLLBACK_COMPLETE state and can not be updated.")
    with pytest.raises(ClientError) as exists:
        cfn.create_stack(StackName="app-broken", TemplateBody=APP, Parameters=[{"ParameterKey": "Version", "ParameterValue": "v1"}])
    assert _error(exists) == ("AlreadyExistsException", "Stack [app-broken] already exists")

    cfn.delete_stack(StackName="app-broken")
    assert _stack(cfn, "app-broken")["StackStatus"] == "DELETE_IN_PROGRESS"
    time.sleep(STACK_SECONDS + 0.3)
    with pytest.raises(ClientError) as by_name:
        cfn.describe_stacks(StackName="app-broken")
    assert _error(by_name) == ("ValidationError", "Stack with id app-broken does not exist")
    assert _stack(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"  # by id it is still there
    _create_app(member, "app-broken")  # the name is free again


def test_a_failing_update_rolls_back_to_the_previous_template_parameters_and_outputs(member):
    cfn = member.client("cloudformation")
    _create_app(member, "app-rollback")
    before = _stack(cfn, "app-rollback")
    extra = APP.replace("Resources:\n", "Resources:\n  Audit:\n    Type: AWS::SQS::Queue\n")  # made first
    # the update adds a queue, then fails on the parameter: PutParameter refuses an empty value
    cfn.update_stack(StackName="app-rollback", TemplateBody=extra,
                     Parameters=[{"ParameterKey": "Version", "ParameterValue": ""},
                                 {"ParameterKey": "Environment", "ParameterValue": "production"}])
    seen = _wait(cfn, "app-rollback")
    assert seen[0] == "UPDATE_IN_PROGRESS" and seen[-1] == "UPDATE_ROLLBACK_COMPLETE"
    assert "UPDATE_ROLLBACK_IN_PROGRESS" in seen
    after = _stack(cfn, "app-rollback")
    assert _outputs(after) == _outputs(before)
    assert after["Parameters"] == before["Parameters"]
    assert after["StackStatusReason"] == "The following resource(s) failed to update: [VersionParameter]."
    assert cfn.get_template(StackName="app-rollback")["TemplateBody"] == APP
    assert member.client("ssm").get_parameter(Name="/app/app-rollback/version")["Parameter"]["Value"] == "v1"

    events = _events(cfn, "app-rollback")
    failed = _first_failure(events)
    assert (failed["LogicalResourceId"], failed["ResourceType"], failed["ResourceStatus"]) == (
        "VersionParameter", "AWS::SSM::Parameter", "UPDATE_FAILED")
    assert "failed to satisfy constraint" in failed["ResourceStatusReason"]
    assert "HandlerErrorCode: InvalidRequest" in failed["ResourceStatusReason"]
    tail = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events[events.index(failed):]]
    assert tail[:2] == [("VersionParameter", "UPDATE_FAILED"), ("app-rollback", "UPDATE_ROLLBACK_IN_PROGRESS")]
    assert tail[-1] == ("app-rollback", "UPDATE_ROLLBACK_COMPLETE")
    assert ("Audit", "CREATE_COMPLETE") in [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events]
    assert ("Audit", "DELETE_COMPLETE") in tail  # the added queue was removed again
    queues = member.client("sqs").list_queues().get("QueueUrls", [])
    assert not any("Audit" in url for url in queues) and _outputs(before)["QueueUrl"].rsplit("/", 1)[1] in " ".join(queues)

    # UPDATE_ROLLBACK_COMPLETE can be updated again (unlike ROLLBACK_COMPLETE)
    cfn.update_stack(StackName="app-rollback", UsePreviousTemplate=True,
                     Parameters=[{"ParameterKey": "Version", "ParameterValue": "v3"},
                                 {"ParameterKey": "Environment", "UsePreviousValue": True}])
    assert _wait(cfn, "app-rollback")[-1] == "UPDATE_COMPLETE"
    assert _outputs(_stack(cfn, "app-rollback"))["Version"] == "v3"


def test_a_resource_added_by_an_update_that_fails_is_a_create_failure(member):
    cfn = member.client("cloudformation")
    _create_app(member, "app-added")
    bad = APP.replace("  Topic:\n    Type: AWS::SNS::Topic\n", "  Topic:\n    Type: AWS::SNS::Topic\n  Reserved:\n"
                      "    Type: AWS::SSM::Parameter\n    Properties: {Name: /aws/reserved/app, Type: String, Value: x}\n")
    cfn.update_stack(StackName="app-added", TemplateBody=bad, Parameters=[
        {"ParameterKey": "Version", "ParameterValue": "v2"}, {"ParameterKey": "Environment", "UsePreviousValue": True}])
    assert _wait(cfn, "app-added")[-1] == "UPDATE_ROLLBACK_COMPLETE"
    failed = _first_failure(_events(cfn, "app-added"))
    assert (failed["LogicalResourceId"], failed["ResourceStatus"]) == ("Reserved", "CREATE_FAILED")
    assert "No access to reserved parameter name: /aws/reserved/app." in failed["ResourceStatusReason"]
    assert _stack(cfn, "app-added")["StackStatusReason"] == "The following resource(s) failed to create: [Reserved]."
    # the parameter updated to v2 before the failure is back at v1
    assert _outputs(_stack(cfn, "app-added"))["Version"] == "v1"
    assert member.client("ssm").get_parameter(Name="/app/app-added/version")["Parameter"]["Value"] == "v1"


def test_role_arn_must_name_a_role_cloudformation_can_assume(member):
    cfn = member.client("cloudformation")
    iam = member.client("iam")
    params = [{"ParameterKey": "Version", "ParameterValue": "v1"}]
    missing = f"arn:aws:iam::{member.account_id}:role/NoSuchRole"
    lambda_only = iam.create_role(RoleName="LambdaOnly", AssumeRolePolicyDocument=_trust("lambda.amazonaws.com"))["Role"]["Arn"]
    other_account = member.service_role.replace(member.account_id, "123456789012")
    client(member.endpoint, "iam").create_role(RoleName="CloudFormationExecution",
                                               AssumeRolePolicyDocument=_trust("cloudformation.amazonaws.com"))
    for role in (missing, lambda_only, other_account):
        with pytest.raises(ClientError) as refused:
            cfn.create_stack(StackName="app-role", TemplateBody=APP, Parameters=params, RoleARN=role)
        assert _error(refused) == ("ValidationError", f"Role {role} is invalid or cannot be assumed")
    with pytest.raises(ClientError) as nothing:
        cfn.describe_stacks(StackName="app-role")  # refused calls leave no stack behind
    assert _error(nothing) == ("ValidationError", "Stack with id app-role does not exist")

    # a stack whose role was deleted afterwards can no longer be updated or deleted with it
    temporary = iam.create_role(RoleName="Temporary", AssumeRolePolicyDocument=_trust("cloudformation.amazonaws.com"))["Role"]["Arn"]
    cfn.create_stack(StackName="app-role", TemplateBody=APP, Parameters=params, RoleARN=temporary)
    assert _wait(cfn, "app-role")[-1] == "CREATE_COMPLETE"
    iam.delete_role(RoleName="Temporary")
    with pytest.raises(ClientError) as update:
        cfn.update_stack(StackName="app-role", TemplateBody=APP, Parameters=[{"ParameterKey": "Version", "ParameterValue": "v2"}])
    assert _error(update) == ("ValidationError", f"Role {temporary} is invalid or cannot be assumed")
    with pytest.raises(ClientError) as delete:
        cfn.delete_stack(StackName="app-role")
    assert _error(delete) == ("ValidationError", f"Role {temporary} is invalid or cannot be assumed")
    assert _stack(cfn, "app-role")["StackStatus"] == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="app-role", RoleARN=member.service_role)  # a working role given on the call
    assert _wait(cfn, _stack(cfn, "app-role")["StackId"])[-1] == "DELETE_COMPLETE"


def test_template_errors_fail_the_call_itself_and_leave_no_stack(member):
    cfn = member.client("cloudformation")
    v1 = [{"ParameterKey": "Version", "ParameterValue": "v1"}]
    cases = {
        "unknown type": (json.dumps({"Resources": {"X": {"Type": "AWS::Foo::Bar"}, "Q": {"Type": "AWS::SQS::Queue"}}}), [],
                         "Template format error: Unrecognized resource types: [AWS::Foo::Bar]"),
        "bad yaml": ("Resources: [", [], "Template format error: YAML not well-formed. (line 1, column 13)"),
        "no resources": (json.dumps({"Outputs": {}}), [], "Template format error: At least one Resources member must be defined."),
        "missing parameter": (APP, [], "Parameters: [Version] must have values"),
        "unknown parameter": (APP, v1 + [{"ParameterKey": "Colour", "ParameterValue": "red"}],
                              "Parameters: [Colour] do not exist in the template"),
        "not allowed": (APP, v1 + [{"ParameterKey": "Environment", "ParameterValue": "qa"}],
                        "Parameter 'Environment' must be one of AllowedValues"),
        "dangling ref": (json.dumps({"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": "/x", "Type": "String", "Value": {"Ref": "Nowhere"}}}}}), [],
            "Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template"),
        "cycle": (json.dumps({"Resources": {"A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"},
                                            "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"}}}), [],
                  "Circular dependency between resources: [A, B]"),
    }
    for label, (body, params, message) in cases.items():
        with pytest.raises(ClientError) as refused:
            cfn.create_stack(StackName="app-invalid", TemplateBody=body, Parameters=params)
        assert _error(refused) == ("ValidationError", message), label
    assert "app-invalid" not in [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]
    assert not any("app-invalid" in url for url in member.client("sqs").list_queues().get("QueueUrls", []))


def test_json_template_without_names_and_delete(member):
    cfn = member.client("cloudformation")
    template = json.dumps({
        "Resources": {"Setting": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "on", "Tags": {"team": "a"}}},
                      "Kept": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain"}},
        "Outputs": {"SettingName": {"Value": {"Ref": "Setting"}}, "SettingType": {"Value": {"Fn::GetAtt": ["Setting", "Type"]}},
                    "Kept": {"Value": {"Fn::GetAtt": ["Kept", "QueueName"]}}}})
    stack_id = cfn.create_stack(StackName="app-json", TemplateBody=template)["StackId"]
    assert _wait(cfn, "app-json")[-1] == "CREATE_COMPLETE"
    outputs = _outputs(_stack(cfn, "app-json"))
    assert outputs["SettingName"].startswith("app-json-Setting-") and outputs["SettingType"] == "String"
    ssm = member.client("ssm")
    assert ssm.get_parameter(Name=outputs["SettingName"])["Parameter"]["Value"] == "on"
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=outputs["SettingName"])["TagList"] == [
        {"Key": "team", "Value": "a"}]
    cfn.delete_stack(StackName="app-json")
    assert _wait(cfn, stack_id) == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    statuses = {(e["LogicalResourceId"], e["ResourceStatus"]) for e in _events(cfn, stack_id)}
    assert {("Setting", "DELETE_COMPLETE"), ("Kept", "DELETE_SKIPPED"), ("app-json", "DELETE_COMPLETE")} <= statuses
    with pytest.raises(ClientError):
        ssm.get_parameter(Name=outputs["SettingName"])
    assert any(url.endswith("/" + outputs["Kept"]) for url in member.client("sqs").list_queues()["QueueUrls"])  # retained
    cfn.delete_stack(StackName="app-json")  # deleting a deleted stack is a no-op, as in AWS
