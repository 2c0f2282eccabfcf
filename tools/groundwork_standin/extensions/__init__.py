"""Extensions to moto, installed in the stand-in process before it serves.

Each entry of ``EXTENSIONS`` is a dotted module path (relative names start with
``.`` and resolve inside this package). A module may define either or both of:

* ``install() -> None`` -- patch moto backends/responses in-process (called once,
  before the server starts; moto is already imported).
* ``wrap_wsgi(app) -> app`` -- wrap the WSGI application, for behaviour that has
  to sit *in front of* moto (fault injection, URL rewriting, stub services).
  Wrappers are applied in list order, so the last entry is the outermost.

The list is empty for now; add modules here.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any, Callable

log = logging.getLogger(__name__)

EXTENSIONS: list[str] = [".iam_access_key_index", ".organizations_pagination", ".organizations_async_create", ".organizations_uniqueness", ".ec2_transit_gateway", ".ram_organization_sharing", ".route53_cross_account", ".iam_policy_conditions", ".sso_admin_provisioning", ".identitystore_update_group", ".guardduty_organization", ".securityhub_organization", ".cloudtrail_cross_account_bucket", ".organizations_delegated_services", ".iam_service_linked_role_names", ".organizations_handshakes", ".organizations_closure", ".budgets_actions", ".securityhub_finding_aggregator", ".cloudtrail_organization_trail", ".guardduty_membership", ".ec2_flow_logs_s3_prefix", ".organizations_tag_policies", ".service_quotas", ".iam_account_summary", ".cloudformation_stack_lifecycle", ".cloudformation_service_role", ".cloudformation_ssm_parameter", ".fault_injection"]  # fault_injection last: outermost wrapper


def _load(names: list[str] | None = None) -> list[ModuleType]:
    mods = []
    for name in EXTENSIONS if names is None else names:
        mods.append(importlib.import_module(name, package=__name__) if name.startswith(".") else importlib.import_module(name))
    return mods


def install_all(names: list[str] | None = None) -> list[str]:
    """Import every extension and call its ``install()``. Returns the names installed."""
    done = []
    for mod in _load(names):
        install: Callable[[], None] | None = getattr(mod, "install", None)
        if install is not None:
            install()
        done.append(mod.__name__)
        log.info("stand-in extension installed: %s", mod.__name__)
    return done


def wrap_app(app: Any, names: list[str] | None = None) -> Any:
    """Apply every extension's ``wrap_wsgi(app)`` in list order."""
    for mod in _load(names):
        wrap: Callable[[Any], Any] | None = getattr(mod, "wrap_wsgi", None)
        if wrap is not None:
            app = wrap(app)
    return app
