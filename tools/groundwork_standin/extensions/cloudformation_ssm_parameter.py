"""AWS::SSM::Parameter in a template as AWS documents it; moto 5.2.5 gets four things wrong.

What AWS does (resource reference AWS::SSM::Parameter): Name is optional -- without it
CloudFormation generates one; Tags is a JSON map ({key: value}); changing Value, Type, Description,
AllowedPattern, Tier, Policies or Tags updates the parameter in place (a new Version), only a new
Name replaces it (new parameter made, old one deleted); Fn::GetAtt gives Type and Value; a name
starting with "aws" or "ssm", an empty Value, an unknown Type fail the resource (PutParameter's own
errors).

What moto did: a template parameter without Name raised AttributeError (HTTP 500 from CreateStack);
Tags as a map went to PutParameter unconverted; every update deleted the parameter and made it again
(Version back to 1, and a failing update left none); Fn::GetAtt Param.Value was refused as
"does not support attribute type Value".

Here: without Name the parameter is called by the name moto generates for unnamed resources
("<stack>-<LogicalId>-<random>"; AWS's own pattern is not documented), Tags maps become PutParameter's
list form, an update with the same name overwrites in place (PutParameter Overwrite, Version + 1; a
Tags change is applied with the tag calls), a new name creates the new parameter then deletes the
old one, and GetAtt Type / Value work. PutParameter's own validation still decides what fails.
"""

from __future__ import annotations

from typing import Any

from moto.ssm.models import Parameter, ssm_backends

_installed: list[bool] = []


def _tags(value: Any) -> list[dict[str, str]] | None:
    if isinstance(value, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in value.items()]
    return value or None


def _args(name: str, properties: dict[str, Any], overwrite: bool) -> dict[str, Any]:
    return {
        "name": name,
        "description": properties.get("Description"),
        "value": properties.get("Value"),
        "parameter_type": properties.get("Type"),
        "allowed_pattern": properties.get("AllowedPattern"),
        "keyid": properties.get("KeyId"),
        "overwrite": overwrite,
        "tags": None if overwrite else _tags(properties.get("Tags")),
        "data_type": properties.get("DataType", "text"),
        "tier": properties.get("Tier"),
        "policies": properties.get("Policies"),
    }


def create_from_cloudformation_json(cls: type[Parameter], resource_name: str, cloudformation_json: Any,
                                    account_id: str, region_name: str, **kwargs: Any) -> Parameter:
    properties = cloudformation_json.get("Properties") or {}
    backend = ssm_backends[account_id][region_name]
    return backend.put_parameter(**_args(properties.get("Name") or resource_name, properties, overwrite=False))


def update_from_cloudformation_json(cls: type[Parameter], original_resource: Parameter, new_resource_name: str,
                                    cloudformation_json: Any, account_id: str, region_name: str) -> Parameter:
    properties = cloudformation_json.get("Properties") or {}
    backend = ssm_backends[account_id][region_name]
    name = properties.get("Name") or original_resource.name
    if name != original_resource.name:  # replacement: the new one first, then the old one goes
        made = backend.put_parameter(**_args(name, properties, overwrite=False))
        backend.delete_parameter(original_resource.name)
        return made
    if not properties.get("Value"):
        backend.put_parameter(**_args(name, properties, overwrite=False))  # PutParameter's own error
    made = backend.put_parameter(**_args(name, properties, overwrite=True))
    wanted = {t["Key"]: t["Value"] for t in _tags(properties.get("Tags")) or []}
    current = backend.list_tags_for_resource("Parameter", name)
    stale = [k for k in current if k not in wanted and not k.startswith("aws:")]
    if stale:
        backend.remove_tags_from_resource("Parameter", name, stale)
    if wanted and wanted != {k: v for k, v in current.items() if k in wanted}:
        backend.add_tags_to_resource("Parameter", name, wanted)
    return made


def has_cfn_attr(cls: type[Parameter], attr: str) -> bool:
    return attr in ("Type", "Value")


def get_cfn_attribute(self: Parameter, attribute_name: str) -> Any:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    if attribute_name == "Type":
        return self.parameter_type
    if attribute_name == "Value":
        return self.value
    raise UnformattedGetAttTemplateException()


def install() -> None:
    if _installed:
        return
    _installed.append(True)
    Parameter.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Parameter.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    Parameter.has_cfn_attr = classmethod(has_cfn_attr)
    Parameter.get_cfn_attribute = get_cfn_attribute
