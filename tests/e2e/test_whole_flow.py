"""The paper's whole flow over SOAP, against the real server and its partner sandboxes, with the
notification of every step checked where people get it (email in the SMTP mailbox, SMS at the gateway):
register (seller by NIK, buyer without), list a product at a fixed price and one by auction, bid and be
outbid, fill the cart and check out (invoice by email), pay by transfer (the bank mutation pays it),
ship with a waybill, track the courier's steps to delivery, confirm receipt, and find it all in the
purchase and sales reports, whose waybill leads back to the tracking."""
from tests.e2e.flows import whole_flow


def test_register_list_bid_buy_pay_ship_track_report(server, mailbox):
    whole_flow(server, mailbox)
