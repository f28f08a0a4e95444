"""SQLite through sqlite-utils: the store, the schema, the repositories, the outbox's tables, backups and health. The only modules that know SQL."""
