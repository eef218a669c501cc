"""The Registry service's use cases: the platform's services published, and the UDDI v3 inquiry."""
from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from sqlalchemy.orm import Session

from emall_ws.domain.registry import ServiceEntry
from emall_ws.services import registry
from emall_ws.services.registry import BindingView, BusinessView, ServiceView, TModelView
from emall_ws.usecases import UseCases

T = TypeVar("T")


class RegistryUseCases(UseCases):
    def publish(self, entries: Sequence[ServiceEntry]) -> None:
        """Publishes (or republishes) every entry, together."""
        def work(session: Session) -> None:
            for entry in entries:
                registry.publish(session, entry)

        self.transaction(work)

    def _read(self, inquiry: Callable[..., T], *args: str | None) -> T:
        return self.transaction(lambda session: inquiry(session, *args))

    def find_business(self, name: str | None) -> list[BusinessView]:
        return self._read(registry.find_business, name)

    def find_service(self, name: str | None = None, category: str | None = None,
                     business_key: str | None = None) -> list[ServiceView]:
        return self._read(registry.find_service, name, category, business_key)

    def find_binding(self, service_key: str) -> list[BindingView]:
        return self._read(registry.find_binding, service_key)

    def find_tmodel(self, name: str | None) -> list[TModelView]:
        return self._read(registry.find_tmodel, name)

    def get_business(self, key: str) -> BusinessView:
        return self._read(registry.get_business, key)

    def get_service(self, key: str) -> ServiceView:
        return self._read(registry.get_service, key)

    def get_binding(self, key: str) -> BindingView:
        return self._read(registry.get_binding, key)

    def get_tmodel(self, key: str) -> TModelView:
        return self._read(registry.get_tmodel, key)
