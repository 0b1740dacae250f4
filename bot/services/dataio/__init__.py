"""Data in and out: importing a team's records from CSV files other CRMs (or this one) wrote, and
exporting everything a workspace holds.

Both are driven by one registry of columns per record type (:mod:`bot.services.dataio.columns`): what
a record's fields are called in each CRM's export, how a cell is read, and what this product writes
back out. A new field (a custom field, a soft-delete mark) is one :func:`~columns.register` call and
then imports, exports and the round trip carry it.
"""
