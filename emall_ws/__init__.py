"""Emall KUKM web services: the e-mall of the Ministry of Cooperatives and SMEs as SOAP services."""
from emall_ws import compat as _compat  # noqa: F401  (must run before spyne is imported)

__version__ = "0.1.0"
