"""identitystore UpdateGroup, which moto 5.2.5 lacks: AWS applies a list of attribute operations to
a group (`AttributePath` "displayName" or "description", `AttributeValue` the new value), answers
with an empty body, ResourceNotFoundException for an unknown group, ValidationException for any
other attribute path."""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.identitystore.exceptions import ResourceNotFoundException
from moto.identitystore.models import IdentityStoreBackend
from moto.identitystore.responses import IdentityStoreResponse

PATHS = {"displayName": "DisplayName", "description": "Description"}


def update_group(self: IdentityStoreBackend, identity_store_id: str, group_id: str,
                 operations: list[dict[str, Any]]) -> None:
    store = self._IdentityStoreBackend__get_identity_store(identity_store_id)
    if group_id not in store.groups:
        raise ResourceNotFoundException(message="GROUP not found.", resource_type="GROUP")
    group = store.groups[group_id]
    for operation in operations:
        field = PATHS.get(operation.get("AttributePath"))
        if field is None:
            raise JsonRESTError("ValidationException", f"unsupported attribute path {operation.get('AttributePath')!r}")
        group = group._replace(**{field: operation.get("AttributeValue")})
    store.groups[group_id] = group


def update_group_response(self: IdentityStoreResponse) -> str:
    self.identitystore_backend.update_group(
        identity_store_id=self._get_param("IdentityStoreId"),
        group_id=self._get_param("GroupId"),
        operations=self._get_param("Operations") or [],
    )
    return json.dumps({})


def install() -> None:
    IdentityStoreBackend.update_group = update_group
    IdentityStoreResponse.update_group = update_group_response
