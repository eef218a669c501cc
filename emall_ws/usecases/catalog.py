"""The Catalog service's use cases: categories, search and product pages for anyone; listings for sellers."""
from __future__ import annotations

from sqlalchemy.orm import Session

from emall_ws.domain.catalog import ProductForm, SearchFilters
from emall_ws.services import catalog, catalog_search
from emall_ws.domain.members import ADMIN, SELLER
from emall_ws.services.auth import Credentials
from emall_ws.services.catalog import CategoryView, ProductView
from emall_ws.services.status import HistoryEntry
from emall_ws.usecases import UseCases


class CatalogUseCases(UseCases):
    def categories_version(self) -> tuple[int, int | None]:
        return self.read(catalog.categories_version)

    def list_categories(self) -> list[CategoryView]:
        return self.read(catalog.list_categories)

    def create_category(self, credentials: Credentials, code: str | None, name: str | None) -> CategoryView:
        def work(session: Session) -> CategoryView:
            self.caller(session, credentials, ADMIN)  # the service itself takes no caller
            return catalog.create_category(session, code, name, self.now(), self.platform.catalog_policy)

        return self.transaction(work)

    def search_products(self, filters: SearchFilters) -> catalog_search.ProductPage:
        return self.read(lambda session: catalog_search.search_products(
            session, filters, self.platform.regions, self.now(), self.platform.catalog_policy))

    def get_product(self, product_id: int | None) -> ProductView:
        return self.read(lambda session: catalog.get_product(session, product_id, self.now()))

    def sell_product(self, credentials: Credentials, form: ProductForm) -> ProductView:
        return self.transaction(lambda session: catalog.sell_product(
            session, self.caller(session, credentials, SELLER), form, self.now(), self.platform.catalog_policy))

    def update_product(self, credentials: Credentials, product_id: int | None, changes: ProductForm) -> ProductView:
        return self.transaction(lambda session: catalog.update_product(
            session, self.caller(session, credentials, SELLER), product_id, changes, self.now(),
            self.platform.catalog_policy))

    def product_history(self, credentials: Credentials, product_id: int | None) -> list[HistoryEntry]:
        return self.transaction(lambda session: catalog.product_history(
            session, self.caller(session, credentials, SELLER, ADMIN), product_id))

    def withdraw_product(self, credentials: Credentials, product_id: int | None, reason: str | None) -> ProductView:
        return self.transaction(lambda session: catalog.withdraw_product(
            session, self.caller(session, credentials, SELLER, ADMIN), product_id, reason, self.now(),
            self.platform.catalog_policy))
