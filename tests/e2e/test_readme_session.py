"""The README's first call is real: its zeep session, run as printed against the live server, logs a buyer
in, checks out the newest fixed-price product that "kopi" finds, and reads the fault of a second checkout."""
import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.e2e.catalog import ADMIN_PASSWORD, Member, create_admin, fixed_form, new_category, new_member
from tests.e2e.members import PASSWORD, login

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
# the one line of the session a reader changes: where the platform is, and whose account
ACCOUNT_LINE = re.compile(r'^URL, USERNAME, PASSWORD = "[^"]*", "[^"]*", "[^"]*"(  #.*)?$', re.MULTILINE)


def readme_session() -> str:
    [session] = re.findall(r"^```python\n(.*?)^```$", README.read_text(), re.MULTILINE | re.DOTALL)
    return session


def run(session: str, url: str, username: str, password: str) -> str:
    """What the session prints, with the server's address and a buyer's account in place of the README's."""
    source, replaced = ACCOUNT_LINE.subn(f"URL, USERNAME, PASSWORD = {url!r}, {username!r}, {password!r}",
                                        session)
    assert replaced == 1, "the README's session no longer names URL, USERNAME, PASSWORD on one line"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, str(README), "exec"), {"__name__": "readme_session"})
    return printed.getvalue()


def test_the_readme_session_checks_out_and_reads_a_fault(server, mailbox):
    admin_name = create_admin(server)
    admin = Member(admin_name, login(server, admin_name, ADMIN_PASSWORD))
    seller = new_member(server, mailbox, seller=True, accountNumber="5550004242")
    catalog, auth = seller.service(server, "Catalog")
    form = fixed_form(new_category(server, admin), name="Kopi Arabika Gayo 250 g", price=85_000, stock=5)
    product_id = catalog.sellProduct(form=form, **auth).productId
    buyer = new_member(server, mailbox)

    printed = run(readme_session(), server.url, buyer.username, PASSWORD).splitlines()

    checkout, auth = buyer.service(server, "Checkout")
    [invoice] = checkout.listInvoices(**auth)
    assert [line.productId for line in invoice.lines.InvoiceLine] == [product_id]
    assert (invoice.seller, invoice.goodsTotal) == (seller.username, 85_000)
    assert printed[0] == f"{invoice.invoiceNumber} transfer {invoice.amountDue} to {invoice.payeeBank} 5550004242"
    faultcode, code, _message = printed[1].split(" ", 2)
    assert (faultcode.split(":")[-1], code) == ("Client.InvalidState", "CART_EMPTY")
    assert len(printed) == 2, printed
