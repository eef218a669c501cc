"""Each operation's docstring as its wsdl:documentation, and each complex type's as its xs:annotation,
the same whichever Python built it."""
from __future__ import annotations

import inspect
from typing import Any, Iterable, cast

from spyne import Array, ComplexModelBase


def clean_documentation(services: Iterable[Any]) -> None:
    """Dedents every operation's docstring in place (spyne copies it into the WSDL as it is): from
    3.13 on, Python strips a docstring's indentation when it compiles it, and 3.11 and 3.12 keep it,
    while the committed WSDLs must not depend on which one ran. Documents every complex type the
    operations use (document_types)."""
    for service in services:
        for method in service.public_methods.values():
            if method.doc:
                method.doc = inspect.cleandoc(method.doc)
            document_types(method)
        for header in _as_tuple(getattr(service, "__in_header__", None)):  # a service-wide header
            _document_tree(header, set())


def document_types(method: Any) -> None:
    """spyne writes a complex type's xs:annotation from its Annotations.doc only, never its docstring:
    the docstring becomes it here; a list's and an operation's request and answer get a line of their own."""
    _annotate(method.in_message, f"The request of {method.name}: its parameters, as the operation says.")
    _annotate(method.out_message, f"The answer of {method.name}.")
    for cls in (method.in_message, method.out_message, *_as_tuple(method.in_header), *_as_tuple(method.faults)):
        _document_tree(cls, set())


def _document_tree(cls: Any, seen: set[Any]) -> None:
    if not (isinstance(cls, type) and issubclass(cls, ComplexModelBase)) or cls in seen:  # a simple type, None
        return
    cls = cast(Any, cls)  # spyne's, untyped
    seen.add(cls)
    members = cls.get_flat_type_info(cls)
    if issubclass(cls, Array):  # Array(Item): spyne's ItemArray, its one member the item
        item = next(iter(members.values()))
        _annotate(cls, f"A list of {item.get_type_name()}.")
    elif cls.__dict__.get("__doc__"):  # its own docstring, never an inherited one
        _annotate(cls, inspect.cleandoc(cls.__dict__["__doc__"]))
    for member in members.values():
        _document_tree(member, seen)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _annotate(cls: Any, text: str) -> None:
    if cls.get_documentation() != text:
        # a class of its own: most types share the Annotations of spyne's base class
        cls.Annotations = type("Annotations", (cls.Annotations,), {"doc": text})
