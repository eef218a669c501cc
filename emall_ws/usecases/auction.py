"""The Auction service's use cases."""
from __future__ import annotations

from emall_ws.usecases import UseCases


class AuctionUseCases(UseCases):
    pass
