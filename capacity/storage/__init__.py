"""SQLite through sqlite-utils: the store, the schema, the repositories, the outbox's
tables, backups and health. The only modules that know SQL.

sqlite-utils imports numpy, when it is installed, only to map numpy's number types to
column types. The core never stores a numpy value, and numpy costs every process that
opens a database ~11 MiB and ~0.1 s (a question, the serving bot), so sqlite-utils is
imported here with numpy held back; the planner and the charts import numpy when they
run, as usual.
"""

from __future__ import annotations

import sys

if "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` fails at once
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        del sys.modules["numpy"]
