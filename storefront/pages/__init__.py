"""The storefront's pages, a module for each part of the shop; ROUTES is every page's route."""
from __future__ import annotations

from storefront.pages import account, admin, auctions, buying, catalog, complaints, orders, reports, seller, static
from storefront.web import Route

ROUTES: list[Route] = [*catalog.ROUTES, *account.ROUTES, *buying.ROUTES, *auctions.ROUTES, *orders.ROUTES,
                       *complaints.ROUTES, *seller.ROUTES, *reports.ROUTES, *admin.ROUTES, *static.ROUTES]
