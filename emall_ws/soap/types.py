"""spyne types shared by several services (named, so every WSDL spells them the same)."""
from __future__ import annotations

from spyne import Unicode

Key = Unicode(max_len=255, type_name="Key")
RequiredKey = Unicode(max_len=255, min_len=1, min_occurs=1, nillable=False, type_name="RequiredKey")
Name = Unicode(max_len=200, type_name="Name")
