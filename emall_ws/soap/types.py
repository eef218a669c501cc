"""spyne types shared by several services (named, so every WSDL spells them the same)."""
from __future__ import annotations

from typing import Any

from spyne import ComplexModel, ComplexModelBase


def required(model: Any, **restrictions: Any) -> Any:
    """model as an element that is always there (minOccurs=1, not nillable). In a request: a call missing
    it gets the schema's Validation fault naming it, before any work; in an answer: one the platform
    always fills, so a generated client need not guess."""
    if _named_simple_type(model):  # stays that type (customize would make an anonymous one of each field)
        restrictions.setdefault("type_name", model.get_type_name())
    return model.customize(min_occurs=1, nillable=False, **restrictions)  # a complex type too


def _named_simple_type(model: Any) -> bool:
    """A simple type the platform named (code_type's, OrderNumber ...), not spyne's own (string, long)."""
    return (not issubclass(model, ComplexModelBase) and model.__orig__ is not None
            and isinstance(vars(model).get("__type_name__"), str))


class Model(ComplexModel):
    """The base of the platform's types. An instance has every member, None unless given, as spyne's
    own __init__ makes it, without that __init__'s work per member (defaults, read-only members,
    XmlData, SQLAlchemy arrays: features the platform's types do not use, as
    tests/unit/test_soap_models.py checks), which cost ~25 µs an object: a page of 20 search results
    spent more building its objects than querying and writing them."""

    def __init__(self, **values):
        members = self.get_flat_type_info(type(self))
        unknown = values.keys() - members.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no member {', '.join(sorted(unknown))}")
        self.__dict__.update(dict.fromkeys(members), **values)
