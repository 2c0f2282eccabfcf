"""A toy resource kind, for the test that adds one to a phase: an SSM parameter in every account
holding the account's name. All of it is this module (plan + apply) and one spec entry."""

from groundwork.phases.foundation import account_ids
from groundwork.plan.model import Change, NotConverged, action_for, check_approved

NAME = "/groundwork/account-name"
KIND = "ssm_parameter"


def _actual(ctx, account_id: str) -> dict | None:
    ssm = ctx.client("ssm", account_id=account_id)
    try:
        return {"value": ssm.get_parameter(Name=NAME)["Parameter"]["Value"]}
    except ssm.exceptions.ParameterNotFound:
        return None


def _change(ctx, config, name: str, ids: dict[str, str]) -> Change:
    after = {"value": name}
    before = _actual(ctx, ids[name]) if name in ids else None  # an account not created yet has none
    return Change(action_for(before, after), KIND, name, before, after,
                  production=config.account(name).is_production)


def plan(ctx, config) -> list[Change]:
    try:
        ids = account_ids(ctx, config)
    except NotConverged:
        ids = {}
    return [_change(ctx, config, a.name, ids) for a in config.organization.accounts]


def apply(ctx, config, name: str, approved: set[str]) -> list[Change]:
    ids = account_ids(ctx, config)
    change = _change(ctx, config, name, ids)
    if change.action == "noop":
        return []
    check_approved(change, approved)
    ctx.client("ssm", account_id=ids[name]).put_parameter(Name=NAME, Value=name, Type="String", Overwrite=True)
    return [change]
