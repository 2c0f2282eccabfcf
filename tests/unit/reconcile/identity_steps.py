"""Drive phase 2's apply steps in the order the DAG runs them (for moto-backed tests)."""

from groundwork.phases import identity


def apply_identity(ctx, config, approved):
    identity.apply_directory(ctx, config, approved)
    for account in config.organization.accounts:
        progress = identity.apply_account(ctx, config, account.name, approved)
        if progress["requests"]:
            done, result = identity.assignments_settled(ctx, progress["instance_arn"], progress["requests"])
            assert done, result
            identity.check_settled(result)
    identity.remove_permission_sets(ctx, config, approved)
