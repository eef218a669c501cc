"""The MySQL/MariaDB DDL of the models, as committed in schema.sql."""
from __future__ import annotations

from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateIndex, CreateTable

from emall_ws.db.models import Base

HEADER = ("-- MariaDB/MySQL schema of emall_ws, generated from emall_ws/db/models.py.\n"
          "-- Do not edit: run `emall-ws export-schema` after changing the models.\n")


def mysql_ddl() -> str:
    # as MariaDB: for MySQL SQLAlchemy writes NOT NULL on the generated product.list_price, which
    # MariaDB refuses (tests/integration/test_mariadb_schema.py runs this file on MariaDB)
    dialect = mysql.dialect(is_mariadb=True)
    statements = []
    for table in Base.metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            statements.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
    text = HEADER + "\n" + "".join(f"{s};\n\n" for s in statements)
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip() + "\n"
