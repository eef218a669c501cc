"""Each operation's docstring as its wsdl:documentation, the same whichever Python built it."""
from __future__ import annotations

import inspect
from typing import Any, Iterable


def clean_documentation(services: Iterable[Any]) -> None:
    """Dedents every operation's docstring in place (spyne copies it into the WSDL as it is): from
    3.13 on, Python strips a docstring's indentation when it compiles it, and 3.11 and 3.12 keep it,
    while the committed WSDLs must not depend on which one ran."""
    for service in services:
        for method in service.public_methods.values():
            if method.doc:
                method.doc = inspect.cleandoc(method.doc)
