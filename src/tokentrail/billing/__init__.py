"""The billed side: Anthropic's Admin API usage and cost reports and the Analytics API,
pulled into the ledger (:mod:`tokentrail.billing.pull`) and reconciled with the ledger's
own numbers (:mod:`tokentrail.billing.reconcile`).

Facts relied on (endpoints, fields, limits, sources): ``ADMIN_API.md`` beside this file.
"""
