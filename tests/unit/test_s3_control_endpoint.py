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
