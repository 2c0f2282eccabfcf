"""The pure rules behind the stand-in's CloudFormation (no moto patching here, no server): template
references and order, parameter resolution, the failure reason format, the service-role trust test,
the configured duration."""

from __future__ import annotations

import pytest
from moto.cloudformation.exceptions import ValidationError
from moto.s3.exceptions import BucketAlreadyExists
from moto.ssm.exceptions import ValidationException

from groundwork_standin.extensions import cloudformation_service_role as role
from groundwork_standin.extensions import cloudformation_stack_lifecycle as lifecycle


def test_references_follow_ref_getatt_and_sub_but_not_sub_variables_or_literals():
    fragment = {"A": {"Ref": "Queue"}, "B": {"Fn::GetAtt": ["Bucket", "Arn"]}, "C": {"Fn::GetAtt": "Role.Arn"},
                "D": {"Fn::Sub": "${Topic}-${AWS::Region}-${!Literal}-${Param.Value}"},
                "E": {"Fn::Sub": ["${Local}-${Table}", {"Local": {"Ref": "Stream"}}]}}
    assert lifecycle.references(fragment) == {"Queue", "Bucket", "Role", "Topic", "AWS::Region", "Param", "Table", "Stream"}


def test_dependency_order_puts_what_is_needed_first_and_refuses_cycles():
    resources = {"Alarm": {"Type": "T", "Properties": {"Topic": {"Ref": "Topic"}}},
                 "Topic": {"Type": "T", "DependsOn": "Key"},
                 "Key": {"Type": "T"},
                 "Other": {"Type": "T"}}
    assert lifecycle.dependency_order(resources) == ["Key", "Other", "Topic", "Alarm"]
    with pytest.raises(ValidationError, match=r"Circular dependency between resources: \[A, B\]"):
        lifecycle.dependency_order({"A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}}, "B": {"Type": "T", "DependsOn": ["A"]}})


def test_parameters_given_previous_default_missing_unknown_and_allowed_values():
    template = {"Parameters": {"Version": {"Type": "String"}, "Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
                               "Count": {"Type": "Number", "Default": 2}, "Tag": {"Type": "String", "AllowedPattern": "[a-z]+"}}}
    assert lifecycle.final_parameters(template, {"Version": "v1", "Tag": "abc"}) == {"Version": "v1", "Env": "dev", "Count": "2", "Tag": "abc"}
    assert lifecycle.final_parameters(template, {"Version": "v2"}, {"Version": "v1", "Env": "prod", "Tag": "x"}, {"Env", "Tag"}) == {
        "Version": "v2", "Env": "prod", "Count": "2", "Tag": "x"}
    with pytest.raises(ValidationError, match=r"ValidationError: Parameters: \[Version, Tag\] must have values$"):
        lifecycle.final_parameters(template, {})
    with pytest.raises(ValidationError, match=r"ValidationError: Parameters: \[Colour\] do not exist in the template$"):
        lifecycle.final_parameters(template, {"Version": "v1", "Tag": "a", "Colour": "red"})
    with pytest.raises(ValidationError, match="ValidationError: Parameter 'Env' must be one of AllowedValues$"):
        lifecycle.final_parameters(template, {"Version": "v1", "Tag": "a", "Env": "qa"})
    with pytest.raises(ValidationError, match=r"ValidationError: Parameter 'Tag' must match pattern \[a-z\]\+$"):
        lifecycle.final_parameters(template, {"Version": "v1", "Tag": "A1"})


def test_validate_template_separates_unknown_types_from_types_the_stand_in_cannot_make():
    with pytest.raises(ValidationError, match=r"ValidationError: Template format error: Unrecognized resource types: \[AWS::Foo::Bar, AWS::Foo::Baz\]$"):
        lifecycle.validate_template({"Resources": {"A": {"Type": "AWS::Foo::Bar"}, "B": {"Type": "AWS::Foo::Baz"},
                                                   "C": {"Type": "AWS::Foo::Bar"}}}, "us-east-1")
    with pytest.raises(ValidationError, match=r"stand-in \(moto 5.2.5\) cannot create resource type\(s\) \[AWS::Lambda::Url\]"):
        lifecycle.validate_template({"Resources": {"U": {"Type": "AWS::Lambda::Url"}}}, "us-east-1")
    with pytest.raises(ValidationError, match=r"Unresolved resource dependencies \[Gone\] in the Outputs block"):
        lifecycle.validate_template({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
                                     "Outputs": {"X": {"Value": {"Fn::GetAtt": ["Gone", "Arn"]}}}}, "us-east-1")
    lifecycle.validate_template({"Parameters": {"P": {"Type": "String"}},
                                 "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${P}-${AWS::StackName}"}}},
                                               "W": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                                 "Outputs": {"Q": {"Value": {"Ref": "Q"}}}}, "us-east-1")


def test_parse_template_yaml_json_and_errors():
    assert lifecycle.parse_template("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {Arn: !GetAtt X.Arn}}\n") == {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Arn": {"Fn::GetAtt": ["X", "Arn"]}}}}}
    assert lifecycle.parse_template('{\t"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')["Resources"]["Q"]["Type"] == "AWS::SQS::Queue"
    with pytest.raises(ValidationError, match=r"ValidationError: Template format error: YAML not well-formed\. \(line 2, column 1\)$"):
        lifecycle.parse_template("Resources: [\n")
    with pytest.raises(ValidationError, match="ValidationError: Either Template URL or Template Body must be specified.$"):
        lifecycle.parse_template(None)


def test_failure_reason_reads_like_a_resource_handler_message():
    taken = lifecycle.failure_reason(BucketAlreadyExists(bucket="shared-name"), "AWS::S3::Bucket")
    assert taken.startswith('Resource handler returned message: "shared-name already exists (Service: S3, Status Code: 409, Request ID: ')
    assert taken.endswith(", HandlerErrorCode: AlreadyExists)")
    invalid = lifecycle.failure_reason(ValidationException("Value is empty"), "AWS::SSM::Parameter")
    assert '"Value is empty (Service: SSM, Status Code: 400' in invalid and invalid.endswith("HandlerErrorCode: InvalidRequest)")
    internal = lifecycle.failure_reason(AttributeError("boom"), "AWS::SSM::Parameter")
    assert "Internal failure of the stand-in: AttributeError: boom" in internal and internal.endswith("HandlerErrorCode: InternalFailure)")


def test_trust_policy_must_let_cloudformation_assume_the_role():
    def policy(*statements):
        return {"Version": "2012-10-17", "Statement": list(statements)}

    allow = {"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert role.trusts_cloudformation(policy(allow))
    assert role.trusts_cloudformation(policy(allow | {"Principal": {"Service": ["lambda.amazonaws.com", "cloudformation.amazonaws.com"]},
                                                       "Action": ["sts:AssumeRole", "sts:TagSession"]}))
    assert not role.trusts_cloudformation(policy(allow | {"Principal": {"Service": "lambda.amazonaws.com"}}))
    assert not role.trusts_cloudformation(policy(allow | {"Action": "sts:AssumeRoleWithWebIdentity"}))
    assert not role.trusts_cloudformation(policy(allow, allow | {"Effect": "Deny"}))
    assert not role.trusts_cloudformation(policy(allow | {"Principal": {"AWS": "arn:aws:iam::111122223333:root"}}))


def test_stack_seconds_default_is_two_and_follows_the_environment(monkeypatch):
    monkeypatch.delenv(lifecycle.ENV, raising=False)
    assert lifecycle.stack_seconds() == 2.0
    monkeypatch.setenv(lifecycle.ENV, "0.5")
    assert lifecycle.stack_seconds() == 0.5
