"""Member.getMemberHistory and Catalog.getProductHistory over SOAP: each change with who made it (the member
registering and activating, the operator's admin suspending and reinstating; the seller listing, the admin
withdrawing), for whom they are for and no one else."""
from __future__ import annotations

from tests.e2e.catalog import Member, fixed_form, new_member, new_shop
from tests.e2e.members import login
from tests.e2e.soap import detail_code, fault_code, fault_of


def test_an_admin_reads_a_members_history_naming_who_made_each_change(server, mailbox):
    shop = new_shop(server)
    member = new_member(server, mailbox)
    admin, auth = shop.admin.service(server, "Member")
    admin.suspendMember(username=member.username, reason="laporan spam", **auth)
    admin.reinstateMember(username=member.username, **auth)
    changes = admin.getMemberHistory(username=member.username, **auth)
    assert [(c.fromStatus, c.toStatus, c.actor) for c in changes] == [
        (None, "PENDING", f"member:{member.username}"), ("PENDING", "ACTIVE", f"member:{member.username}"),
        ("ACTIVE", "SUSPENDED", f"admin:{shop.admin.username}"),
        ("SUSPENDED", "ACTIVE", f"admin:{shop.admin.username}")]
    assert changes[2].reason == "laporan spam"
    member = Member(member.username, login(server, member.username))  # the suspension ended its session
    mine, member_auth = member.service(server, "Member")
    fault = fault_of(mine.getMemberHistory, username=member.username, **member_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "ROLE_REQUIRED")
    assert detail_code(fault_of(admin.getMemberHistory, username="tidak_ada", **auth)) == "UNKNOWN_MEMBER"


def test_a_products_history_is_its_sellers_and_the_admins(server, mailbox):
    shop = new_shop(server)
    seller, other = new_member(server, mailbox, seller=True), new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(shop.category), **auth).productId
    admin, admin_auth = shop.admin.service(server, "Catalog")
    admin.withdrawProduct(productId=product, reason="foto menyesatkan", **admin_auth)
    for reader, reader_auth in ((catalog, auth), (admin, admin_auth)):
        changes = reader.getProductHistory(productId=product, **reader_auth)
        assert [(c.fromStatus, c.toStatus, c.actor, c.reason) for c in changes] == [
            (None, "ACTIVE", f"member:{seller.username}", "listed"),
            ("ACTIVE", "WITHDRAWN", f"admin:{shop.admin.username}", "foto menyesatkan")]
    theirs, other_auth = other.service(server, "Catalog")
    fault = fault_of(theirs.getProductHistory, productId=product, **other_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authorization", "NOT_OWNER")
