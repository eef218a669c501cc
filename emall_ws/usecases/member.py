"""The Member service's use cases: registration and activation, sessions, password reset, moderation."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from emall_ws.domain.members import ADMIN, SELLER, RegistrationForm
from emall_ws.logs import security_event
from emall_ws.domain.errors import NotAuthorized
from emall_ws.services import addresses, api_keys, auth, members, seller_verification
from emall_ws.services.addresses import AddressView
from emall_ws.services.auth import Credentials, Principal
from emall_ws.services.api_keys import ApiKeyView
from emall_ws.services.members import MemberView, RegisterResult
from emall_ws.services.seller_verification import VerificationView
from emall_ws.services.status import HistoryEntry
from emall_ws.usecases import UseCases


class MemberUseCases(UseCases):
    def register(self, form: RegistrationForm, client: str) -> RegisterResult:
        return self.transaction(lambda session: members.register(
            session, form, self.platform.regions, self.platform.passwords, self.now(),
            self.platform.member_policy, client=client))

    def activate(self, username: str, code: str) -> MemberView:
        return self.transaction(lambda session: members.activate(
            session, username, code, self.now(), self.platform.member_policy))

    def resend_activation(self, username: str, client: str) -> datetime:
        return self.transaction(lambda session: members.resend_activation(
            session, username, self.now(), self.platform.member_policy, client=client))

    def login(self, username: str, password: str) -> tuple[str, datetime, Principal]:
        return self.transaction(lambda session: auth.login(
            session, username, password, self.platform.passwords, self.now(), self.platform.auth_policy))

    def logout(self, credentials: Credentials) -> None:
        def work(session: Session) -> None:
            self.caller(session, credentials)
            auth.logout(session, credentials.token or "", self.now())

        self.transaction(work)

    def profile(self, credentials: Credentials) -> MemberView:
        return self.transaction(lambda session: members.profile(session, self.caller(session, credentials)))

    def update_profile(self, credentials: Credentials, province: str | None, city: str | None,
                       address: str | None, name: str | None) -> MemberView:
        return self.transaction(lambda session: members.update_profile(
            session, self.caller(session, credentials), province, city, address, name, self.platform.regions))

    def list_addresses(self, credentials: Credentials) -> list[AddressView]:
        return self.transaction(lambda session: addresses.list_addresses(session, self.caller(session, credentials)))

    def save_address(self, credentials: Credentials, address_id: int | None, label: str | None, name: str | None,
                     address: str | None, province: str | None, city: str | None) -> AddressView:
        return self.transaction(lambda session: addresses.save_address(
            session, self.caller(session, credentials), address_id, label, name, address, province, city,
            self.platform.regions, self.now()))

    def delete_address(self, credentials: Credentials, address_id: int | None) -> list[AddressView]:
        return self.transaction(lambda session: addresses.delete_address(
            session, self.caller(session, credentials), address_id))

    def request_phone_change(self, credentials: Credentials, phone: str | None) -> datetime:
        return self.transaction(lambda session: members.request_phone_change(
            session, self.caller(session, credentials), phone, self.now(), self.platform.member_policy))

    def confirm_phone_change(self, credentials: Credentials, code: str) -> MemberView:
        return self.transaction(lambda session: members.confirm_phone_change(
            session, self.caller(session, credentials), code, self.now(), self.platform.member_policy))

    def change_password(self, credentials: Credentials, current_password: str, new_password: str) -> int:
        def work(session: Session) -> tuple[str, int]:
            principal = self.caller(session, credentials)
            return principal.username, members.change_password(
                session, principal, credentials.token, current_password, new_password, self.platform.passwords,
                self.now(), self.platform.auth_policy)

        username, ended = self.transaction(work)
        security_event("password_changed", logging.INFO, username=username, sessions_ended=ended)  # once committed
        return ended

    def change_payout_account(self, credentials: Credentials, password: str, bank_code: str | None,
                              account_number: str | None, account_holder: str | None) -> MemberView:
        view = self.transaction(lambda session: members.change_payout_account(
            session, self.caller(session, credentials, SELLER), password, bank_code, account_number,
            account_holder, self.platform.passwords, self.now(), self.platform.auth_policy))
        security_event("payout_account_changed", logging.INFO, username=view.username)
        return view

    def create_api_key(self, credentials: Credentials, label: str | None) -> tuple[ApiKeyView, str]:
        view, secret = self.transaction(lambda session: api_keys.create(
            session, self.caller(session, credentials), label, self.platform.secret_box, self.now()))
        security_event("api_key_created", logging.INFO, api_key=view.key_id)  # once committed
        return view, secret

    def list_api_keys(self, credentials: Credentials) -> list[ApiKeyView]:
        return self.transaction(lambda session: api_keys.list_keys(session, self.caller(session, credentials)))

    def revoke_api_key(self, credentials: Credentials, key_id: str) -> ApiKeyView:
        view = self.transaction(lambda session: api_keys.revoke(
            session, self.caller(session, credentials), key_id, self.now()))
        security_event("api_key_revoked", logging.INFO, api_key=view.key_id)
        return view

    def request_password_reset(self, username_or_email: str, client: str) -> None:
        self.transaction(lambda session: members.request_password_reset(
            session, username_or_email, self.now(), self.platform.member_policy, client=client))

    def reset_password(self, username: str, code: str, new_password: str) -> None:
        self.transaction(lambda session: members.reset_password(
            session, username, code, new_password, self.platform.passwords, self.now(),
            self.platform.member_policy))

    def list_members(self, credentials: Credentials, status: str | None, role: str | None, page: int,
                     page_size: int) -> tuple[list[MemberView], int]:
        def work(session: Session) -> tuple[list[MemberView], int]:
            self.caller(session, credentials, ADMIN)
            return members.list_members(session, status, role, page, page_size, self.platform.member_policy)

        return self.transaction(work)

    def suspend(self, credentials: Credentials, username: str, reason: str) -> MemberView:
        view = self.transaction(lambda session: members.suspend(
            session, self.caller(session, credentials, ADMIN), username, reason, self.now()))
        security_event("member_suspended", logging.INFO, username=view.username)  # once committed
        return view

    def member_history(self, credentials: Credentials, username: str) -> list[HistoryEntry]:
        def work(session: Session) -> list[HistoryEntry]:
            self.caller(session, credentials, ADMIN)
            return members.member_history(session, username)

        return self.transaction(work)

    def reinstate(self, credentials: Credentials, username: str) -> MemberView:
        view = self.transaction(lambda session: members.reinstate(
            session, self.caller(session, credentials, ADMIN), username, self.now()))
        security_event("member_reinstated", logging.INFO, username=view.username)
        return view

    def seller_verification(self, credentials: Credentials, username: str | None
                            ) -> tuple[VerificationView, list[HistoryEntry]]:
        """A seller's own verification, or any seller's for an admin; with its changes."""
        def work(session: Session) -> tuple[VerificationView, list[HistoryEntry]]:
            principal = self.caller(session, credentials, SELLER, ADMIN)
            wanted = (username or "").strip() or principal.username
            if principal.role != ADMIN and wanted.lower() != principal.username.lower():
                raise NotAuthorized("NOT_OWNER")
            return (seller_verification.verification_of(session, wanted),
                    seller_verification.history(session, wanted))

        return self.transaction(work)

    def list_seller_verifications(self, credentials: Credentials, status: str | None, page: int,
                                  page_size: int) -> tuple[list[VerificationView], int]:
        def work(session: Session) -> tuple[list[VerificationView], int]:
            self.caller(session, credentials, ADMIN)
            return seller_verification.list_verifications(session, status, page, page_size)

        return self.transaction(work)

    def reverify_seller(self, credentials: Credentials, username: str) -> VerificationView:
        return self.transaction(lambda session: seller_verification.rerun(
            session, self.caller(session, credentials, ADMIN), username, self.now()))

    def override_seller_verification(self, credentials: Credentials, username: str, status: str,
                                     reason: str | None) -> VerificationView:
        view = self.transaction(lambda session: seller_verification.override(
            session, self.caller(session, credentials, ADMIN), username, status, reason, self.now()))
        security_event("seller_verification_overridden", logging.INFO, username=view.username, status=view.status)
        return view
