"""S3 Control's account-id host label is dropped only for an endpoint given as an IP address."""

from types import SimpleNamespace

from groundwork.aws.s3 import _without_ip_host_label


def _request(url):
    return SimpleNamespace(url=url, headers={})


def test_ip_endpoint_keeps_the_signed_host_but_connects_to_the_address():
    request = _request("http://123456789012.127.0.0.1:5055/v20180820/configuration/publicAccessBlock")
    _without_ip_host_label(request)
    assert request.url == "http://127.0.0.1:5055/v20180820/configuration/publicAccessBlock"
    assert request.headers["Host"] == "123456789012.127.0.0.1:5055"


def test_aws_host_names_are_left_alone():
    url = "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock"
    request = _request(url)
    _without_ip_host_label(request)
    assert request.url == url and request.headers == {}


def test_a_request_already_sent_to_the_address_is_left_alone():
    request = _request("http://123456789012.127.0.0.1:5055/v20180820/configuration/publicAccessBlock")
    _without_ip_host_label(request)
    _without_ip_host_label(request)
    assert request.url == "http://127.0.0.1:5055/v20180820/configuration/publicAccessBlock"
    assert request.headers["Host"] == "123456789012.127.0.0.1:5055"


def test_every_account_shares_one_hook_on_the_one_s3control_client(monkeypatch):
    """Member accounts' s3control clients are views of one botocore client: the host hook is
    registered on it once, however many accounts ask (twice, it rewrote an already-rewritten URL)."""
    import boto3

    from groundwork.aws import s3
    from groundwork.aws.context import AwsContext

    seen = []
    monkeypatch.setattr(s3, "_without_ip_host_label", lambda request, **_: seen.append(request.url))
    ctx = AwsContext(session=boto3.session.Session(region_name="us-east-1", aws_access_key_id="a",
                                                   aws_secret_access_key="b"), region="us-east-1")
    monkeypatch.setattr(ctx, "_credentials_for", lambda account_id: None)
    shared = s3.control_client(ctx, None)
    for account in ("111111111111", "222222222222"):
        s3.control_client(ctx, account)
    shared.meta.events.emit("before-send.s3-control.GetPublicAccessBlock", request=_request("http://x/"))
    assert seen == ["http://x/"]
