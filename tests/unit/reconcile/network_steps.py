"""Drive phase 3's apply steps in the order the DAG runs them (for moto-backed tests)."""

from groundwork.phases import network
from groundwork.reconcile.network_layout import network_accounts


def apply_network(ctx, config, approved):
    cidrs = network.read(ctx, config).cidrs.blocks  # the DAG hands the planned CIDRs over from its plan task
    network.apply_hub(ctx, config, approved)
    for account in network_accounts(config):
        progress = network.apply_account(ctx, config, account.name, approved, cidrs[account.name])
        assert progress["state"] == network.AVAILABLE, progress
        network.finish_account(ctx, config, account.name, approved)
    network.apply_routing(ctx, config, approved)
    network.apply_dns(ctx, config, approved)
