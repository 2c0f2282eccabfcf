"""The config reference is generated from the model, and every field says what it is for."""

from groundwork.config.models import FoundationConfig
from groundwork.config.reference import reference_markdown
from tests.conftest import ROOT


def test_every_field_of_the_model_has_a_description():
    schema = FoundationConfig.model_json_schema()
    sections = [("FoundationConfig", schema), *schema["$defs"].items()]
    missing = [f"{name}.{field}" for name, section in sections
               for field, spec in section.get("properties", {}).items() if not spec.get("description")]
    assert missing == []


def test_docs_config_md_is_the_generated_reference():
    assert (ROOT / "docs" / "config.md").read_text() == reference_markdown(), (
        "docs/config.md is stale: run `python -m groundwork reference > docs/config.md`")
