"""Tag policies (Organizations policy type TAG_POLICY): their document syntax, and attaching them only
where the type is enabled.

What AWS does (Organizations user guide "Tag policy syntax and examples" and "Management policy
syntax and inheritance"; API reference CreatePolicy / UpdatePolicy / AttachPolicy):

* a tag policy is a JSON object whose only top-level key is ``tags``; under it each policy key (the
  tag key, case aside) maps to an object of ``tag_key`` (``@@assign`` of one string, equal to the
  policy key ignoring case), ``tag_value`` (lists of allowed values), ``enforced_for`` and
  ``report_required_tag_for`` (lists of ``service:resource`` types). Each of those holds inheritance
  operators: value-setting ``@@assign`` / ``@@append`` / ``@@remove`` and the child control
  ``@@operators_allowed_for_child_policies`` (a list drawn from ``@@all``, ``@@none``, ``@@assign``,
  ``@@append``, ``@@remove``), which may also stand at the upper levels. A document that does not
  follow this, or is not JSON, is refused with MalformedPolicyDocumentException;
* AttachPolicy of a policy whose type is not enabled in the root answers PolicyTypeNotEnabledException;
  DisablePolicyType detaches every policy of that type from all entities (the policies are kept).

What moto 5.2.5 does: EnablePolicyType TAG_POLICY, CreatePolicy / AttachPolicy / ListPoliciesForTarget
with Filter TAG_POLICY, and CreateAccount ``Tags`` / ListTagsForResource / TagResource on an account all
work; but any Content is accepted (not JSON at all, or an SCP document as a tag policy), a tag policy
attaches while TAG_POLICY is disabled, and disabling the type leaves its policies attached.

Modelled here: the syntax check on CreatePolicy and UpdatePolicy of TAG_POLICY policies, the
enabled-type check on AttachPolicy of TAG_POLICY policies, and the detaching on DisablePolicyType
TAG_POLICY (other policy types keep moto's behaviour).
Not modelled: the documented 10,000-character size limit, whether an ``enforced_for`` type is one AWS
supports (only its ``service:resource`` shape is checked), effective policies
(DescribeEffectivePolicy still answers HTTP 500).
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.organizations.exceptions import PolicyTypeNotEnabledException
from moto.organizations.models import FakeRoot, OrganizationsBackend

VALUE_OPERATORS = ("@@assign", "@@append", "@@remove")
CHILD_CONTROL = "@@operators_allowed_for_child_policies"
CHILD_CONTROL_VALUES = {"@@all", "@@none", *VALUE_OPERATORS}
LIST_FIELDS = ("tag_value", "enforced_for", "report_required_tag_for")
RESOURCE_TYPE = re.compile(r"^[a-z0-9-]+:([A-Za-z0-9-]+|\*|ALL_SUPPORTED)$")
_original: dict[str, Any] = {}


class MalformedPolicyDocument(JsonRESTError):
    def __init__(self, detail: str):
        super().__init__("MalformedPolicyDocumentException",
                         f"The provided policy document does not meet the requirements of the specified "
                         f"policy type. {detail}")


def _child_control(where: str, value: Any) -> None:
    if not isinstance(value, list) or not value or not set(value) <= CHILD_CONTROL_VALUES:
        raise MalformedPolicyDocument(f"{where}: {CHILD_CONTROL} must be a list of {sorted(CHILD_CONTROL_VALUES)}.")


def _operators(where: str, field: str, node: Any) -> None:
    if not isinstance(node, dict) or not node:
        raise MalformedPolicyDocument(f"{where}.{field} must be an object of inheritance operators.")
    for operator, value in node.items():
        if operator == CHILD_CONTROL:
            _child_control(f"{where}.{field}", value)
        elif operator not in VALUE_OPERATORS:
            raise MalformedPolicyDocument(f"{where}.{field}: unknown operator {operator!r}.")
        elif field == "tag_key":
            if operator != "@@assign" or not isinstance(value, str):
                raise MalformedPolicyDocument(f"{where}.tag_key takes one string under @@assign.")
        elif not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise MalformedPolicyDocument(f"{where}.{field}.{operator} must be a list of strings.")
        elif field != "tag_value" and not all(RESOURCE_TYPE.match(v) for v in value):
            raise MalformedPolicyDocument(f"{where}.{field}: resource types are written service:resource.")


def validate_tag_policy(content: Any) -> None:
    """Raise MalformedPolicyDocumentException unless ``content`` is a tag policy document."""
    try:
        document = json.loads(content) if isinstance(content, str) else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise MalformedPolicyDocument("The policy is not a JSON object.")
    extra = set(document) - {"tags", CHILD_CONTROL}
    if extra or not isinstance(document.get("tags"), dict):
        raise MalformedPolicyDocument("A tag policy has one top-level key, tags, holding an object.")
    for key, statement in document["tags"].items():
        if key == CHILD_CONTROL:
            _child_control("tags", statement)
            continue
        if not isinstance(statement, dict) or not statement:
            raise MalformedPolicyDocument(f"tags.{key} must be an object.")
        for field, node in statement.items():
            if field == CHILD_CONTROL:
                _child_control(f"tags.{key}", node)
            elif field in ("tag_key", *LIST_FIELDS):
                _operators(f"tags.{key}", field, node)
            else:
                raise MalformedPolicyDocument(f"tags.{key}: unknown field {field!r}.")
        assigned = statement.get("tag_key", {}).get("@@assign")
        if assigned is not None and assigned.lower() != key.lower():
            raise MalformedPolicyDocument(f"tags.{key}: tag_key {assigned!r} must match the policy key, case aside.")


def create_policy(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    if kwargs.get("Type") == "TAG_POLICY":
        validate_tag_policy(kwargs.get("Content"))
    return _original["create_policy"](self, **kwargs)


def update_policy(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    if "Content" in kwargs and self.get_policy_by_id(kwargs["PolicyId"]).type == "TAG_POLICY":
        validate_tag_policy(kwargs["Content"])
    return _original["update_policy"](self, **kwargs)


def attach_policy(self: OrganizationsBackend, **kwargs: Any) -> None:
    policy = self.get_policy_by_id(kwargs["PolicyId"])
    if policy.type == "TAG_POLICY":
        root = next((ou for ou in self.ou if isinstance(ou, FakeRoot)), None)
        if root is None or all(t["Type"] != "TAG_POLICY" for t in root.policy_types):
            raise PolicyTypeNotEnabledException
    return _original["attach_policy"](self, **kwargs)


def disable_policy_type(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    answer = _original["disable_policy_type"](self, **kwargs)
    if kwargs.get("PolicyType") == "TAG_POLICY":  # its policies are detached everywhere, not deleted
        for policy in self.policies:
            if policy.type == "TAG_POLICY":
                for target in list(policy.attachments):
                    target.attached_policies.remove(policy)
                    policy.attachments.remove(target)
    return answer


def install() -> None:
    if _original:
        return
    for name, patched in (("create_policy", create_policy), ("update_policy", update_policy),
                          ("attach_policy", attach_policy), ("disable_policy_type", disable_policy_type)):
        _original[name] = getattr(OrganizationsBackend, name)
        setattr(OrganizationsBackend, name, patched)
