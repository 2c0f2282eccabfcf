"""The Airflow pools a config asks for (groundwork.pools): one per kind, sized by operations.concurrency."""

import pytest

from groundwork.config.loader import load_config
from groundwork.pools import KINDS, pool_name, pools


def test_every_kind_is_a_pool_of_the_configured_size():
    config = load_config()
    sized = config.model_copy(update={"operations": config.operations.model_copy(update={
        "concurrency": config.operations.concurrency.model_copy(update={"account_creation": 2, "ec2": 7})})})
    found = pools(sized)
    assert set(found) == {f"groundwork_{k}" for k in KINDS}
    assert found["groundwork_account_creation"]["slots"] == 2 and found["groundwork_ec2"]["slots"] == 7
    assert found["groundwork_identity_center"]["slots"] == config.operations.concurrency.identity_center
    # a creation waiting deferred is still an AWS request in progress: it keeps its slot; the others do not
    assert [n for n, p in found.items() if p["include_deferred"]] == ["groundwork_account_creation"]
    assert all(p["description"].startswith("groundwork operations.concurrency.") for p in found.values())


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="no concurrency kind 'ssm'"):
        pool_name("ssm")


def test_a_size_below_one_is_a_config_error(tmp_path):
    from groundwork.config.loader import ConfigError

    text = open("config/foundation.yaml").read()
    assert "    ec2: 4" in text
    path = tmp_path / "foundation.yaml"
    path.write_text(text.replace("    ec2: 4", "    ec2: 0", 1))
    with pytest.raises(ConfigError, match="concurrency.ec2"):
        load_config(path)
