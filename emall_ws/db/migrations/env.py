"""Alembic's environment for the platform's revisions. Run through emall_ws.db.migrate (the
`emall-ws migrate` command), which passes the connection, or the URL for SQL output, and a
callback told of each revision applied."""
from __future__ import annotations

from alembic import context

from emall_ws.db.migrate import for_dialect
from emall_ws.db.models import Base

config = context.config
options = {"target_metadata": Base.metadata, "compare_type": True,
           "on_version_apply": config.attributes.get("on_version_apply", ())}

if context.is_offline_mode():  # `emall-ws migrate --sql`: DDL for a DBA, nothing executed
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
else:
    connection = config.attributes["connection"]
    # batch mode: SQLite alters a table by copying it, which Alembic does for `batch_alter_table`
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite",
                      include_object=for_dialect(connection.dialect.name), **options)

with context.begin_transaction():
    context.run_migrations()
