"""Which configured account is which id, as Organizations reports it, and how the summary reaches it."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.aws.context import AwsContext
from groundwork.reconcile.organization import OrgSnapshot


@dataclass(frozen=True)
class Accounts:
    """Configured account name -> id for the accounts that exist (the management account first)."""

    ids: dict[str, str]
    management: str

    @classmethod
    def read(cls, snap: OrgSnapshot, config) -> Accounts:
        management = config.organization.management_account.name
        ids = {management: snap.organization["MasterAccountId"]}
        for account in config.organization.accounts:
            if found := snap.account_by_email(account.email):
                ids[account.name] = found["Id"]
        return cls(ids, management)

    @property
    def members(self) -> list[str]:
        return [n for n in self.ids if n != self.management]

    def client(self, ctx: AwsContext, name: str, service: str, region: str | None = None):
        """A client in the named account: the management session itself, a member via its access role."""
        account_id = None if name == self.management else self.ids[name]
        return ctx.client(service, account_id=account_id, region=region)

    def label(self, name: str) -> str:
        return f"{name} ({self.ids[name]})" if name in self.ids else name

    def label_of(self, account_id: str) -> str:
        return next((self.label(n) for n, i in self.ids.items() if i == account_id), account_id)
