"""Fees owed to communities (docs/product.md §6). Every write is in one of these modules; callers import the module that
owns the function (there is no re-export here):

- ``periods``: months (``month_of``, ``current_period``, ``parse_period``) and amounts (``money``, ``cents``);
- ``roles``: who may act (ministry staff, the community's supervisor, not the issuer);
- ``rates``: fee rates (``fee_rate_create``, ``fee_rate_end``);
- ``ledger``: the append-only accrual ledger (``accrual_record_for_acceptance``, ``accrual_reverse``);
- ``statements``: the statement transitions (issue, confirm, dispute, approve, pay) and ``available_actions``;
- ``budget``: the year's allocation (``budget_set``) and the over-budget rule;
- ``reconcile``: the treasury file round trip (``statements_reconcile``).

Reads (the rate in force, budget figures) are in ``payments.selectors``.

Locking protocol (PostgreSQL row locks; SQLite serialises writers anyway): a ledger line is filed under its
statement while that statement row is held ``FOR UPDATE``; issuing holds the same rows; the accept transition holds
the case row first, then the statement row; statement transitions lock the statement row, approval also the
year's budget row.
"""
