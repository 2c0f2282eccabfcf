"""CloudFormation stacks that take time, fail and roll back as AWS documents; moto 5.2.5 does none of it.

What AWS does (CloudFormation API reference and User Guide, "Stack status codes", "Monitor the
progress of a stack update", DescribeStackEvents):
- CreateStack / UpdateStack / DeleteStack return at once; the work then runs asynchronously. A stack
  reads CREATE_IN_PROGRESS -> CREATE_COMPLETE, UPDATE_IN_PROGRESS ->
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> UPDATE_COMPLETE, DELETE_IN_PROGRESS -> DELETE_COMPLETE.
  DescribeStackEvents lists, newest first, one event per stack and resource step, each with a
  Timestamp (resource events: CREATE_IN_PROGRESS, CREATE_IN_PROGRESS "Resource creation
  Initiated", CREATE_COMPLETE, ...). Outputs appear when the operation completes.
- Template problems fail the call itself (synchronously) with ValidationError: "Template format
  error: Unrecognized resource types: [AWS::Foo::Bar]", "Template format error: YAML not
  well-formed. ...", "Template format error: At least one Resources member must be defined.",
  "Template format error: Unresolved resource dependencies [X] in the Resources block of the
  template", "Circular dependency between resources: [A, B]", "Parameters: [A, B] must have
  values", "Parameters: [X] do not exist in the template", "Parameter 'X' must be one of
  AllowedValues", "Update of resource type is not permitted. ...".
- A resource that cannot be made fails asynchronously: the resource gets CREATE_FAILED with
  ResourceStatusReason 'Resource handler returned message: "<service message> (Service: ...,
  Status Code: ..., Request ID: ...)" (RequestToken: ..., HandlerErrorCode: AlreadyExists)'; the
  stack goes ROLLBACK_IN_PROGRESS ("The following resource(s) failed to create: [X]. Rollback
  requested by user."), deletes what it made, and rests at ROLLBACK_COMPLETE (ROLLBACK_FAILED if a
  delete fails). A stack in ROLLBACK_COMPLETE can only be deleted: UpdateStack answers
  "Stack:<arn> is in ROLLBACK_COMPLETE state and can not be updated." (any state other than
  CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE is refused the same way).
- A failed update (UPDATE_FAILED / CREATE_FAILED on a resource) goes UPDATE_ROLLBACK_IN_PROGRESS
  ("The following resource(s) failed to update: [X].") -> UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS
  -> UPDATE_ROLLBACK_COMPLETE, with the previous template, parameters and outputs back.
  Resources removed by an update are only deleted in the cleanup phase, after success.
- An update that changes nothing (same template, parameters and tags) is refused with
  ValidationError "No updates are to be performed.". DeleteStack of an unknown or deleted stack
  succeeds; of a stack in an UPDATE_* IN_PROGRESS state it is refused ("Stack [name] cannot be
  deleted while in status UPDATE_IN_PROGRESS" -- wording from third-party reports, not AWS's
  reference). After DELETE_COMPLETE the stack is no longer found
  by name (only by its id); its name is free again. "Stack [name] already exists" while it is not.

What moto 5.2.5 did (probed in server mode): everything synchronous -- CREATE_COMPLETE /
UPDATE_COMPLETE / DELETE_COMPLETE at once, stack events only; unknown resource types silently
skipped (CREATE_COMPLETE); a resource error (S3 BucketAlreadyExists, SSM reserved name) became the
CreateStack call's own error, the stack left in CREATE_IN_PROGRESS forever and the resources made
before it left behind; an unparsable template or an SSM parameter without Name gave HTTP 500; the
identical-update check only ran when Parameters were passed; UpdateStack dropped the stack's
RoleARN; every update re-created resources whose template entry had no Properties, and gave
resources with generated names a new random name (its S3 in-place update crashed on a bucket
without BucketName).

Modelled here: the operation's effects on resources happen when the call is made (in dependency
order: Ref, Fn::GetAtt, Fn::Sub, DependsOn); what the caller sees -- events, StackStatus (taken from
the newest visible stack event), StackStatusReason, Outputs -- is spread over
GROUNDWORK_STANDIN_STACK_SECONDS (default 2, read at each call) and worked out when read, no
thread. A resource error is caught, recorded as AWS does, and rolled back (create: delete what was
made; update: put modified resources back with the previous template and parameters, delete the
added ones). An update only touches resources whose resolved properties changed, in place where
moto can (else delete + create), and keeps a generated name as AWS does. Resource types
AWS knows but moto cannot create are refused synchronously with a message naming the stand-in
(never silently skipped). The AWS resource-type list comes from cfn-lint's provider data (installed
with moto[server]); without it only moto's own types are accepted.

Resource types checked on the stand-in (create, update, delete, Ref / GetAtt): AWS::SSM::Parameter
(with cloudformation_ssm_parameter.py), AWS::SQS::Queue, AWS::SNS::Topic (Ref is the ARN; GetAtt
TopicName only), AWS::S3::Bucket, AWS::IAM::Role, AWS::Logs::LogGroup, AWS::DynamoDB::Table,
AWS::Events::Rule keep their identity on update; AWS::KMS::Key and AWS::IAM::ManagedPolicy are
replaced by an update (new id); AWS::ECR::Repository needs an explicit lowercase RepositoryName
(the generated name has capitals, which ECR refuses).

Not modelled: rollback timing (resources are deleted/restored at call time, while the events say
ROLLBACK_IN_PROGRESS for a while), DisableRollback / OnFailure, TimeoutInMinutes, stack policies,
CancelUpdateStack / ContinueUpdateRollback, resource property schema validation
("Properties validation failed ..."), tag propagation to resources on update, nested stacks'
asynchrony, change sets (moto's synchronous behaviour is kept; an update of such a stack works). A
DeleteStack on a stack still CREATE_IN_PROGRESS / ROLLBACK_IN_PROGRESS is queued behind that
operation.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import logging
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import yaml

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ec2.models.core import TaggedEC2Resource

log = logging.getLogger(__name__)

ENV = "GROUNDWORK_STANDIN_STACK_SECONDS"
DEFAULT_SECONDS = 2.0
STACK_TYPE = "AWS::CloudFormation::Stack"
UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")
NOT_DELETABLE = ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
                 "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
# Types moto deliberately treats as no-ops, and the custom-resource forms.
ALWAYS_ACCEPTED = set(parsing.NULL_MODELS) | {"AWS::CloudFormation::CustomResource"}

# Checks run after the template and status checks, before anything changes:
# fn(backend, stack_or_None, role_arn_or_None, operation) with operation "create" | "update" | "delete".
# cloudformation_service_role.py adds the RoleARN check here.
PRE_OPERATION_CHECKS: list[Callable[[CloudFormationBackend, Stack | None, str | None, str], None]] = []

_LOCK = threading.RLock()
_installed: list[bool] = []
_ORIGINAL: dict[str, Any] = {}


# --------------------------------------------------------------------------------------------
# Template reading and validation (synchronous, as AWS)


def stack_seconds() -> float:
    return max(0.0, float(os.environ.get(ENV, DEFAULT_SECONDS)))


def parse_template(body: str | None) -> dict[str, Any]:
    if not body:
        raise ValidationError(message="Either Template URL or Template Body must be specified.")
    yaml.add_multi_constructor("", parsing_yaml_tag_constructor())
    try:
        parsed = yaml.load(body, Loader=yaml.Loader)
    except yaml.YAMLError as exc:
        try:
            parsed = json.loads(body)  # as moto: JSON that YAML rejects (tabs) is still a template
        except ValueError:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ValidationError(message=f"Template format error: YAML not well-formed.{where}") from None
    if not isinstance(parsed, dict):
        raise ValidationError(message="Template format error: JSON not well-formed.")
    return parsed


def parsing_yaml_tag_constructor() -> Any:
    from moto.cloudformation.utils import yaml_tag_constructor

    return yaml_tag_constructor


_AWS_TYPES: dict[str, frozenset[str] | None] = {}


def aws_resource_types(region: str) -> frozenset[str] | None:
    """The resource types AWS has in ``region``, from cfn-lint's provider data (None if absent)."""
    if region not in _AWS_TYPES:
        types = None
        spec = importlib.util.find_spec("cfnlint")  # locate only: importing cfnlint is slow
        if spec and spec.submodule_search_locations:
            folder = Path(list(spec.submodule_search_locations)[0]) / "data" / "schemas" / "providers"
            for name in (f"{region}.json", "us-east-1.json"):
                if (folder / name).is_file():
                    types = frozenset(json.loads((folder / name).read_text(encoding="utf-8")))
                    break
        if types is None:
            log.warning("cfn-lint provider data not found: only moto's resource types are accepted")
        _AWS_TYPES[region] = types
    return _AWS_TYPES[region]


def _sub_names(value: Any) -> tuple[set[str], Any]:
    """Names a Fn::Sub string refers to (``${X}`` / ``${X.Attr}``, not ``${!X}``), and its variable map."""
    template, variables = (value[0], value[1] if len(value) > 1 else {}) if isinstance(value, list) else (value, {})
    names = set()
    if isinstance(template, str):
        for inner in re.findall(r"\$\{([^}]*)\}", template):
            if inner.startswith("!"):
                continue
            name = inner.split(".")[0].strip()
            if name not in (variables or {}):
                names.add(name)
    return names, variables


def references(node: Any) -> set[str]:
    """Every logical name a template fragment refers to through Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                if isinstance(value, list) and value and isinstance(value[0], str):
                    found.add(value[0])
                elif isinstance(value, str):
                    found.add(value.split(".")[0])
                else:
                    found |= references(value)
            elif key == "Fn::Sub":
                names, variables = _sub_names(value)
                found |= names | references(variables)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def depends_on(resource: dict[str, Any]) -> list[str]:
    value = resource.get("DependsOn") or []
    return [value] if isinstance(value, str) else list(value)


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Resources with what they need first (template order breaks ties); cycles -> ValidationError."""
    needs = {name: ((references(body.get("Properties")) | set(depends_on(body))) & set(resources)) - {name}
             for name, body in resources.items()}
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(resources):
        ready = [n for n in resources if n not in placed and needs[n] <= placed]
        if not ready:
            cycle = [n for n in resources if n not in placed]
            raise ValidationError(message=f"Circular dependency between resources: [{', '.join(cycle)}]")
        order.extend(ready)
        placed.update(ready)
    return order


def validate_template(template: dict[str, Any], region: str) -> None:
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(message="Template format error: At least one Resources member must be defined.")
    for name, body in resources.items():
        if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
            raise ValidationError(message=f"Template format error: [/Resources/{name}] Every Resources object must contain a Type member.")
    known = aws_resource_types(region)
    modelled = set(parsing.get_model_map())
    types = list(dict.fromkeys(body["Type"] for body in resources.values()))
    custom = [t for t in types if t.startswith("Custom::") or t in ALWAYS_ACCEPTED]
    unknown = [t for t in types if t not in custom and t not in (known if known is not None else modelled)]
    if unknown:
        raise ValidationError(message=f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]")
    unmodelled = [t for t in types if t not in custom and t not in modelled]
    if unmodelled:
        raise ValidationError(message=(
            f"The stand-in (moto 5.2.5) cannot create resource type(s) [{', '.join(unmodelled)}]; AWS would "
            "accept them. Use types the stand-in models (see tools/groundwork_standin/extensions/"
            "cloudformation_stack_lifecycle.py)."))
    names = set(resources) | set(template.get("Parameters") or {}) | {"AWS::NoValue"}
    pseudo = re.compile(r"^AWS::(AccountId|Region|StackId|StackName|URLSuffix|NoValue|Partition|NotificationARNs)$")
    for block, fragment in (("Resources", {n: {"Properties": b.get("Properties"), "Condition": None, "DependsOn": depends_on(b)}
                                           for n, b in resources.items()}),
                            ("Outputs", template.get("Outputs") or {})):
        missing: list[str] = []
        for body in fragment.values():
            wanted = references(body.get("Properties") if block == "Resources" else body)
            wanted |= set(body.get("DependsOn") or []) if block == "Resources" else set()
            missing += [n for n in sorted(wanted) if n not in names and not pseudo.match(n) and n not in missing]
        if missing:
            raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] "
                                          f"in the {block} block of the template")
    dependency_order(resources)


def final_parameters(template: dict[str, Any], given: dict[str, str], previous: dict[str, str] | None = None,
                     use_previous: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """The parameter values a stack operation runs with, refused as AWS refuses them."""
    declared = template.get("Parameters") or {}
    extra = [k for k in list(given) + sorted(use_previous) if k not in declared]
    if extra:
        raise ValidationError(message=f"Parameters: [{', '.join(dict.fromkeys(extra))}] do not exist in the template")
    values: dict[str, str] = {}
    missing: list[str] = []
    for key, spec in declared.items():
        spec = spec or {}
        if key in given:
            values[key] = given[key]
        elif key in use_previous and previous is not None and key in previous:
            values[key] = previous[key]
        elif "Default" in spec:
            values[key] = spec["Default"] if isinstance(spec["Default"], str) else json.dumps(spec["Default"]) \
                if isinstance(spec["Default"], (list, dict)) else str(spec["Default"])
        else:
            missing.append(key)
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    for key, value in values.items():
        spec = declared[key] or {}
        allowed = spec.get("AllowedValues")
        if allowed is not None and str(value) not in [str(a) for a in allowed]:
            raise ValidationError(message=f"Parameter '{key}' must be one of AllowedValues")
        pattern = spec.get("AllowedPattern")
        if pattern and isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValidationError(message=f"Parameter '{key}' must match pattern {pattern}")
    return values


# --------------------------------------------------------------------------------------------
# What the caller sees: a timeline of events, the status and outputs derived from it


def _events_all(stack: Stack) -> list[Event]:
    return stack.__dict__.setdefault("_gw_events", [])


def _at(event: Event) -> float:
    return getattr(event, "_gw_at", 0.0)


def _visible(stack: Stack) -> list[Event]:
    now = time.time()
    return [e for e in _events_all(stack) if _at(e) <= now]


def _is_stack_event(stack: Stack, event: Event) -> bool:
    return event.resource_type == STACK_TYPE and event.logical_resource_id == stack.name


def _status_get(self: Stack) -> str:
    for event in reversed(_visible(self)):
        if _is_stack_event(self, event):
            return event.resource_status
    return self.__dict__.get("_status", "CREATE_PENDING")


def _status_set(self: Stack, value: str) -> None:
    self.__dict__["_status"] = value


def _status_reason(self: Stack) -> str | None:
    """The newest stack-level reason of the current operation ("User Initiated" excepted)."""
    for event in reversed(_visible(self)):
        if not _is_stack_event(self, event):
            continue
        if event.resource_status_reason == "User Initiated":
            return None
        if event.resource_status_reason:
            return event.resource_status_reason
    return None


def _events_get(self: Stack) -> list[Event]:
    return _visible(self)


def _events_set(self: Stack, value: list[Event]) -> None:
    for event in value:
        if not hasattr(event, "_gw_at"):
            event._gw_at = time.time()
    self.__dict__["_gw_events"] = list(value)


def _add_stack_event(self: Stack, resource_status: str, resource_status_reason: str | None = None,
                     resource_properties: str | None = None) -> None:
    """moto's own paths (change sets): an event visible now."""
    event = Event(stack_id=self.stack_id, stack_name=self.name, logical_resource_id=self.name,
                  physical_resource_id=self.stack_id, resource_type=STACK_TYPE, resource_status=resource_status,
                  resource_status_reason=resource_status_reason, resource_properties=resource_properties)
    event._gw_at = max(time.time(), _last_at(self))
    event.timestamp = dt.datetime.fromtimestamp(event._gw_at, dt.timezone.utc)
    event.sendToSns(self.account_id, self.region_name, self.notification_arns)
    _events_all(self).append(event)


def _last_at(stack: Stack) -> float:
    events = _events_all(stack)
    return max((_at(e) for e in events), default=0.0)


def _outputs_get(self: Stack) -> list[dict[str, Any]] | None:
    timeline = self.__dict__.get("_gw_outputs")
    if timeline is None:
        return _ORIGINAL["outputs"].fget(self)
    now = time.time()
    current = None
    for at, outputs in timeline:
        if at <= now:
            current = outputs
    return current


def _exports_get(self: Stack) -> list[Any]:
    if "_gw_exports" in self.__dict__:
        return self.__dict__["_gw_exports"]
    return _ORIGINAL["exports"].fget(self)


def _stack_resources_get(self: Stack) -> list[Any]:
    live = self.__dict__.get("_gw_live")
    if live is None:
        return _ORIGINAL["stack_resources"].fget(self)
    parsed = self.resource_map._parsed_resources
    return [parsed[n] for n in live if n in parsed and parsed[n] is not None]


class _Timeline:
    """Events of one operation, given times when committed: first now (or after the stack's last
    scheduled event), last ``seconds`` later, the rest evenly between."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.events: list[Event] = []
        self.request_token = str(uuid.uuid4())

    def stack_event(self, status: str, reason: str | None = None) -> Event:
        return self._add(self.stack.name, STACK_TYPE, status, self.stack.stack_id, reason)

    def resource_event(self, logical: str, resource_type: str, status: str, physical: str | None = None,
                       reason: str | None = None) -> Event:
        return self._add(logical, resource_type, status, physical or "", reason)

    def _add(self, logical: str, resource_type: str, status: str, physical: str, reason: str | None) -> Event:
        event = Event(stack_id=self.stack.stack_id, stack_name=self.stack.name, logical_resource_id=logical,
                      physical_resource_id=physical, resource_type=resource_type, resource_status=status,
                      resource_status_reason=reason, resource_properties=None)
        self.events.append(event)
        return event

    def commit(self, seconds: float) -> float:
        """Schedule the events; returns the time of the last one."""
        start = max(time.time(), _last_at(self.stack) + 0.001)
        count = len(self.events)
        for index, event in enumerate(self.events):
            event._gw_at = start + (seconds * index / (count - 1) if count > 1 else 0.0)
            event.timestamp = dt.datetime.fromtimestamp(event._gw_at, dt.timezone.utc)
            _events_all(self.stack).append(event)
            if self.stack.notification_arns and _is_stack_event(self.stack, event):
                event.sendToSns(self.stack.account_id, self.stack.region_name, self.stack.notification_arns)
        return self.events[-1]._gw_at if self.events else start


# --------------------------------------------------------------------------------------------
# Resource work on moto's ResourceMap


_HANDLER_CODES = (
    (re.compile(r"AlreadyExists|AlreadyOwnedByYou|EntityAlreadyExists"), "AlreadyExists"),
    (re.compile(r"AccessDenied|Unauthorized|NotAuthorized"), "AccessDenied"),
    (re.compile(r"NotFound|NoSuch"), "NotFound"),
    (re.compile(r"Throttl"), "Throttling"),
    (re.compile(r"LimitExceeded|QuotaExceeded"), "ServiceLimitExceeded"),
    (re.compile(r"Validation|Invalid|Malformed"), "InvalidRequest"),
)
_STATUS_CODES = {"BucketAlreadyExists": 409, "BucketAlreadyOwnedByYou": 409}


def failure_reason(exc: BaseException, resource_type: str, properties: dict[str, Any] | None = None) -> str:
    """ResourceStatusReason in the form AWS's resource handlers give it."""
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    if not isinstance(code, str) or not code:
        log.exception("stand-in: moto raised %s creating a %s", type(exc).__name__, resource_type, exc_info=exc)
        return (f"Resource handler returned message: \"Internal failure of the stand-in: {type(exc).__name__}: {exc}\" "
                f"(RequestToken: {uuid.uuid4()}, HandlerErrorCode: InternalFailure)")
    message = getattr(exc, "message", None) or str(exc)
    if code in ("BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
        bucket = getattr(exc, "bucket_name", None) or (properties or {}).get("BucketName")
        message = f"{bucket} already exists" if bucket else message
    status = exc.code if isinstance(getattr(exc, "code", None), int) else _STATUS_CODES.get(code, 400)
    handler = next((h for pattern, h in _HANDLER_CODES if pattern.search(code)), "GeneralServiceException")
    service = resource_type.split("::")[1] if resource_type.count("::") == 2 else resource_type
    return (f"Resource handler returned message: \"{message} (Service: {service}, Status Code: {status}, "
            f"Request ID: {uuid.uuid4()})\" (RequestToken: {uuid.uuid4()}, HandlerErrorCode: {handler})")


def _resolved(rm: Any, body: dict[str, Any]) -> dict[str, Any]:
    return parsing.clean_json({"Type": body["Type"], "Properties": copy.deepcopy(body.get("Properties") or {})}, rm)


def _physical(instance: Any) -> str:
    value = getattr(instance, "physical_resource_id", None)
    return value if isinstance(value, str) else ""


def _wanted(rm: Any, body: dict[str, Any]) -> bool:
    condition = body.get("Condition")
    return not condition or bool(rm.lazy_condition_map[condition])


def _create_one(stack: Stack, logical: str) -> Any:
    rm = stack.resource_map
    rm._parsed_resources.pop(logical, None)
    instance = rm[logical]
    if isinstance(instance, TaggedEC2Resource):
        from moto.ec2 import models as ec2_models

        tags = dict(rm.tags, **{"aws:cloudformation:logical-id": logical})
        ec2_models.ec2_backends[stack.account_id][stack.region_name].create_tags([instance.physical_resource_id], tags)
    return instance


def _delete_one(stack: Stack, logical: str) -> None:
    rm = stack.resource_map
    record = stack._gw_live[logical]
    instance = rm._parsed_resources.get(logical)
    if instance is not None and not isinstance(instance, str):
        rm._delete_resource(instance, copy.deepcopy(record["resolved"]))
    rm._parsed_resources.pop(logical, None)


def _keep_name(rm: Any, logical: str, body: dict[str, Any]) -> dict[str, Any]:
    """The template entry with the resource's current name filled in when the template leaves the name
    to CloudFormation: AWS keeps a generated name on update, moto would draw a new one."""
    name_property = parsing.resource_name_property_from_type(body["Type"])
    current = getattr(rm._parsed_resources.get(logical), "name", None)
    if not name_property or not isinstance(current, str) or name_property in (body.get("Properties") or {}):
        return body
    named = copy.deepcopy(body)
    named.setdefault("Properties", {})[name_property] = current
    return named


def _update_one(stack: Stack, logical: str, body: dict[str, Any]) -> Any:
    """Update in place where moto can, else replace (delete, then create) -- under the same name."""
    rm = stack.resource_map
    named = _keep_name(rm, logical, body)
    resource_class = parsing.resource_class_from_type(body["Type"])
    if resource_class is not None and not hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__"):
        instance = parsing.parse_and_update_resource(logical, named, rm, account_id=stack.account_id,
                                                     region_name=stack.region_name)
        if instance is not None:
            rm._parsed_resources[logical] = instance
            return instance
    _delete_one(stack, logical)
    rm._resource_json_map[logical] = named
    try:
        return _create_one(stack, logical)
    finally:
        rm._resource_json_map[logical] = body


def _load(stack: Stack, template: dict[str, Any], parameters: dict[str, str]) -> None:
    """Point the stack's ResourceMap at a template and parameters (resources untouched)."""
    rm = stack.resource_map
    rm._template = template
    rm.input_parameters = parameters
    rm.resolved_parameters = {}
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm._resource_json_map = template["Resources"]


class _Failure(Exception):
    def __init__(self, logical: str, resource_type: str, reason: str) -> None:
        super().__init__(reason)
        self.logical, self.resource_type, self.reason = logical, resource_type, reason


# --------------------------------------------------------------------------------------------
# The operations


def _sweep(backend: CloudFormationBackend) -> None:
    """Stacks whose DELETE_COMPLETE is now visible leave the live list (found by id only)."""
    with _LOCK:
        for stack_id, stack in list(backend.stacks.items()):
            if stack.__dict__.get("_gw_events") and stack.status == "DELETE_COMPLETE":
                backend.stacks.pop(stack_id, None)
                backend.deleted_stacks[stack_id] = stack


def _template_copy(template: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(template)


def create_stack(self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any],
                 notification_arns: list[str] | None = None, tags: dict[str, str] | None = None,
                 role_arn: str | None = None, enable_termination_protection: bool | None = False,
                 timeout_in_mins: int | None = None, stack_policy_body: str | None = None) -> Stack:
    with _LOCK:
        _sweep(self)
        if any(stack.name == name for stack in self.stacks.values()):
            raise AlreadyExistsException(f"Stack [{name}] already exists")
        parsed = parse_template(template)
        validate_template(parsed, self.region_name)
        values = final_parameters(parsed, dict(parameters or {}))
        for check in PRE_OPERATION_CHECKS:
            check(self, None, role_arn, "create")
        stack_id = cfn_models.generate_stack_id(name, self.region_name, self.account_id)
        stack = Stack(stack_id=stack_id, name=name, template=template, parameters=values, account_id=self.account_id,
                      region_name=self.region_name, notification_arns=notification_arns, tags=tags, role_arn=role_arn,
                      cross_stack_resources=self.exports, enable_termination_protection=enable_termination_protection,
                      timeout_in_mins=timeout_in_mins, stack_policy_body=stack_policy_body)
        stack._gw_template = _template_copy(parsed)
        stack._gw_live = {}
        stack._gw_outputs = []
        stack._gw_exports = []
        self.stacks[stack_id] = stack
        timeline = _Timeline(stack)
        timeline.stack_event("CREATE_IN_PROGRESS", "User Initiated")
        rm = stack.resource_map
        rm._resource_json_map = stack.template_dict["Resources"]
        rm.tags.update({"aws:cloudformation:stack-name": name, "aws:cloudformation:stack-id": stack_id})
        try:
            _apply_create(stack, timeline)
            exports = _ORIGINAL["exports"].fget(stack)
            taken = [e.name for e in exports if e.name in self.exports]
            if taken:
                owner = self.exports[taken[0]].exporting_stack_id
                raise _Failure("", "", f"Export with name {taken[0]} is already exported by stack {owner.split('/')[1]}")
        except _Failure as failure:
            _rollback_create(stack, timeline, failure)
            timeline.commit(stack_seconds())
            return stack
        outputs = _ORIGINAL["outputs"].fget(stack)
        for export in exports:
            self.exports[export.name] = export
        stack._gw_exports = exports
        timeline.stack_event("CREATE_COMPLETE")
        done_at = timeline.commit(stack_seconds())
        stack._gw_outputs.append((done_at, outputs))
        stack.description = stack.template_dict.get("Description")
        return stack


def _apply_create(stack: Stack, timeline: _Timeline, names: list[str] | None = None) -> None:
    rm = stack.resource_map
    resources = stack.template_dict["Resources"]
    for logical in names if names is not None else dependency_order(resources):
        body = resources[logical]
        if not _wanted(rm, body):
            continue
        timeline.resource_event(logical, body["Type"], "CREATE_IN_PROGRESS")
        try:
            instance = _create_one(stack, logical)
            resolved = _resolved(rm, body)
        except Exception as exc:  # noqa: BLE001 - any resource error is the stack's failure, as in AWS
            rm._parsed_resources.pop(logical, None)
            raise _Failure(logical, body["Type"], failure_reason(exc, body["Type"], _safe_props(rm, body))) from exc
        stack._gw_live[logical] = {"type": body["Type"], "resolved": resolved, "retain": body.get("DeletionPolicy") == "Retain"}
        timeline.resource_event(logical, body["Type"], "CREATE_IN_PROGRESS", _physical(instance), "Resource creation Initiated")
        timeline.resource_event(logical, body["Type"], "CREATE_COMPLETE", _physical(instance))


def _safe_props(rm: Any, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return _resolved(rm, body).get("Properties") or {}
    except Exception:  # noqa: BLE001
        return {}


def _delete_in_reverse(stack: Stack, timeline: _Timeline, names: list[str]) -> str | None:
    """Delete live resources, last made first; returns the logical id whose delete failed."""
    for logical in reversed(names):
        record = stack._gw_live.get(logical)
        if record is None:
            continue
        physical = _physical(stack.resource_map._parsed_resources.get(logical))
        if record["retain"]:
            timeline.resource_event(logical, record["type"], "DELETE_SKIPPED", physical)
            stack._gw_live.pop(logical)
            stack.resource_map._parsed_resources.pop(logical, None)
            continue
        timeline.resource_event(logical, record["type"], "DELETE_IN_PROGRESS", physical)
        try:
            _delete_one(stack, logical)
        except Exception as exc:  # noqa: BLE001
            timeline.resource_event(logical, record["type"], "DELETE_FAILED", physical,
                                    failure_reason(exc, record["type"], record["resolved"].get("Properties")))
            return logical
        stack._gw_live.pop(logical)
        timeline.resource_event(logical, record["type"], "DELETE_COMPLETE", physical)
    return None


def _rollback_create(stack: Stack, timeline: _Timeline, failure: _Failure) -> None:
    if failure.logical:
        timeline.resource_event(failure.logical, failure.resource_type, "CREATE_FAILED", None, failure.reason)
        timeline.stack_event("ROLLBACK_IN_PROGRESS",
                             f"The following resource(s) failed to create: [{failure.logical}]. Rollback requested by user.")
    else:
        timeline.stack_event("ROLLBACK_IN_PROGRESS", f"{failure.reason}. Rollback requested by user.")
    failed_delete = _delete_in_reverse(stack, timeline, list(stack._gw_live))
    if failed_delete:
        timeline.stack_event("ROLLBACK_FAILED", f"The following resource(s) failed to delete: [{failed_delete}]. ")
        return
    if failure.logical:
        timeline.resource_event(failure.logical, failure.resource_type, "DELETE_COMPLETE")
    timeline.stack_event("ROLLBACK_COMPLETE")


def update_stack(self: CloudFormationBackend, name: str, template: str, role_arn: str | None,
                 parameters: list[dict[str, Any]], tags: dict[str, str] | None) -> Stack:
    with _LOCK:
        _sweep(self)
        stack = self.get_stack(name)
        status = stack.status
        if status not in UPDATABLE or stack.stack_id in self.deleted_stacks:
            raise ValidationError(message=f"Stack:{stack.stack_id} is in {status} state and can not be updated.")
        parsed = parse_template(template)
        validate_template(parsed, self.region_name)
        given = {p["ParameterKey"]: p["ParameterValue"] for p in parameters or [] if "ParameterValue" in p}
        use_previous = {p["ParameterKey"] for p in parameters or [] if p.get("UsePreviousValue")}
        values = final_parameters(parsed, given, dict(stack.parameters), use_previous)
        _adopt(stack)
        old_template = stack._gw_template
        changed_types = [n for n, b in parsed["Resources"].items()
                         if n in old_template.get("Resources", {}) and old_template["Resources"][n].get("Type") != b["Type"]]
        if changed_types:
            raise ValidationError(message=("Update of resource type is not permitted. The new template modifies resource "
                                           f"type of the following resources: [{', '.join(changed_types)}]"))
        new_tags = dict(tags) if tags is not None else dict(stack.tags)
        if parsed == old_template and values == dict(stack.parameters) and new_tags == dict(stack.tags):
            raise ValidationError(message="No updates are to be performed.")
        effective_role = role_arn or stack.role_arn
        for check in PRE_OPERATION_CHECKS:
            check(self, stack, effective_role, "update")
        previous = {"template": stack.template, "template_dict": stack.template_dict, "parsed": old_template,
                    "parameters": dict(stack.parameters), "tags": dict(stack.tags), "role_arn": stack.role_arn}
        stack.last_updated_time = dt.datetime.now(dt.timezone.utc)
        timeline = _Timeline(stack)
        timeline.stack_event("UPDATE_IN_PROGRESS", "User Initiated")
        new_dict = _template_copy(parsed)
        try:
            _load(stack, new_dict, values)
        except Exception:
            _load(stack, previous["template_dict"], previous["parameters"])
            raise
        stack.template, stack.template_dict, stack.parameters = template, new_dict, values
        stack.tags, stack.role_arn = new_tags, effective_role
        added: list[str] = []
        modified: list[tuple[str, dict[str, Any]]] = []
        try:
            _apply_update(stack, timeline, added, modified)
        except _Failure as failure:
            restored = _rollback_update(stack, timeline, failure, added, modified, previous)
            done_at = timeline.commit(stack_seconds())
            if restored:  # outputs of the previous template, over the resources as they are now
                stack._gw_outputs.append((done_at, _ORIGINAL["outputs"].fget(stack)))
            return stack
        removed = [n for n in stack._gw_live if n not in new_dict["Resources"] or not _wanted(stack.resource_map, new_dict["Resources"][n])]
        stack.output_map = stack._create_output_map()
        outputs = _ORIGINAL["outputs"].fget(stack)
        _swap_exports(self, stack)
        timeline.stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        _delete_in_reverse(stack, timeline, removed)  # AWS: a failed cleanup delete does not fail the update
        timeline.stack_event("UPDATE_COMPLETE")
        done_at = timeline.commit(stack_seconds())
        stack._gw_outputs.append((done_at, outputs))
        stack._gw_template = _template_copy(parsed)
        stack.description = new_dict.get("Description")
        return stack


def _adopt(stack: Stack) -> None:
    """A stack made before this extension (or by a change set): take over its resources as they are."""
    if "_gw_live" in stack.__dict__:
        return
    if not (stack.template_dict or {}).get("Resources") and isinstance(stack.template, str) and stack.template:
        stack._parse_template()  # moto's change sets leave template_dict empty
    rm = stack.resource_map
    stack._gw_live = {}
    for logical, body in (stack.template_dict.get("Resources") or {}).items():
        if logical in rm._parsed_resources and rm._parsed_resources[logical] is not None:
            stack._gw_live[logical] = {"type": body["Type"], "resolved": _resolved(rm, body),
                                       "retain": body.get("DeletionPolicy") == "Retain"}
    stack._gw_outputs = [(0.0, _ORIGINAL["outputs"].fget(stack))]
    stack._gw_exports = _ORIGINAL["exports"].fget(stack)
    stack._gw_template = _template_copy(stack.template_dict)


def _apply_update(stack: Stack, timeline: _Timeline, added: list[str], modified: list[tuple[str, dict[str, Any]]]) -> None:
    rm = stack.resource_map
    resources = stack.template_dict["Resources"]
    for logical in dependency_order(resources):
        body = resources[logical]
        if not _wanted(rm, body):
            continue
        if logical not in stack._gw_live:
            _apply_create(stack, timeline, [logical])
            added.append(logical)
            continue
        record = stack._gw_live[logical]
        try:
            wanted = _resolved(rm, body)
        except Exception as exc:  # noqa: BLE001
            raise _Failure(logical, body["Type"], failure_reason(exc, body["Type"])) from exc
        if wanted == record["resolved"]:
            continue
        physical = _physical(rm._parsed_resources.get(logical))
        timeline.resource_event(logical, body["Type"], "UPDATE_IN_PROGRESS", physical)
        modified.append((logical, copy.deepcopy(record)))
        try:
            instance = _update_one(stack, logical, body)
        except Exception as exc:  # noqa: BLE001
            raise _Failure(logical, body["Type"], failure_reason(exc, body["Type"], wanted.get("Properties"))) from exc
        stack._gw_live[logical] = {"type": body["Type"], "resolved": wanted, "retain": body.get("DeletionPolicy") == "Retain"}
        timeline.resource_event(logical, body["Type"], "UPDATE_COMPLETE", _physical(instance))


def _rollback_update(stack: Stack, timeline: _Timeline, failure: _Failure, added: list[str],
                     modified: list[tuple[str, dict[str, Any]]], previous: dict[str, Any]) -> bool:
    """Put the previous template, parameters and resources back; False if that failed (UPDATE_ROLLBACK_FAILED)."""
    was_added = failure.logical not in [m[0] for m in modified]
    timeline.resource_event(failure.logical, failure.resource_type, "CREATE_FAILED" if was_added else "UPDATE_FAILED",
                            None, failure.reason)
    verb = "create" if was_added else "update"
    timeline.stack_event("UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to {verb}: [{failure.logical}].")
    stack.template, stack.template_dict = previous["template"], previous["template_dict"]
    stack.parameters, stack.tags, stack.role_arn = previous["parameters"], previous["tags"], previous["role_arn"]
    _load(stack, stack.template_dict, stack.parameters)
    rm = stack.resource_map
    old_resources = stack.template_dict["Resources"]
    for logical, record in reversed(modified):
        body = old_resources[logical]
        timeline.resource_event(logical, body["Type"], "UPDATE_IN_PROGRESS", _physical(rm._parsed_resources.get(logical)))
        try:
            try:
                instance = _update_one(stack, logical, body)
            except Exception:  # noqa: BLE001 - the failed half-update may have removed it: make it again
                rm._parsed_resources.pop(logical, None)
                instance = _create_one(stack, logical)
        except Exception as exc:  # noqa: BLE001
            timeline.resource_event(logical, body["Type"], "UPDATE_FAILED", None, failure_reason(exc, body["Type"]))
            timeline.stack_event("UPDATE_ROLLBACK_FAILED", f"The following resource(s) failed to update: [{logical}].")
            return False
        stack._gw_live[logical] = record
        timeline.resource_event(logical, body["Type"], "UPDATE_COMPLETE", _physical(instance))
    timeline.stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    _delete_in_reverse(stack, timeline, added)
    if was_added:
        timeline.resource_event(failure.logical, failure.resource_type, "DELETE_COMPLETE")
    stack.output_map = stack._create_output_map()
    timeline.stack_event("UPDATE_ROLLBACK_COMPLETE")
    return True


def _swap_exports(backend: CloudFormationBackend, stack: Stack) -> None:
    for export in stack.__dict__.get("_gw_exports") or []:
        backend.exports.pop(export.name, None)
    exports = _ORIGINAL["exports"].fget(stack)
    for export in exports:
        backend.exports[export.name] = export
    stack._gw_exports = exports


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    with _LOCK:
        _sweep(self)
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return  # AWS: deleting a stack that does not exist (or no longer) succeeds
        status = stack.status
        if status in ("DELETE_IN_PROGRESS", "DELETE_COMPLETE"):
            return
        if status in NOT_DELETABLE:
            raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while in status {status}")
        for check in PRE_OPERATION_CHECKS:
            check(self, stack, stack.role_arn, "delete")
        _adopt(stack)
        for export in stack._gw_exports:
            self.exports.pop(export.name, None)
        timeline = _Timeline(stack)
        timeline.stack_event("DELETE_IN_PROGRESS", "User Initiated")
        names = [n for n in dependency_order(stack.template_dict.get("Resources") or {}) if n in stack._gw_live]
        names += [n for n in stack._gw_live if n not in names]
        failed = _delete_in_reverse(stack, timeline, names)
        if failed:
            timeline.stack_event("DELETE_FAILED", f"The following resource(s) failed to delete: [{failed}]. ")
        else:
            timeline.stack_event("DELETE_COMPLETE")
        done_at = timeline.commit(stack_seconds())
        if not failed:
            stack.deletion_time = dt.datetime.fromtimestamp(done_at, dt.timezone.utc)


# --------------------------------------------------------------------------------------------
# Response: UpdateStack parsed as moto does, its checks left to update_stack above


def _response_update_stack(self: CloudFormationResponse) -> ActionResult:
    stack_name = self._get_param("StackName")
    stack = self.cloudformation_backend.get_stack(stack_name)
    if self._get_bool_param("UsePreviousTemplate", False):
        body = stack.template
    else:
        body = self._get_param("TemplateBody")
        if not body and self._get_param("TemplateURL"):
            body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    incoming = self._get_param("Parameters", [])
    for param in incoming:
        if param.get("UsePreviousValue") and param.get("ParameterValue"):
            raise ValidationError(message=(f"Invalid input for parameter key {param['ParameterKey']}. Cannot specify "
                                           "usePreviousValue as true and non empty value for a parameter"))
    tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])} or None
    stack = self.cloudformation_backend.update_stack(name=stack_name, template=body, role_arn=self._get_param("RoleARN"),
                                                     parameters=incoming, tags=tags)
    return ActionResult({"StackId": stack.stack_id})


def _with_sweep(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
        _sweep(self)
        return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    _ORIGINAL.update(outputs=Stack.outputs, exports=Stack.exports, stack_resources=Stack.stack_resources)
    Stack.status = property(_status_get, _status_set)
    Stack.status_reason = property(_status_reason)
    Stack.events = property(_events_get, _events_set)
    Stack.outputs = property(_outputs_get)
    Stack.exports = property(_exports_get)
    Stack.stack_resources = property(_stack_resources_get)
    Stack._add_stack_event = _add_stack_event
    Stack.last_updated_time = None
    Stack.deletion_time = None
    CloudFormationBackend.create_stack = create_stack
    CloudFormationBackend.update_stack = update_stack
    CloudFormationBackend.delete_stack = delete_stack
    for name in ("get_stack", "describe_stacks", "list_stacks", "list_exports"):
        setattr(CloudFormationBackend, name, _with_sweep(getattr(CloudFormationBackend, name)))
    CloudFormationResponse.update_stack = _response_update_stack
