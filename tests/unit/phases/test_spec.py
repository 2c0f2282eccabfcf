"""Every phase is defined once in the spec, and each phase module has what the spec names."""

import inspect

import pytest

from groundwork.config.loader import load_config
from groundwork.phases import PHASES, previous_phase
from groundwork.phases.spec import SPECS, Planned, scoped_markdown
from groundwork.plan.model import Change, Plan

CONFIG = load_config()


def test_the_phase_order_is_the_spec_order():
    assert PHASES == ("phase1_foundation", "phase2_identity", "phase3_network", "phase4_observability", "phase5_cicd")
    assert [previous_phase(p) for p in PHASES] == [None, *PHASES[:-1]]


@pytest.mark.parametrize("dag_id", list(SPECS))
def test_every_name_in_a_spec_exists_in_its_module(dag_id):
    spec = SPECS[dag_id]
    module = spec.domain()
    for name in ("planned", "verified"):
        assert callable(getattr(module, name)), name
        assert set(spec.secrets) <= set(inspect.signature(getattr(module, name)).parameters)
    for step in spec.steps:
        function = getattr(module, step.function)
        parameters = list(inspect.signature(function).parameters)
        assert set(step.secrets) <= set(parameters), step
        if not step.wait:  # fn(ctx, config, [item,] approved, **secrets)
            assert parameters[:2] == ["ctx", "config"] and "approved" in parameters, step
        if step.each:
            items = getattr(module, step.each)(CONFIG)
            assert items and all(isinstance(i, str) for i in items), step


@pytest.mark.parametrize("dag_id", list(SPECS))
def test_task_ids_are_unique_in_a_phase(dag_id):
    spec = SPECS[dag_id]
    ids = [s.task_id for s in spec.steps] + [s.items_task for s in spec.steps if s.each]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {"gate", "validate", "plan", "needs_approval", "approve", "verify", "publish"}


def test_scoped_markdown_lists_only_the_guarded_changes_and_counts_the_rest():
    prod = Change("create", "vpc", "Production", None, {"cidr": "10.0.0.0/16"}, production=True)
    dev = Change("create", "vpc", "Development", None, {"cidr": "10.1.0.0/16"})
    text = scoped_markdown(Plan("phase3_network", (prod, dev)), [prod], "Production changes only")
    assert "Production" in text and "Development" not in text
    assert text.endswith("Production changes only; 1 other change(s) in this plan need no approval.")


def test_planned_defaults_show_the_whole_plan():
    planned = Planned(Plan("phase1_foundation", ()), needs_approval=False)
    assert planned.markdown is None and planned.extras == {} and planned.lines == ()
