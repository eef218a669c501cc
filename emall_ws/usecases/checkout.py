"""The Checkout service's use cases: shipping quotes (the couriers asked outside any transaction),
checkout into one order and invoice per seller, and the invoices."""
from __future__ import annotations

from emall_ws.services import checkout, invoices, quoting
from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.services.auth import SHOPPERS, Credentials
from emall_ws.services.invoices import InvoiceView
from emall_ws.services.quoting import Choice, Quotation, ShipTo
from emall_ws.usecases import UseCases


class CheckoutUseCases(UseCases):
    def quote_shipping(self, credentials: Credentials, ship_to: ShipTo | None) -> Quotation:
        buyer = self.identified(credentials, *SHOPPERS)
        return quoting.quote_shipping(self.platform.db, buyer, ship_to, self.platform.adapters("courier"),
                                      self.platform.regions, self.now(), self.platform.checkout_policy)

    def quote_auction_shipping(self, credentials: Credentials, product_id: int | None,
                               ship_to: ShipTo | None) -> Quotation:
        buyer = self.identified(credentials, *SHOPPERS)
        return quoting.quote_auction_shipping(self.platform.db, buyer, product_id, ship_to,
                                              self.platform.adapters("courier"), self.platform.regions, self.now(),
                                              self.platform.checkout_policy)

    def checkout(self, credentials: Credentials, choices: list[Choice], ship_to: ShipTo | None) -> list[InvoiceView]:
        buyer = self.identified(credentials, *SHOPPERS)
        return checkout.run_checkout(self.platform.db, buyer, choices, ship_to, self.platform.regions, self.now(),
                                     self.platform.checkout_policy)

    def checkout_auction(self, credentials: Credentials, product_id: int | None, choice: Choice,
                         ship_to: ShipTo | None) -> InvoiceView:
        buyer = self.identified(credentials, *SHOPPERS)
        return checkout.run_auction_checkout(self.platform.db, buyer, product_id, choice, ship_to,
                                             self.platform.regions, self.now(), self.platform.checkout_policy)

    def get_invoice(self, credentials: Credentials, number: str | None) -> InvoiceView:
        return self.transaction(lambda session: invoices.get_invoice(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number))

    def list_invoices(self, credentials: Credentials, status: str | None) -> list[InvoiceView]:
        return self.transaction(lambda session: invoices.list_invoices(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), status))

    def cancel_invoice(self, credentials: Credentials, number: str | None) -> InvoiceView:
        return self.transaction(lambda session: invoices.cancel_invoice(
            session, self.caller(session, credentials, *SHOPPERS), number, self.now(),
            self.platform.second_chance_policy))
