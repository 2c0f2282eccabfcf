"""The hand parser of canonical CIDRs agrees with ipaddress on every input: same network, same
refusal (ipaddress's own message for anything malformed)."""

import ipaddress
import random

import pytest

from groundwork.config.models import _cidr


def _reference(value: str) -> str:
    net = ipaddress.IPv4Network(value, strict=True)
    private = any(net.subnet_of(ipaddress.IPv4Network(r)) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
    if not private:
        raise ValueError("public")
    return str(net)


def test_it_agrees_with_ipaddress_on_random_inputs():
    rng = random.Random(7)
    for _ in range(20000):
        value = (f"{rng.choice(['10', '172', '192', '8', '0', '255', '256', '010'])}.{rng.randint(0, 300)}."
                 f"{rng.randint(0, 255)}.{rng.choice([0, 0, 0, 1, 128])}/{rng.randint(0, 33)}")
        try:
            expected = _reference(value)
        except ValueError:
            expected = None
        try:
            got = _cidr(value)
        except ValueError:
            got = None
        assert got == expected, value


@pytest.mark.parametrize("value, message", [
    ("10.0.0.1/16", "has host bits set"), ("10.0.0/16", "Expected 4 octets"), ("010.0.0.0/16", "Leading zeros"),
    ("8.8.8.0/24", "public address space"),
])
def test_refusals_keep_their_message(value, message):
    with pytest.raises(ValueError, match=message):
        _cidr(value)
