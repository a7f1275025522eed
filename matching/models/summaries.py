"""Summary rows for the regional report, kept by the database in the writers' transactions.

`RegionalTotal` holds, per district, scheme, project currency and project status, what a
GROUP BY over the cached totals would give: projects and their `received`, `matched`,
`disbursed` (role "" and pledge currency ""), each party's `matched` and `disbursed` from its
commitments (role set), and the announced pledges per currency raised (pledge currency set).
The regional report reads a few hundred of these rows instead of scanning every project,
commitment and pledge.

Who writes them: nobody in Python. The ledger (`matching/ledger.py`) stays the only writer of
money; statement triggers on the projects, commitments, pledges and mahallas (migration
`regional_totals`) append each statement's change of those totals, grouped per key, to
`matching_regionalpending`; a deferred constraint trigger folds the transaction's pending
changes into these rows at commit, in one statement sorted by key. So a summary row is locked
last (after the project rows and the envelopes), in a fixed order, once per transaction, and
concurrent writers add up rather than overwrite or deadlock. `ledger.verify()` recomputes every
row from the cached totals (themselves checked against the ledger's entries).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import currency_field, money_field

KEY = ("district_id", "scheme_id", "currency", "status", "role", "pledge_currency")


class RegionalTotal(models.Model):
    district = models.ForeignKey("matching.District", models.PROTECT, related_name="+",
                                 db_constraint=False)
    scheme = models.ForeignKey("matching.Scheme", models.PROTECT, related_name="+",
                               db_constraint=False)
    currency = currency_field()  # the projects'
    status = models.CharField(max_length=30)  # the projects'
    role = models.CharField(max_length=20, blank=True, default="")  # a party's commitments
    pledge_currency = models.CharField(max_length=3, blank=True, default="")  # pledges
    projects = models.IntegerField(default=0)
    received = money_field(_("association money received"), default=0)
    matched = money_field(_("matched"), default=0)
    disbursed = money_field(_("disbursed"), default=0)
    pledged = money_field(_("amount pledged"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[k.removesuffix("_id") for k in KEY],
                                               name="regional_total_key")]

    def __str__(self):
        return f"{self.district_id}/{self.scheme_id}/{self.currency}/{self.status}/" \
               f"{self.role}/{self.pledge_currency}"
