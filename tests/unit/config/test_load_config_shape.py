"""`load_config_shape`: the config as DAG parsing reads it (schema only, remembered per file version)."""

import os

from groundwork.config.loader import load_config, load_config_shape
from tests.conftest import ROOT

CONFIG = ROOT / "config" / "foundation.yaml"


def test_reads_the_same_config_as_the_full_load():
    assert load_config_shape(CONFIG) == load_config(CONFIG)


def test_a_config_that_does_not_load_is_none(tmp_path):
    broken = tmp_path / "foundation.yaml"
    broken.write_text("organization: [unclosed\n")
    assert load_config_shape(broken) is None
    broken.write_text("organization: {}\n")  # valid YAML, not a valid config
    assert load_config_shape(broken) is None
    assert load_config_shape(tmp_path / "missing.yaml") is None


def test_an_edited_file_is_read_again(tmp_path):
    config = tmp_path / "foundation.yaml"
    text = CONFIG.read_text()
    config.write_text(text)
    first = load_config_shape(config)
    assert first is load_config_shape(config)  # remembered: one read per process and file version
    config.write_text(text.replace("operations:\n", "operations:\n  drift_schedule: '@hourly'\n", 1))
    os.utime(config, ns=(1, 1))  # a different mtime even on coarse file-system clocks
    second = load_config_shape(config)
    assert second is not first and second.operations.drift_schedule == "@hourly"
