"""The Checkout service's use cases."""
from __future__ import annotations

from emall_ws.usecases import UseCases


class CheckoutUseCases(UseCases):
    pass
