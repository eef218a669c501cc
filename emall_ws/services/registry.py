"""Registry use cases: publication of services and the UDDI v3 inquiry subset."""
from __future__ import annotations

from dataclasses import dataclass

from typing import TypeVar

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from emall_ws.db.models import Base, RegistryBinding, RegistryBusiness, RegistryService, RegistryTModel
from emall_ws.domain.errors import NotFound
from emall_ws.domain.registry import ServiceEntry, like_pattern


@dataclass(frozen=True)
class TModelView:
    key: str
    name: str
    description: str
    overview_url: str


@dataclass(frozen=True)
class BindingView:
    key: str
    service_key: str
    access_point: str
    tmodel: TModelView


@dataclass(frozen=True)
class ServiceView:
    key: str
    business_key: str
    name: str
    description: str
    category: str
    bindings: tuple[BindingView, ...]


@dataclass(frozen=True)
class BusinessView:
    key: str
    name: str
    description: str
    services: tuple[ServiceView, ...]


def publish(session: Session, entry: ServiceEntry) -> None:
    """Publishes (or republishes) one service with its business, binding and WSDL tModel."""
    business = entry.business
    session.merge(RegistryBusiness(key=business.key, name=business.name,
                                   description=business.description))
    session.merge(RegistryTModel(key=entry.tmodel_key, name=f"{entry.name} WSDL",
                                 description=f"WSDL 1.1 / SOAP 1.1 contract of {entry.name}",
                                 overview_url=entry.wsdl_url))
    session.merge(RegistryService(key=entry.service_key, business_key=business.key,
                                  name=entry.name, description=entry.description,
                                  category=entry.category))
    session.merge(RegistryBinding(key=entry.binding_key, service_key=entry.service_key,
                                  tmodel_key=entry.tmodel_key, access_point=entry.access_point))


# --- views ------------------------------------------------------------------------------

def _tmodel_view(t: RegistryTModel) -> TModelView:
    return TModelView(t.key, t.name, t.description, t.overview_url)


def _binding_view(b: RegistryBinding) -> BindingView:
    return BindingView(b.key, b.service_key, b.access_point, _tmodel_view(b.tmodel))


def _service_view(s: RegistryService) -> ServiceView:
    return ServiceView(s.key, s.business_key, s.name, s.description, s.category,
                       tuple(_binding_view(b) for b in s.bindings))


def _business_view(b: RegistryBusiness) -> BusinessView:
    return BusinessView(b.key, b.name, b.description, tuple(_service_view(s) for s in b.services))


_SERVICE_TREE = (selectinload(RegistryService.bindings).selectinload(RegistryBinding.tmodel),)
_BUSINESS_TREE = (selectinload(RegistryBusiness.services).selectinload(RegistryService.bindings)
                  .selectinload(RegistryBinding.tmodel),)


def _name_matches(column: InstrumentedAttribute[str], name: str | None) -> ColumnElement[bool]:
    if not name:
        return true()
    return func.lower(column).like(like_pattern(name.lower()), escape="\\")


# --- inquiry ----------------------------------------------------------------------------

def find_business(session: Session, name: str | None = None) -> list[BusinessView]:
    query = (select(RegistryBusiness).where(_name_matches(RegistryBusiness.name, name))
             .options(*_BUSINESS_TREE).order_by(RegistryBusiness.name))
    return [_business_view(b) for b in session.scalars(query)]


def find_service(session: Session, name: str | None = None, category: str | None = None,
                 business_key: str | None = None) -> list[ServiceView]:
    query = select(RegistryService).where(_name_matches(RegistryService.name, name))
    if category:
        query = query.where(RegistryService.category == category)
    if business_key:
        query = query.where(RegistryService.business_key == business_key)
    query = query.options(*_SERVICE_TREE).order_by(RegistryService.category, RegistryService.name)
    return [_service_view(s) for s in session.scalars(query)]


def find_binding(session: Session, service_key: str) -> list[BindingView]:
    return list(get_service(session, service_key).bindings)


def find_tmodel(session: Session, name: str | None = None) -> list[TModelView]:
    query = (select(RegistryTModel).where(_name_matches(RegistryTModel.name, name))
             .order_by(RegistryTModel.name))
    return [_tmodel_view(t) for t in session.scalars(query)]


_Row = TypeVar("_Row", bound=Base)


def _get(session: Session, model: type[_Row], key: str, *options: ORMOption) -> _Row:
    found = session.get(model, key, options=options) if key else None
    if found is None:
        raise NotFound("UNKNOWN_KEY", key=key or "")
    return found


def get_business(session: Session, key: str) -> BusinessView:
    return _business_view(_get(session, RegistryBusiness, key, *_BUSINESS_TREE))


def get_service(session: Session, key: str) -> ServiceView:
    return _service_view(_get(session, RegistryService, key, *_SERVICE_TREE))


def get_binding(session: Session, key: str) -> BindingView:
    return _binding_view(_get(session, RegistryBinding, key, selectinload(RegistryBinding.tmodel)))


def get_tmodel(session: Session, key: str) -> TModelView:
    return _tmodel_view(_get(session, RegistryTModel, key))
