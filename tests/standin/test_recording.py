"""The recording parser names operations the way each AWS protocol carries them."""

import json

from groundwork_standin.recording import parse_entry, parse_recording

AUTH = "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{service}/aws4_request, SignedHeaders=host"


def entry(service, method="POST", url="/", body="", **headers):
    return {"headers": {"Authorization": AUTH.format(service=service), **headers},
            "method": method, "url": url, "body": body, "body_encoded": False}


def test_json_protocol_operation_from_the_target_header():
    call = parse_entry(entry("organizations", **{"X-Amz-Target": "AWSOrganizationsV20161128.CreateAccount"}))
    assert (call.service, call.operation, call.mutating) == ("organizations", "CreateAccount", True)
    read = parse_entry(entry("organizations", **{"X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts"}))
    assert read.mutating is False


def test_query_protocol_operation_from_the_action_parameter():
    call = parse_entry(entry("sts", body="Action=AssumeRole&Version=2011-06-15&RoleArn=x"))
    assert (call.service, call.operation, call.mutating) == ("sts", "AssumeRole", False)
    call = parse_entry(entry("ec2", body="Action=CreateVpc&CidrBlock=10.0.0.0%2F16"))
    assert call.operation == "CreateVpc" and call.mutating


def test_base64_bodies_as_moto_stores_them():
    import base64

    encoded = {**entry("sts"), "body": base64.b64encode(b"Action=AssumeRole&Version=2011-06-15").decode(),
               "body_encoded": True}
    assert parse_entry(encoded).operation == "AssumeRole"


def test_rest_operations_come_from_botocore_http_bindings():
    put = parse_entry(entry("s3", method="PUT", url="/bucket?versioning"))
    assert (put.operation, put.mutating) == ("PutBucketVersioning", True)
    get = parse_entry(entry("s3", method="GET", url="/bucket?versioning"))
    assert (get.operation, get.mutating) == ("GetBucketVersioning", False)
    assert parse_entry(entry("s3", method="DELETE", url="/bucket/AWSLogs/o-1/x.json.gz")).operation == "DeleteObject"
    shares = parse_entry(entry("ram", method="POST", url="/getresourceshares"))  # a read sent as POST
    assert (shares.operation, shares.mutating) == ("GetResourceShares", False)
    zone = parse_entry(entry("route53", method="GET", url="/2013-04-01/hostedzone/Z123"))
    assert (zone.operation, zone.mutating) == ("GetHostedZone", False)


def test_s3_control_requests_are_told_from_s3_by_their_path():
    url = "/v20180820/configuration/publicAccessBlock"
    get = parse_entry(entry("s3", method="GET", url=url, **{"X-Amz-Account-Id": "111111111111"}))
    assert (get.service, get.operation, get.mutating) == ("s3control", "GetPublicAccessBlock", False)
    put = parse_entry(entry("s3", method="PUT", url=url))
    assert (put.service, put.operation, put.mutating) == ("s3control", "PutPublicAccessBlock", True)


def test_unknown_rest_requests_fall_back_to_the_http_method():
    assert parse_entry(entry("nosuchservice", method="PUT", url="/x")).mutating is True
    assert parse_entry(entry("nosuchservice", method="GET", url="/x")).mutating is False


def test_recording_lines():
    lines = "\n".join(json.dumps(e) for e in [entry("sts", body="Action=GetCallerIdentity"), entry("sts", body="Action=AssumeRole")])
    assert [c.operation for c in parse_recording(lines + "\n")] == ["GetCallerIdentity", "AssumeRole"]
