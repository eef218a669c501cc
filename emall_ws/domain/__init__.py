"""Pure business rules: no I/O, no spyne, zeep or SQLAlchemy."""
