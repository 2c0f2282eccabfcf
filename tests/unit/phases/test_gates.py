"""The order gate's decision: the previous phase's latest run, its state, and the config it applied."""

import pytest

from groundwork.config.loader import load_config
from groundwork.phases.gates import LatestRun, decide, owned_digest

CONFIG = load_config()
DIGEST = owned_digest(CONFIG, "phase1_foundation")


def _decide(latest: LatestRun):
    return decide("phase2_identity", "phase1_foundation", latest, DIGEST)


def test_passes_only_on_a_latest_success_with_the_current_config():
    decision = _decide(LatestRun("manual__1", "success", DIGEST))
    assert decision.verdict == "pass" and "manual__1 succeeded on the current config of aws, organization" in decision.message


@pytest.mark.parametrize("state", ["queued", "running"])
def test_waits_while_the_previous_phase_runs(state):
    decision = _decide(LatestRun("manual__2", state, DIGEST))
    assert decision.verdict == "wait" and f"manual__2 is {state}" in decision.message


@pytest.mark.parametrize("latest, says", [
    (LatestRun(None), "phase1_foundation, which has no recorded run yet"),
    (LatestRun("manual__3", None, DIGEST), "manual__3 no longer exists"),
    (LatestRun("manual__4", "failed", DIGEST), "manual__4 ended failed"),
    (LatestRun("manual__5", "success", "0" * 64), "manual__5 succeeded, but applied another config of aws, organization"),
    (LatestRun("manual__6", "success", None), "applied another config"),
])
def test_refuses_naming_the_run_and_why(latest, says):
    decision = _decide(latest)
    assert decision.verdict == "refuse" and says in decision.message
    assert decision.message.startswith("phase2_identity")


def test_the_digest_covers_only_the_sections_the_phase_owns():
    changed_network = CONFIG.model_copy(update={"network": CONFIG.network.model_copy(update={"amazon_side_asn": CONFIG.network.amazon_side_asn + 1})})
    assert owned_digest(changed_network, "phase1_foundation") == DIGEST
    assert owned_digest(changed_network, "phase3_network") != owned_digest(CONFIG, "phase3_network")
    org = CONFIG.organization
    renamed = CONFIG.model_copy(update={"organization": org.model_copy(update={"accounts": org.accounts[:-1]})})
    assert owned_digest(renamed, "phase1_foundation") != DIGEST
    assert len(DIGEST) == 64 and owned_digest(load_config(), "phase1_foundation") == DIGEST  # stable
