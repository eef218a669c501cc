"""The Cart service's use cases: a shopper's cart, each change answered with the whole cart."""
from __future__ import annotations

from emall_ws.domain.cart import Cart
from emall_ws.services import cart
from emall_ws.services.auth import SHOPPERS, Credentials
from emall_ws.usecases import UseCases


class CartUseCases(UseCases):
    def add_item(self, credentials: Credentials, product_id: int | None, quantity: int | None) -> Cart:
        return self.transaction(lambda session: cart.add_item(
            session, self.caller(session, credentials, *SHOPPERS), product_id, quantity, self.now(),
            self.platform.cart_policy))

    def update_item(self, credentials: Credentials, product_id: int | None, quantity: int | None) -> Cart:
        return self.transaction(lambda session: cart.update_item(
            session, self.caller(session, credentials, *SHOPPERS), product_id, quantity, self.now(),
            self.platform.cart_policy))

    def remove_item(self, credentials: Credentials, product_id: int | None) -> Cart:
        return self.transaction(lambda session: cart.remove_item(
            session, self.caller(session, credentials, *SHOPPERS), product_id))

    def get_cart(self, credentials: Credentials) -> Cart:
        return self.transaction(lambda session: cart.get_cart(session, self.caller(session, credentials, *SHOPPERS)))

    def clear_cart(self, credentials: Credentials) -> Cart:
        return self.transaction(lambda session: cart.clear_cart(
            session, self.caller(session, credentials, *SHOPPERS)))
