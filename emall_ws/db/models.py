"""SQLAlchemy 2 models: the single source of the schema (schema.sql is generated from them)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

KEY = String(255)  # UDDI keys, e.g. uddi:emall-kukm:service:member


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    __table_args__ = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                      "mysql_collate": "utf8mb4_unicode_ci"}


# --- Registry (UDDI v3 data model, in small) -------------------------------------------

class RegistryBusiness(Base):
    """A UDDI businessEntity: the mall's operator, or a partner organisation."""
    __tablename__ = "registry_business"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")

    services: Mapped[list[RegistryService]] = relationship(
        back_populates="business", order_by="RegistryService.name")


class RegistryTModel(Base):
    """A UDDI tModel: the technical contract (its WSDL) a binding implements."""
    __tablename__ = "registry_tmodel"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    overview_url: Mapped[str] = mapped_column(String(1000))


class RegistryService(Base):
    """A UDDI businessService."""
    __tablename__ = "registry_service"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    business_key: Mapped[str] = mapped_column(ForeignKey(RegistryBusiness.key), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    category: Mapped[str] = mapped_column(String(50), index=True)

    business: Mapped[RegistryBusiness] = relationship(back_populates="services")
    bindings: Mapped[list[RegistryBinding]] = relationship(
        back_populates="service", order_by="RegistryBinding.key")


class RegistryBinding(Base):
    """A UDDI bindingTemplate: where a service is reached, and by which contract."""
    __tablename__ = "registry_binding"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    service_key: Mapped[str] = mapped_column(ForeignKey(RegistryService.key), index=True)
    tmodel_key: Mapped[str] = mapped_column(ForeignKey(RegistryTModel.key), index=True)
    access_point: Mapped[str] = mapped_column(String(1000))

    service: Mapped[RegistryService] = relationship(back_populates="bindings")
    tmodel: Mapped[RegistryTModel] = relationship()
