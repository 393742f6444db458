"""Backup and restore: the whole database as one versioned JSON file with an integrity check.

``dump`` writes every row of every table the models declare (``SQLModel.metadata``, so tables added
later are included without a change here): the plan, the tracking data, the audit trail and the
API tokens' hashes (never the tokens, which are not stored). ``restore`` loads such a file into an
empty database at the same schema revision, in one transaction: all of it or nothing.

The file (format version 2)::

    {"format": "boussole-dump", "version": 2, "schema_revision": "0002",
     "created_at": "2025-03-01T10:00:00+00:00", "tables": {
    "plan": {"columns": ["id", ...], "rows": [
    [1, ...],
    ...
    ]},
    ...
    },
    "integrity": {"sha256": "9f2c…", "hmac_sha256": "41d0…"}}

The last line, the integrity trailer, holds the SHA-256 of every byte of the file before it and,
when the setting ``dump_key`` (``BOUSSOLE_DUMP_KEY``) is set, an HMAC-SHA256 of the same bytes with
that key (``null`` otherwise). Both are computed while the file is written and can be checked
without parsing it: ``head -n -1 FILE | sha256sum`` (``| openssl dgst -sha256 -hmac KEY``). No
other line of the file can begin with ``"integrity"``: JSON escapes newlines inside strings.

``restore`` reads the file once and, before anything is written, refuses it when:

- it is of format version 1 (no integrity trailer: such files carry no integrity check at all; the
  version of Boussole that made one restores it, and a dump made then is of version 2);
- its content does not match its SHA-256 (changed or damaged since it was written);
- ``dump_key`` is set and the file has no HMAC, or an HMAC that does not match with that key.
  When ``dump_key`` is not set, an HMAC in the file cannot be checked: the SHA-256 is, and the
  caller is told (``warn``) that the origin of the file was not;
- any value does not fit its column: type, NOT NULL, enum (``StrEnumType``) values, string lengths,
  integer sizes, simple numeric checks (``progress >= 0 AND progress <= 100``), NUL characters
  (which PostgreSQL cannot store). Every such problem is one line (table, row number, column,
  problem), at most ``MAX_LISTED_PROBLEMS`` of them and how many more; a value is shown only in
  its own line, truncated, and never for a secret column (``SECRET_COLUMNS``). Foreign keys,
  uniqueness and other checks are left to the database, whose refusal is reported in one line
  too, the transaction rolled back.

Rows are in the order the database stores them (see ``_storage_order``) and are inserted back in
that order, except that a row referring to another row of its table comes after it. Values are
JSON: dates, times and datetimes in ISO 8601 (datetimes of time-zone-aware columns in UTC), JSON
columns as they are, floats written exactly (shortest round-tripping form), decimals as strings,
binary data in base64. Each column's SQLAlchemy type turns them back into values.

The package's modules: ``schema`` (what a dump covers), ``format`` (the file and its integrity
check, ``read``), ``values`` and ``checks`` (values to and from JSON, the checks they pass),
``validate`` (a dump's rows checked before a restore), ``export`` (``dump``), ``load``
(``restore``).
"""

from app.tooling.backup.errors import BackupError
from app.tooling.backup.export import dump
from app.tooling.backup.format import FORMAT, TRAILER_START, VERSION, DumpFile, read
from app.tooling.backup.load import restore
from app.tooling.backup.schema import (
    SECRET_COLUMNS,
    SEEDED_BY_MIGRATIONS,
    ProgressCallback,
    is_secret,
    seeded_by_migrations,
    tables,
)
from app.tooling.backup.validate import MAX_LISTED_PROBLEMS

__all__ = [
    "FORMAT",
    "MAX_LISTED_PROBLEMS",
    "SECRET_COLUMNS",
    "SEEDED_BY_MIGRATIONS",
    "TRAILER_START",
    "VERSION",
    "BackupError",
    "DumpFile",
    "ProgressCallback",
    "dump",
    "is_secret",
    "read",
    "restore",
    "seeded_by_migrations",
    "tables",
]
