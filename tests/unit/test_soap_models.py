"""The platform's spyne types (emall_ws.soap.types.Model) are built as spyne's own __init__ builds them."""
from __future__ import annotations

import pytest
from spyne import ComplexModel

from emall_ws.soap import auction, cart, catalog, checkout, member, payment, registry, report, shipping
from emall_ws.soap.types import Model

MODULES = (auction, cart, catalog, checkout, member, payment, registry, report, shipping)
TYPES = sorted({value for module in MODULES for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, Model) and value.get_flat_type_info(value)},
               key=lambda cls: (cls.__module__, cls.__name__))


def test_every_service_module_has_its_types_on_the_platform_base():
    assert len(TYPES) > 40
    for module in MODULES:
        strays = [name for name, value in vars(module).items() if isinstance(value, type)
                  and issubclass(value, ComplexModel) and not issubclass(value, Model)]
        assert strays == [], module.__name__


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
def test_a_type_uses_none_of_what_spyne_init_does_per_member(cls):
    """What Model.__init__ leaves out: a default, a read-only member, XmlData, a customized class."""
    assert cls.__orig__ is None and cls.Attributes._xml_tag_body_as is None
    for name, member_type in cls.get_flat_type_info(cls).items():
        assert member_type.Attributes.default is None, name
        assert not member_type.Attributes.read_only, name


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
def test_an_instance_is_the_one_spyne_makes(cls):
    names = list(cls.get_flat_type_info(cls))
    given = {name: f"value {i}" for i, name in enumerate(names) if i % 2 == 0}
    spynes = cls.__new__(cls)
    ComplexModel.__init__(spynes, **given)
    ours = cls(**given)
    assert vars(ours) == vars(spynes)
    assert list(vars(ours)) == names


def test_a_member_that_does_not_exist_is_refused():
    with pytest.raises(TypeError, match="has no member colour"):
        catalog.Category(code="kopi", colour="brown")
