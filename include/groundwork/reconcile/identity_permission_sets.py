"""Permission sets: session duration, description, AWS managed policies, customer-managed policy
references and an inline policy, compared as data (policies as canonical JSON).

A permission set that changes is re-provisioned to every account it is provisioned to: the
change's `provisioning` field is "latest" when AWS reports no account on an older version, so a
run that updated the set but died before re-provisioning plans the same change again (same id:
still approved) and finishes it. Sets groundwork created carry `managed-by=groundwork`; one removed
from the config is deleted after its assignments are gone (`delete_removed`). Others are never
touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from groundwork.aws.common import is_managed
from groundwork.aws import identity_center as sso
from groundwork.plan.model import Change, check_approved
from groundwork.policy.documents import canonical

KIND = "permission_set"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
LATEST = "latest"


class ProvisioningFailed(Exception):
    pass


@dataclass
class PermissionSetState:
    arn: str
    name: str
    description: str
    session_duration: str
    managed: bool  # tagged managed-by=groundwork
    managed_policies: list[str] = field(default_factory=list)
    customer_managed_policies: list[str] = field(default_factory=list)
    inline_policy: str | None = None
    accounts: list[str] = field(default_factory=list)  # provisioned to
    outdated: list[str] = field(default_factory=list)  # provisioned, but not the latest version

    def shown(self) -> dict:
        return {
            "session_duration": self.session_duration,
            "description": self.description,
            "managed_policies": sorted(self.managed_policies),
            "customer_managed_policies": sorted(self.customer_managed_policies),
            "inline_policy": self.inline_policy,
            "provisioning": LATEST if not self.outdated else f"outdated in {len(self.outdated)} account(s)",
        }


def is_admin(spec) -> bool:
    return spec.name == "AdminAccess" or ADMIN_POLICY in spec.managed_policies


def _cmp(name: str, path: str) -> str:
    return f"{path}{name}"


def desired(spec) -> dict:
    return {
        "session_duration": spec.session_duration,
        "description": spec.description,
        "managed_policies": sorted(spec.managed_policies),
        "customer_managed_policies": sorted(_cmp(p.name, p.path) for p in spec.customer_managed_policies),
        "inline_policy": canonical(spec.inline_policy) if spec.inline_policy else None,
        "provisioning": LATEST,
    }


def read_permission_sets(client, instance_arn: str, names: set[str], details: bool = True) -> dict[str, PermissionSetState]:
    """Every permission set named in the config or created by groundwork, by name. Without
    `details` only names, ARNs and the managed tag are read (enough to reach assignments)."""
    out: dict[str, PermissionSetState] = {}
    for arn in sso.permission_set_arns(client, instance_arn):
        described = sso.describe_permission_set(client, instance_arn, arn)
        managed = is_managed(sso.permission_set_tags(client, instance_arn, arn))
        if described["Name"] not in names and not managed:
            continue
        if not details:
            out[described["Name"]] = PermissionSetState(arn, described["Name"], "", "", managed)
            continue
        inline = sso.inline_policy(client, instance_arn, arn)
        out[described["Name"]] = PermissionSetState(
            arn=arn, name=described["Name"], description=described.get("Description") or "",
            session_duration=described.get("SessionDuration") or "PT1H", managed=managed,
            managed_policies=sso.managed_policies(client, instance_arn, arn),
            customer_managed_policies=[_cmp(p["Name"], p.get("Path", "/"))
                                       for p in sso.customer_managed_policies(client, instance_arn, arn)],
            inline_policy=canonical(inline) if inline else None,
            accounts=sso.accounts_for_permission_set(client, instance_arn, arn),
            outdated=sso.accounts_for_permission_set(client, instance_arn, arn, sso.OUTDATED),
        )
    return out


def plan_permission_sets(config, states: dict[str, PermissionSetState], production_sets: set[str],
                         names_by_id: dict[str, str]) -> list[Change]:
    """`production_sets`: sets that reach a production account (assigned or provisioned there);
    changing one of those is a production change. `names_by_id`: account names for the notes."""
    changes = []
    for spec in config.identity.permission_sets:
        state, after = states.get(spec.name), desired(spec)
        if state is None:
            changes.append(Change("create", KIND, spec.name, None, after))
            continue
        before = state.shown()
        if before == after:
            changes.append(Change("noop", KIND, spec.name, before, after))
            continue
        reach = sorted(names_by_id.get(a, a) for a in state.accounts)
        notes = [f"re-provisioned to {', '.join(reach)}"] if reach else []
        if is_admin(spec) and ADMIN_POLICY not in before["managed_policies"]:
            notes.insert(0, "grants AdminAccess")
        changes.append(Change("update", KIND, spec.name, before, after, production=spec.name in production_sets,
                              note="; ".join(notes)))
    configured = {p.name for p in config.identity.permission_sets}
    for name, state in sorted(states.items()):
        if name not in configured and state.managed:
            changes.append(Change("delete", KIND, name, state.shown(), None, production=name in production_sets,
                                  note="removed from the config (after its assignments are removed)"))
    return changes


def _spec(config, name: str):
    return next(p for p in config.identity.permission_sets if p.name == name)


def _converge_policies(client, instance_arn: str, arn: str, spec, before: dict) -> None:
    want = desired(spec)
    for policy in sorted(set(want["managed_policies"]) - set(before.get("managed_policies", []))):
        sso.attach_managed_policy(client, instance_arn, arn, policy)
    for policy in sorted(set(before.get("managed_policies", [])) - set(want["managed_policies"])):
        sso.detach_managed_policy(client, instance_arn, arn, policy)
    wanted_refs = {_cmp(p.name, p.path): p for p in spec.customer_managed_policies}
    for ref in sorted(set(wanted_refs) - set(before.get("customer_managed_policies", []))):
        sso.attach_customer_managed_policy(client, instance_arn, arn, wanted_refs[ref].name, wanted_refs[ref].path)
    for ref in sorted(set(before.get("customer_managed_policies", [])) - set(wanted_refs)):
        path, _, name = ref.rpartition("/")
        sso.detach_customer_managed_policy(client, instance_arn, arn, name, path + "/")
    if want["inline_policy"] != before.get("inline_policy"):
        if spec.inline_policy:
            sso.put_inline_policy(client, instance_arn, arn, spec.inline_policy)
        else:
            sso.delete_inline_policy(client, instance_arn, arn)


def wait_provisioned(client, instance_arn: str, status: dict, timeout: float = 600, interval: float = 2) -> dict:
    deadline = time.monotonic() + timeout
    while status.get("Status") == sso.IN_PROGRESS:
        if time.monotonic() > deadline:
            raise ProvisioningFailed(f"provisioning {status.get('PermissionSetArn')} still in progress after {timeout}s")
        time.sleep(interval)
        status = sso.provisioning_status(client, instance_arn, status["RequestId"])
    if status.get("Status") != "SUCCEEDED":
        raise ProvisioningFailed(f"provisioning {status.get('PermissionSetArn')} failed: {status.get('FailureReason')}")
    return status


def apply_permission_sets(client, instance_arn: str, config, approved: set[str], production_sets: set[str],
                          names_by_id: dict[str, str]) -> list[Change]:
    """Create and update the configured permission sets; re-provision changed ones. (Deletes wait
    until assignments are removed: `delete_removed`.)"""
    states = read_permission_sets(client, instance_arn, {p.name for p in config.identity.permission_sets})
    done = []
    for change in plan_permission_sets(config, states, production_sets, names_by_id):
        if change.action not in ("create", "update"):
            continue
        check_approved(change, approved)
        spec = _spec(config, change.key)
        before = change.before or {}
        if change.action == "create":
            arn = sso.create_permission_set(client, instance_arn, spec.name, spec.description, spec.session_duration)
        else:
            arn = states[spec.name].arn
            if (before["session_duration"], before["description"]) != (spec.session_duration, spec.description):
                sso.update_permission_set(client, instance_arn, arn, spec.description, spec.session_duration)
        _converge_policies(client, instance_arn, arn, spec, before)
        if change.action == "update" and sso.accounts_for_permission_set(client, instance_arn, arn):
            wait_provisioned(client, instance_arn, sso.provision_to_all(client, instance_arn, arn))
        done.append(change)
    return done


def delete_removed(client, instance_arn: str, config, approved: set[str], production_sets: set[str]) -> list[Change]:
    states = read_permission_sets(client, instance_arn, {p.name for p in config.identity.permission_sets})
    done = []
    for change in plan_permission_sets(config, states, production_sets, {}):
        if change.action != "delete":
            continue
        check_approved(change, approved)
        sso.delete_permission_set(client, instance_arn, states[change.key].arn)
        done.append(change)
    return done
