"""Every policy document groundwork writes for a config, rendered with placeholder account ids:
the SCPs (groundwork's own too), the budget actions' role, and phase 4's and phase 5's trust,
permission, key, bucket and repository policies (phase 5's CloudFormation service role in every
deployment target included), taken from the same spec functions the phases apply. For checks that look
at all of them at once (every action and condition key exists in AWS: tests/unit/policy/test_catalogue.py)."""

from __future__ import annotations

from groundwork.policy.cicd import CicdTopology
from groundwork.policy import budgets
from groundwork.policy.guardrails import (
    SPEND_STOP_SCP, SUSPENDED_SCP, deny_all_in_suspended_accounts, deny_new_spend, render_scp)
from groundwork.policy.observability import ObservabilityTopology

MANAGEMENT, ORGANIZATION = "100000000000", "o-placeholder"
EXTERNAL_ID = "placeholder-external-id"


def placeholder_ids(config) -> dict[str, str]:
    return {a.name: f"2{i:011d}" for i, a in enumerate(config.organization.accounts)}


def _spec_documents(label: str, spec) -> dict[str, dict]:
    out = {}
    for attribute in ("trust", "permissions", "policy"):
        document = getattr(spec, attribute, None)
        if document:
            out[f"{label} {attribute}"] = document
    return out


def documents(config) -> dict[str, dict]:
    """'<what> <which document>' -> the document, for everything this config would write."""
    from groundwork.phases import cicd, observability

    ids = placeholder_ids(config)
    out = {f"SCP {scp.name}": render_scp(scp, config) for scp in config.organization.service_control_policies}
    # groundwork's own SCPs and the budget actions' role, written whatever the config's SCPs are
    out[f"SCP {SUSPENDED_SCP}"] = deny_all_in_suspended_accounts(config)
    out[f"SCP {SPEND_STOP_SCP}"] = deny_new_spend(config)
    out[f"role {budgets.EXECUTION_ROLE} trust"] = budgets.execution_trust(MANAGEMENT)
    out[f"role {budgets.EXECUTION_ROLE} permissions"] = budgets.execution_permissions(MANAGEMENT, "p-*", ["*"])
    for permission_set in config.identity.permission_sets:
        if permission_set.inline_policy:
            out[f"permission set {permission_set.name} inline policy"] = permission_set.inline_policy
    names = {a.name for a in config.organization.accounts}
    obs = config.observability
    if {obs.log_archive_account, obs.audit_account} <= names:
        t = ObservabilityTopology.from_config(config, MANAGEMENT, ORGANIZATION, ids, {})
        for spec in observability.role_specs(t):
            out.update(_spec_documents(f"role {spec.name} ({spec.account_name})", spec))
        for region, spec in observability.key_specs(t).items():
            out.update(_spec_documents(f"key {spec.alias} ({region})", spec))
        for spec in observability.bucket_specs(t):
            out.update(_spec_documents(f"bucket {spec.bucket}", spec))
    if config.cicd is not None:
        t = CicdTopology.from_config(config, config.aws.home_region, MANAGEMENT, ids)
        specs = [cicd.pipeline_spec(t, config), *cicd.artifact_store_specs(t, config)]
        for env, account in t.targets:
            specs += cicd.environment_specs(t, config, env, account, EXTERNAL_ID)
        for spec in specs:
            kind = type(spec).__name__.removesuffix("Spec").lower()
            what = getattr(spec, "name", None) or getattr(spec, "alias", None) or getattr(spec, "bucket", None)
            out.update(_spec_documents(f"{kind} {what} ({spec.account_name})", spec))
    return out
