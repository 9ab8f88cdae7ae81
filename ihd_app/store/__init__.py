"""The IHD's SQLite store: one file in the data dir, WAL mode, versioned schema.

One repository per module, all on one :class:`~ihd_app.store.database.Database`:
``messages`` (messages and their state history), ``outbox`` (receipts and acknowledgements
until the meter confirms them), ``readings`` (13 months of intervals and their aggregates),
``tariffs``, ``security_log``, ``consents``, ``paired_meter``, ``settings`` and
``replay_counters``; ``wipe`` deletes the occupier's personal data. Repositories write inside
:meth:`~ihd_app.store.database.Database.transaction`, so several of them can share one.
"""
