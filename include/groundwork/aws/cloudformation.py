"""CloudFormation stack calls, one small function each; 'no such stack' is None.

A stack is read by name: after DELETE_COMPLETE AWS no longer finds it by name (its name is free),
which `describe_stack` reports as None too.
"""

from __future__ import annotations

from groundwork.aws.errors import error_code

# AWS's terminal states, by what they mean for a deployment.
SUCCEEDED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
ROLLED_BACK = ("ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE")
STUCK = ("CREATE_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED", "UPDATE_ROLLBACK_FAILED",
         "IMPORT_ROLLBACK_FAILED")
GONE = "DELETE_COMPLETE"
NO_UPDATES = "No updates are to be performed."


def in_progress(status: str) -> bool:
    return status.endswith("_IN_PROGRESS")


def describe_stack(client, name: str) -> dict | None:
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise
    stack = stacks[0] if stacks else None
    return None if stack is None or stack["StackStatus"] == GONE else stack


def tags_of(stack: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in stack.get("Tags") or []}


def outputs_of(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def _parameters(values: dict[str, str]) -> list[dict]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def _tags(values: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted(values.items())]


def create_stack(client, name: str, template: str, parameters: dict[str, str], tags: dict[str, str], role_arn: str,
                 token: str, capabilities: list[str]) -> str:
    """Starts the create (asynchronous); the token makes a repeated call with it a no-op in AWS."""
    return client.create_stack(StackName=name, TemplateBody=template, Parameters=_parameters(parameters),
                               Tags=_tags(tags), RoleARN=role_arn, ClientRequestToken=token,
                               Capabilities=capabilities)["StackId"]


def update_stack(client, name: str, template: str, parameters: dict[str, str], tags: dict[str, str], role_arn: str,
                 token: str, capabilities: list[str]) -> bool:
    """Starts the update; False when AWS answers that nothing would change."""
    try:
        client.update_stack(StackName=name, TemplateBody=template, Parameters=_parameters(parameters),
                            Tags=_tags(tags), RoleARN=role_arn, ClientRequestToken=token, Capabilities=capabilities)
    except client.exceptions.ClientError as exc:
        if error_code(exc) == "ValidationError" and NO_UPDATES in str(exc):
            return False
        raise
    return True


def delete_stack(client, name: str, role_arn: str, token: str) -> None:
    client.delete_stack(StackName=name, RoleARN=role_arn, ClientRequestToken=token)


def template_parameters(client, template: str) -> list[str]:
    """The parameters a template declares, as CloudFormation reads it (GetTemplateSummary; a
    template it cannot read is its ValidationError)."""
    return [p["ParameterKey"] for p in client.get_template_summary(TemplateBody=template).get("Parameters", [])]


def failure_events(client, stack_id: str, limit: int = 5) -> list[dict]:
    """The resource events that failed in the stack's latest operation (newest first): everything
    after the last stack-level event that started an operation ("User Initiated")."""
    failed: list[dict] = []
    for page in client.get_paginator("describe_stack_events").paginate(StackName=stack_id):
        for event in page["StackEvents"]:
            is_stack = event.get("ResourceType") == "AWS::CloudFormation::Stack" and \
                event.get("PhysicalResourceId") == event.get("StackId")
            if is_stack and event.get("ResourceStatusReason") == "User Initiated":
                return failed
            if not is_stack and event["ResourceStatus"].endswith("_FAILED"):
                failed.append(event)
                if len(failed) >= limit:
                    return failed
    return failed
