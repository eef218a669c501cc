"""Payment service: confirmation by the payee accounts' mutations, with nobody checking internet banking."""
from __future__ import annotations

from spyne import Array, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.domain import pipelines
from emall_ws.services import payments
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.partner_bound import partner_bound
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Payment"
DESCRIPTION = "Konfirmasi pembayaran otomatis dari mutasi rekening (BCA, Mandiri, BNI, BRI)"
TNS = namespace_of(NAME)
InvoiceStatus = code_type("InvoiceStatus", TNS)
MatchStatus = code_type("MatchStatus", TNS)
HeldMatchStatus = code_type("HeldMatchStatus", TNS)
# both calls on one invoice find it first: a missing invoiceNumber is the schema's fault, naming it
InvoiceNumber = required(Unicode(max_len=40))
PAID_WORD: dict[str, str] = {  # the invoice status as the paper writes it
    pipelines.InvoiceStatus.PAID: "LUNAS", pipelines.InvoiceStatus.UNPAID: "BELUM DIBAYAR",
    pipelines.InvoiceStatus.EXPIRED: "KEDALUWARSA", pipelines.InvoiceStatus.CANCELLED: "DIBATALKAN"}


class _Type(Model):
    __namespace__ = TNS


class BankMutation(_Type):
    """A mutation as read from the payee account; matchStatus says what it did (PAID, NO_MATCH ...)."""
    bank = required(Unicode)
    accountNumber = required(Unicode)
    mutationId = required(Unicode)
    postedAt = required(DateTime)
    type = required(Unicode)
    amount = required(Long)
    description = required(Unicode)
    matchStatus = required(MatchStatus)
    note = required(Unicode)
    readAt = required(DateTime)


class PaymentStatus(_Type):
    """An invoice's payment: PAID ("LUNAS") with the mutation that paid it, or what was checked."""
    invoiceNumber = required(Unicode)
    status = required(InvoiceStatus)
    statusText = required(Unicode)
    amountDue = required(Long)
    payeeBank = required(Unicode)
    payeeAccount = required(Unicode)
    dueAt = required(DateTime)
    paidAt = DateTime
    mutation = BankMutation
    checkedFrom = DateTime
    checkedTo = DateTime
    mutationsRead = Integer32
    lastCheckedAt = DateTime
    lastError = Unicode


class MutationPage(_Type):
    """One page of held credits, newest first; total counts every one."""
    total = required(Integer32)
    page = required(Integer32)
    pageSize = required(Integer32)
    mutations = Array(BankMutation)


class ReconcileResult(_Type):
    """One reconciliation round: accounts read, mutations read and new, invoices paid, credits held."""
    accountsRead = required(Integer32)
    accountsSkipped = required(Integer32)
    mutationsRead = required(Integer32)
    mutationsRecorded = required(Integer32)
    invoicesPaid = Array(Unicode(type_name="invoiceNumber"))
    creditsHeld = required(Integer32)
    failures = Array(Unicode(type_name="failure"))


def _mutation(view: payments.MutationView | None) -> BankMutation | None:
    if view is None:
        return None
    return BankMutation(bank=view.bank, accountNumber=view.account_number, mutationId=view.mutation_id,
                        postedAt=to_wib(view.posted_at), type=view.type, amount=view.amount,
                        description=view.description, matchStatus=view.match_status, note=view.note,
                        readAt=to_wib(view.read_at))


def _status(view: payments.PaymentView) -> PaymentStatus:
    return PaymentStatus(
        invoiceNumber=view.invoice_number, status=view.status, statusText=PAID_WORD.get(view.status, view.status),
        amountDue=view.amount_due, payeeBank=view.payee_bank, payeeAccount=view.payee_account,
        dueAt=to_wib(view.due_at), paidAt=to_wib(view.paid_at), mutation=_mutation(view.mutation),
        checkedFrom=to_wib(view.checked_from), checkedTo=to_wib(view.checked_to), mutationsRead=view.mutations_read,
        lastCheckedAt=to_wib(view.last_checked_at), lastError=view.last_error or None)


class PaymentService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(InvoiceNumber, _returns=PaymentStatus, _out_variable_name="payment")
    @partner_bound
    def confirmPayment(ctx, invoiceNumber):
        """Reads the payee account's mutations now and answers PAID with the mutation, or UNPAID; the
        invoice's buyer, payee or an admin. Server.PartnerUnavailable (BANK_UNAVAILABLE), Client.NotFound."""
        return _status(platform_of(ctx).payment.confirm_payment(credentials_of(ctx), invoiceNumber))

    @rpc(InvoiceNumber, _returns=PaymentStatus, _out_variable_name="payment")
    def getPaymentStatus(ctx, invoiceNumber):
        """The invoice's payment status as last read, without calling the bank; the invoice's buyer, payee
        or an admin. Client.NotFound (INVOICE_NOT_FOUND, someone else's invoice too)."""
        return _status(platform_of(ctx).payment.get_payment_status(credentials_of(ctx), invoiceNumber))

    @rpc(HeldMatchStatus, Integer32, Integer32, _returns=MutationPage, _out_variable_name="result")
    def listUnmatchedMutations(ctx, status, page, pageSize):
        """Admins: credits that paid no invoice (NO_MATCH, AMBIGUOUS, LATE, CLOSED), newest first.
        Client.Authorization for anyone else; Client.Validation for a bad page."""
        held = platform_of(ctx).payment.list_unmatched_mutations(credentials_of(ctx), status, page, pageSize)
        return MutationPage(total=held.total, page=held.page, pageSize=held.page_size,
                            mutations=[_mutation(v) for v in held.mutations])

    @rpc(_returns=ReconcileResult, _out_variable_name="result")
    @partner_bound
    def reconcileNow(ctx):
        """Admins: reads every payee account with open invoices now, as the worker does on its own.
        Client.Authorization for anyone else; a bank that is down is read again next round."""
        report = platform_of(ctx).payment.reconcile_now(credentials_of(ctx))
        outcome = report.outcome
        return ReconcileResult(accountsRead=report.accounts, accountsSkipped=report.skipped,
                               mutationsRead=outcome.read, mutationsRecorded=outcome.recorded,
                               invoicesPaid=outcome.paid, creditsHeld=outcome.held, failures=report.failures)
