"""The organization trail as member accounts see it, and the trail calls that only work in the trail's
home Region.

What AWS does (CloudTrail API reference: DescribeTrails, GetTrail, GetTrailStatus, DeleteTrail,
StopLogging, UpdateTrail; user guide "Creating a trail for an organization"):

* an organization trail (IsOrganizationTrail) created in the management account is replicated into
  every member account as a shadow trail: the member's DescribeTrails (``includeShadowTrails``
  defaults to true) and ListTrails show it, with its own Name, ``HomeRegion`` and ``TrailARN`` in the
  management account, ``IsOrganizationTrail`` true, in every Region if it is multi-Region (else in its
  home Region only); GetTrail, GetTrailStatus, GetEventSelectors and GetInsightSelectors accept its
  ARN. ``trailNameList`` names match only the caller's own trails in the calling Region; another
  Region's or account's trail must be named by ARN;
* members can see the organization trail but cannot change, stop or delete it: StartLogging /
  StopLogging / UpdateTrail / DeleteTrail / PutEventSelectors / PutInsightSelectors from a member
  with the trail's ARN answer ``TrailNotFoundException: Unknown trail: <arn> for the user:
  <member account>`` (the answer AWS gave a member calling StartLogging on the organization trail,
  quoted in nozaq/terraform-aws-secure-baseline issue #306);
* those changing calls, and DeleteTrail, must be made in the trail's home Region; on a multi-Region
  trail's shadow in another Region of the same account they answer InvalidHomeRegionException;
  DeleteTrail of an unknown trail answers TrailNotFoundException and accepts the trail's ARN.

What moto 5.2.5 does: a member account sees no organization trail at all (DescribeTrails and
ListTrails empty, GetTrail / GetTrailStatus by ARN TrailNotFoundException); GetTrail by ARN from a
shadow Region of the management account fails; DeleteTrail of an unknown name (or an ARN, or another
account's trail) silently succeeds; DescribeTrails ignores ``trailNameList``.

Modelled here: all of the above. A member is an account whose organization (moto's Organizations
state) has that management account; shadows are views of the one trail object, so its status and
settings are always the management account's.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudtrail.exceptions import TrailNotFoundException
from moto.cloudtrail.models import CloudTrailBackend, Trail, TrailStatus, cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError
from moto.organizations.models import organizations_backends
from moto.utilities.utils import get_partition

_original: dict[str, Any] = {}


class InvalidHomeRegion(JsonRESTError):
    code = 400

    def __init__(self, trail: Trail):
        super().__init__("InvalidHomeRegionException",
                         f"This operation must be called from the trail's home Region {trail.region_name}.")


def _trails_of(account_id: str) -> list[Trail]:
    regions = dict.get(cloudtrail_backends, account_id)  # plain get: creates nothing
    return [t for backend in (list(regions.values()) if regions else []) for t in list(backend.trails.values())]


def _organization_trails(backend: CloudTrailBackend) -> list[Trail]:
    """Organization trails of the caller's management account that reach the caller's Region."""
    management = organizations_backends.master_accounts.get(backend.account_id, (None, None))[0]
    if management is None or management == backend.account_id:
        return []
    return [t for t in _trails_of(management)
            if t.is_org_trail and (t.is_multi_region or t.region_name == backend.region_name)]


def _own_shadows(backend: CloudTrailBackend) -> list[Trail]:
    """The caller's multi-Region trails homed in another Region."""
    return [t for t in _trails_of(backend.account_id) if t.region_name != backend.region_name and t.is_multi_region]


def _local(backend: CloudTrailBackend, name_or_arn: str) -> Trail | None:
    return backend.trails.get(name_or_arn) or next((t for t in backend.trails.values() if t.arn == name_or_arn), None)


def _visible(backend: CloudTrailBackend, name_or_arn: str) -> Trail:
    """A trail the caller may read here: its own (by name or ARN), else a shadow (by ARN)."""
    found = _local(backend, name_or_arn)
    if found is None and name_or_arn.startswith("arn:"):
        found = next((t for t in _own_shadows(backend) + _organization_trails(backend) if t.arn == name_or_arn), None)
    if found is None:
        return _original["get_trail"](backend, name_or_arn)  # moto's own errors (name too short, not found)
    return found


def _changeable(backend: CloudTrailBackend, name_or_arn: str) -> None:
    """Refuse, as AWS does, changes through a shadow: another Region's copy, or the organization trail."""
    if _local(backend, name_or_arn) is not None:
        return
    shadow = next((t for t in _own_shadows(backend) if name_or_arn in (t.trail_name, t.arn)), None)
    if shadow is not None:
        raise InvalidHomeRegion(shadow)
    if any(t.arn == name_or_arn for t in _organization_trails(backend)):
        raise TrailNotFoundException(account_id=backend.account_id, name=name_or_arn)


# -- reads ------------------------------------------------------------------------------------------

def describe_trails(self: CloudTrailBackend, include_shadow_trails: bool) -> list[Trail]:
    trails = list(_original["describe_trails"](self, include_shadow_trails))
    if include_shadow_trails:
        trails += [t for t in _organization_trails(self) if t not in trails]
    return trails


def get_trail_status(self: CloudTrailBackend, name: str) -> TrailStatus:
    if name.startswith("arn:"):
        return _visible(self, name).status
    # by name: the caller's own trails only (moto's lookup would now also match the organization trail)
    own = next((t for t in _original["describe_trails"](self, True) if t.trail_name == name), None)
    if own is not None:
        return own.status
    if len(name) < 3:
        return _original["get_trail_status"](self, name)  # TrailNameTooShort, as moto answers
    arn = f"arn:{get_partition(self.region_name)}:cloudtrail:{self.region_name}:{self.account_id}:trail/{name}"
    raise TrailNotFoundException(account_id=self.account_id, name=arn)


def get_event_selectors(self: CloudTrailBackend, trail_name: str):
    trail = _visible(self, trail_name)
    event_selectors, advanced_event_selectors = trail.get_event_selectors()
    return trail.arn, event_selectors, advanced_event_selectors


def get_insight_selectors(self: CloudTrailBackend, trail_name: str):
    trail = _visible(self, trail_name)
    return trail.arn, trail.get_insight_selectors()


def response_get_trail(self: CloudTrailResponse) -> str:
    return json.dumps({"Trail": _visible(self.cloudtrail_backend, self._get_param("Name")).description()})


def response_describe_trails(self: CloudTrailResponse) -> str:
    backend = self.cloudtrail_backend
    trails = list(backend.describe_trails(self._get_bool_param("includeShadowTrails", True)))
    wanted = self._get_param("trailNameList") or []
    if wanted:
        trails = [t for t in trails
                  if t.arn in wanted or (t.trail_name in wanted and t.account_id == backend.account_id
                                         and t.region_name == backend.region_name)]
    return json.dumps({"trailList": [t.description(include_region=True) for t in trails]})


# -- changes ----------------------------------------------------------------------------------------

def _guarded(name: str, param: str):
    original = getattr(CloudTrailBackend, name)
    _original[name] = original

    def method(self: CloudTrailBackend, *args: Any, **kwargs: Any):
        target = kwargs[param] if param in kwargs else args[0]
        _changeable(self, target)
        return original(self, *args, **kwargs)

    method.__name__ = name
    return method


def delete_trail(self: CloudTrailBackend, name: str) -> None:
    _changeable(self, name)
    trail = _local(self, name)
    if trail is None:
        raise TrailNotFoundException(account_id=self.account_id, name=name)
    del self.trails[trail.trail_name]


GUARDED = {"start_logging": "name", "stop_logging": "name", "update_trail": "name",
           "put_event_selectors": "trail_name", "put_insight_selectors": "trail_name"}


def install() -> None:
    if _original:
        return
    for name in ("get_trail", "describe_trails", "get_trail_status", "delete_trail"):
        _original[name] = getattr(CloudTrailBackend, name)
    CloudTrailBackend.describe_trails = describe_trails
    CloudTrailBackend.get_trail_status = get_trail_status
    CloudTrailBackend.get_event_selectors = get_event_selectors
    CloudTrailBackend.get_insight_selectors = get_insight_selectors
    CloudTrailBackend.delete_trail = delete_trail
    for name, param in GUARDED.items():
        setattr(CloudTrailBackend, name, _guarded(name, param))
    CloudTrailResponse.get_trail = response_get_trail
    CloudTrailResponse.describe_trails = response_describe_trails
