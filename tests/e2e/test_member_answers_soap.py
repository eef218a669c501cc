"""One answer for members and strangers wherever the caller has not proven who they are (issue 22), over
SOAP: resendActivation too soon, resetPassword with a guess at an expired code, requestPasswordReset;
each pair answered identically, and nothing changed by the refusals."""
from datetime import timedelta

from sqlalchemy import select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import Member, VerificationCode
from tests.e2e.members import PASSWORD, form, login, register_and_activate
from tests.e2e.soap import client, detail_code, fault_code, fault_of, field_errors, unique
from tests.e2e.toolkits import newest_code
from tests.waiting import after_the_worker_ran


def answer(fault) -> tuple:
    return fault_code(fault), fault.message, detail_code(fault), field_errors(fault)


def codes_of(server, username: str) -> list[tuple]:
    with server.database() as db, db.unit_of_work() as session:
        return session.execute(select(VerificationCode.purpose, VerificationCode.code_hash, VerificationCode.expires_at)
                               .join(Member, Member.id == VerificationCode.member_id)
                               .where(Member.username == username).order_by(VerificationCode.id)).all()


def test_resend_activation_too_soon_answers_as_for_an_unknown_name_and_sends_nothing(server, mailbox):
    values = form()
    member = client(server, "Member").service
    member.register(form=values)
    mailbox.code_for(values["email"])
    before = codes_of(server, values["username"])
    pending, nobody = (member.resendActivation(username=name) for name in (values["username"], unique("nobody")))
    assert abs(pending - nobody) < timedelta(seconds=2) and pending.utcoffset() == nobody.utcoffset()
    with server.database() as db:
        after_the_worker_ran(db, "dispatch-notifications")  # a code would have been mailed by now
    assert len(mailbox.to(values["email"])) == 1 and codes_of(server, values["username"]) == before


def test_a_guess_at_an_expired_reset_code_answers_as_for_an_unknown_name(server, mailbox):
    values = register_and_activate(server, mailbox, form())
    activation = mailbox.code_for(values["email"])
    member = client(server, "Member").service
    assert member.requestPasswordReset(usernameOrEmail=values["username"]) \
        == member.requestPasswordReset(usernameOrEmail=unique("nobody"))
    code = newest_code(mailbox, values["email"], besides=activation)
    with server.database() as db, db.unit_of_work() as session:  # the code's 30 minutes pass
        session.execute(update(VerificationCode).where(VerificationCode.purpose == "PASSWORD_RESET",
                                                       VerificationCode.member_id == select(Member.id).where(
                                                           Member.username == values["username"]).scalar_subquery())
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    before = codes_of(server, values["username"])
    guess = "999999" if code != "999999" else "111111"
    refusals = [answer(fault_of(member.resetPassword, username=name, code=guess, newPassword="baru12345678"))
                for name in (values["username"], unique("nobody"))]
    assert refusals[0] == refusals[1] and refusals[0][3]["code"][0] == "CODE_WRONG"
    # whoever holds the code learns that it expired
    held = fault_of(member.resetPassword, username=values["username"], code=code, newPassword="baru12345678")
    assert field_errors(held)["code"][0] == "CODE_EXPIRED"
    assert codes_of(server, values["username"]) == before and login(server, values["username"], PASSWORD)
