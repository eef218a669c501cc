"""Member service: regions, registration with automatic activation, login, profile, moderation."""
from __future__ import annotations

from spyne import Array, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.domain.errors import FieldError, NotFound, ValidationFailed
from emall_ws.domain.members import RegistrationForm as Form
from emall_ws.messages import field_message
from emall_ws.services import members
from emall_ws.services.addresses import AddressView
from emall_ws.services.api_keys import ApiKeyView
from emall_ws.services.seller_verification import VerificationView
from emall_ws.soap.application import client_of, language_of, namespace_of, platform_of, replay_frozen
from emall_ws.soap.codes import code_type
from emall_ws.soap.history import status_change_type, status_changes
from emall_ws.soap.security import credentials_of, member_header
from emall_ws.soap.types import Model, required

NAME = "Member"
DESCRIPTION = ("Registrasi member dengan validasi dan aktivasi otomatis, login, profil; "
               "pembeli, penjual (NIK/NIB) dan admin")
TNS = namespace_of(NAME)
MemberStatus = code_type("MemberStatus", TNS)
Role = code_type("Role", TNS)
SESSION = member_header(TNS)  # declared by the operations that act for a member, only
StatusChange = status_change_type(TNS, MemberStatus)
VerificationStatus = code_type("VerificationStatus", TNS)
VerificationReasons = code_type("VerificationReason", TNS, max_occurs="unbounded")
VerificationChange = status_change_type(TNS, VerificationStatus, "VerificationChange")

Text = Unicode(max_len=1000, type_name="Text", __namespace__=TNS)  # generous: the rules check the real limits
Username = Unicode(max_len=100, type_name="UsernameText", __namespace__=TNS)
Secret = Unicode(max_len=200, type_name="Secret", __namespace__=TNS)
# required: each operation taking them checks one field at a time, so a missing one is the schema's
# Validation fault naming it (register's form stays all optional: its rules list every failing field)
RequiredUsername, RequiredSecret = required(Username), required(Secret)
Code = required(Unicode(max_len=20, type_name="CodeText", __namespace__=TNS))


class _Type(Model):
    __namespace__ = TNS


class Province(_Type):
    """A province: its Kemendagri code (what register and listCities take) and name."""
    code = required(Unicode)
    name = required(Unicode)


class City(_Type):
    """A regency or city: its Kemendagri code, its province's code and its name."""
    code = required(Unicode)
    provinceCode = required(Unicode)
    name = required(Unicode)


class RegistrationForm(_Type):
    """Every field is optional and unbounded in the schema (the request size limit bounds them) so
    that one fault lists every failing field, a missing one or an over-long one, by its own rule."""
    province = Unicode
    city = Unicode
    address = Unicode
    phone = Unicode
    name = Unicode
    username = Unicode
    password = Unicode
    email = Unicode
    nik = Unicode
    nib = Unicode
    bankCode = Unicode
    accountNumber = Unicode
    accountHolder = Unicode
    birthDate = Unicode  # YYYY-MM-DD: a seller with a NIK is verified with it at Dukcapil


class Notice(_Type):
    """A warning about a field that did not stop the registration: the field, a code, a message."""
    field = required(Unicode)
    code = required(Unicode)
    message = required(Unicode)


class RegisterResult(_Type):
    """The new member: role BUYER or SELLER, status PENDING until activate, and the code's expiry."""
    username = required(Unicode)
    role = required(Role)
    status = required(MemberStatus)
    activationExpiresAt = required(DateTime)
    warnings = Array(Notice)


class Profile(_Type):
    """A member's profile: NIK, NIB and account number masked; the bank fields a seller's payout account."""
    username = required(Unicode)
    name = required(Unicode)
    email = required(Unicode)
    phone = required(Unicode)
    provinceCode = required(Unicode)
    cityCode = required(Unicode)
    address = required(Unicode)
    role = required(Role)
    status = required(MemberStatus)
    nikMasked = Unicode
    nibMasked = Unicode
    bankCode = Unicode
    accountNumberMasked = Unicode
    accountHolder = Unicode
    createdAt = required(DateTime)
    activatedAt = DateTime


class LoginResult(_Type):
    """A session: the token for the SessionHeader of later calls, its expiry, and who it is."""
    token = required(Unicode)
    expiresAt = required(DateTime)
    username = required(Unicode)
    role = required(Role)


class ApiKey(_Type):
    """An API key: its id (the WS-Security Username), its label, when it was created and, once revoked, when."""
    keyId = required(Unicode)
    label = required(Unicode)
    createdAt = required(DateTime)
    revokedAt = DateTime


class NewApiKey(_Type):
    """A key just created, with its secret: the WS-Security password (PasswordText, or the secret a
    PasswordDigest is computed from). The secret is shown now only; keep it as you would a password."""
    key = required(ApiKey)
    secret = required(Unicode)


class Address(_Type):
    """An entry of the member's address book; quoteShipping and checkout ship to it by addressId."""
    addressId = required(Long)
    label = required(Unicode)
    name = required(Unicode)
    address = required(Unicode)
    provinceCode = required(Unicode)
    cityCode = required(Unicode)
    updatedAt = required(DateTime)


class AddressForm(_Type):
    """A new address (no addressId) or a change of one (its addressId): every field whole, checked as the
    registered address is (province and city Kemendagri codes, the city in the province); label optional."""
    addressId = Long
    label = Unicode(max_len=100)
    name = Unicode(max_len=1000)
    address = Unicode(max_len=1000)
    province = Unicode(max_len=10)
    city = Unicode(max_len=10)


def _address(view: AddressView) -> Address:
    return Address(addressId=view.address_id, label=view.label, name=view.name, address=view.address,
                   provinceCode=view.province_code, cityCode=view.city_code, updatedAt=to_wib(view.updated_at))


class MemberPage(_Type):
    """One page of members; total counts every member matching."""
    members = Array(Profile)
    total = required(Integer32)
    page = required(Integer32)


class SellerVerification(_Type):
    """Whether a seller is who they say (NIK at Dukcapil, NIB at OSS, the payout account's holder at the
    bank): UNVERIFIED until the worker's check settles it, VERIFIED or REJECTED; why (reasons), when it was
    checked, when it is checked next (a partner could not be asked), and its changes when asked for one seller."""
    username = required(Unicode)
    status = required(VerificationStatus)
    reasons = VerificationReasons  # one element per reason, none when VERIFIED
    checkedAt = DateTime
    nextCheckAt = DateTime
    attempts = required(Integer32)
    changes = Array(VerificationChange)


class SellerVerificationPage(_Type):
    """One page of sellers' verifications; total counts every one matching."""
    verifications = Array(SellerVerification)
    total = required(Integer32)
    page = required(Integer32)


def _verification(view: VerificationView, changes: list | None = None) -> SellerVerification:
    return SellerVerification(username=view.username, status=view.status, reasons=list(view.reasons),
                              checkedAt=to_wib(view.checked_at) if view.checked_at else None,
                              nextCheckAt=to_wib(view.next_check_at) if view.next_check_at else None,
                              attempts=view.attempts,
                              changes=None if changes is None else status_changes(VerificationChange, changes))



def _profile(view: members.MemberView) -> Profile:
    return Profile(
        username=view.username, name=view.name, email=view.email, phone=view.phone,
        provinceCode=view.province_code, cityCode=view.city_code, address=view.address,
        role=view.role, status=view.status, nikMasked=view.nik_masked, nibMasked=view.nib_masked,
        bankCode=view.bank_code, accountNumberMasked=view.account_number_masked,
        accountHolder=view.account_holder, createdAt=to_wib(view.created_at),
        activatedAt=to_wib(view.activated_at))


def _api_key(view: ApiKeyView) -> ApiKey:
    return ApiKey(keyId=view.key_id, label=view.label, createdAt=to_wib(view.created_at),
                  revokedAt=to_wib(view.revoked_at))


def _notice(ctx, warning: FieldError) -> Notice:
    return Notice(field=warning.field, code=warning.code,
                  message=field_message(warning.code, warning.field, language_of(ctx), **warning.params))


def _form(form: RegistrationForm | None) -> Form:
    form = form or RegistrationForm()
    return Form(province=form.province, city=form.city, address=form.address, phone=form.phone,
                name=form.name, username=form.username, password=form.password, email=form.email,
                nik=form.nik, nib=form.nib, bank_code=form.bankCode, account_number=form.accountNumber,
                account_holder=form.accountHolder, birth_date=form.birthDate)


class MemberService(ServiceBase):
    @rpc(_returns=Array(Province), _out_variable_name="provinces")
    def listProvinces(ctx):
        """Every province (Kemendagri code and name), for the registration form; anyone may call."""
        if replay_frozen(ctx, "provinces"):
            return None
        return [Province(code=p.code, name=p.name) for p in platform_of(ctx).regions.provinces()]

    @rpc(required(Unicode(max_len=10, type_name="RegionCode", __namespace__=TNS)), _returns=Array(City),
         _out_variable_name="cities")
    def listCities(ctx, provinceCode):
        """The cities of one province, for the registration form; anyone may call.
        Client.Validation without a province; Client.NotFound (UNKNOWN_PROVINCE)."""
        regions = platform_of(ctx).regions
        if not (provinceCode or "").strip():  # sent empty: as one not sent, which the schema refuses
            raise ValidationFailed([FieldError("provinceCode", "REQUIRED")])
        if regions.province(provinceCode) is None:
            raise NotFound("UNKNOWN_PROVINCE")
        if replay_frozen(ctx, ("cities", provinceCode)):
            return None
        return [City(code=c.code, provinceCode=c.province_code, name=c.name)
                for c in regions.cities(provinceCode)]

    @rpc(RegistrationForm, _returns=RegisterResult, _out_variable_name="result")
    def register(ctx, form):
        """Registers a buyer, or a seller with NIK or NIB and a payout account, PENDING until activate;
        anyone may call. Client.Validation lists every failing field; Client.TooManyRequests past a message limit."""
        result = platform_of(ctx).member.register(_form(form), client_of(ctx))
        return RegisterResult(username=result.username, role=result.role, status=result.status,
                              activationExpiresAt=to_wib(result.activation_expires_at),
                              warnings=[_notice(ctx, w) for w in result.warnings])

    @rpc(RequiredUsername, Code, _returns=Profile, _out_variable_name="profile")
    def activate(ctx, username, code):
        """Activates a pending member with the code sent by email and SMS; anyone may call.
        A wrong or expired code is Client.Validation; too many wrong ones CODE_ATTEMPTS_EXCEEDED."""
        return _profile(platform_of(ctx).member.activate(username, code))

    @rpc(RequiredUsername, _returns=DateTime, _out_variable_name="expiresAt")
    def resendActivation(ctx, username):
        """Sends a pending member a fresh activation code and returns its expiry; anyone may call. An
        unknown name, or a code asked for again within a minute, is answered alike (and nothing sent)."""
        return to_wib(platform_of(ctx).member.resend_activation(username, client_of(ctx)))

    @rpc(RequiredUsername, RequiredSecret, _returns=LoginResult, _out_variable_name="result")
    def login(ctx, username, password):
        """A session token for the SessionHeader of every other call; anyone may call.
        Client.Authentication (BAD_CREDENTIALS, or LOGIN_PAUSED after five failures in 15 minutes)."""
        token, expires_at, principal = platform_of(ctx).member.login(username, password)
        return LoginResult(token=token, expiresAt=to_wib(expires_at), username=principal.username,
                           role=principal.role)

    @rpc(_returns=Unicode, _out_variable_name="status", _in_header=SESSION)
    def logout(ctx):
        """Ends the caller's session: its token is refused from then on. Client.Authentication without
        a valid session."""
        platform_of(ctx).member.logout(credentials_of(ctx))
        return "LOGGED_OUT"

    @rpc(_returns=Profile, _out_variable_name="profile", _in_header=SESSION)
    def getProfile(ctx):
        """The logged-in caller's own profile (NIK, NIB and account number masked).
        Client.Authentication without a valid session."""
        return _profile(platform_of(ctx).member.profile(credentials_of(ctx)))

    @rpc(Unicode, Unicode, Unicode, Unicode, _returns=Profile, _out_variable_name="profile", _in_header=SESSION)
    def updateProfile(ctx, name, address, province, city):
        """Changes the caller's name, address, province and city (the register form's fields and rules); a
        field left out keeps its value. Not the phone: requestPhoneChange sends a code to the new number.
        Client.Validation lists every failing field; answers the profile."""
        return _profile(platform_of(ctx).member.update_profile(credentials_of(ctx), province, city, address, name))

    @rpc(_returns=Array(Address), _out_variable_name="addresses", _in_header=SESSION)
    def listAddresses(ctx):
        """The caller's address book, oldest first."""
        return [_address(v) for v in platform_of(ctx).member.list_addresses(credentials_of(ctx))]

    @rpc(required(AddressForm), _returns=Address, _out_variable_name="address", _in_header=SESSION)
    def saveAddress(ctx, form):
        """Adds an address to the caller's book, or changes one (form.addressId). Client.Validation lists every
        failing field; Client.NotFound (ADDRESS_NOT_FOUND: someone else's too); Client.Conflict
        (ADDRESS_BOOK_FULL, 10 addresses)."""
        return _address(platform_of(ctx).member.save_address(credentials_of(ctx), form.addressId, form.label,
                                                             form.name, form.address, form.province, form.city))

    @rpc(required(Long), _returns=Array(Address), _out_variable_name="addresses", _in_header=SESSION)
    def deleteAddress(ctx, addressId):
        """Deletes one of the caller's addresses (orders keep the address they were shipped to) and answers
        the book. Client.NotFound (ADDRESS_NOT_FOUND)."""
        return [_address(v) for v in platform_of(ctx).member.delete_address(credentials_of(ctx), addressId)]

    @rpc(required(Unicode(max_len=30, type_name="PhoneText", __namespace__=TNS)), _returns=DateTime,
         _out_variable_name="expiresAt", _in_header=SESSION)
    def requestPhoneChange(ctx, phone):
        """Sends a confirmation code by SMS to a new mobile number (the registration's phone rules) and answers
        when it expires; the profile keeps the old number until confirmPhoneChange. Client.Validation
        (INVALID_PHONE, PHONE_NOT_MOBILE, PHONE_UNCHANGED), Client.TooManyRequests past the message limit; a
        login, not a key (Client.Authorization LOGIN_REQUIRED)."""
        return to_wib(platform_of(ctx).member.request_phone_change(credentials_of(ctx), phone))

    @rpc(Code, _returns=Profile, _out_variable_name="profile", _in_header=SESSION)
    def confirmPhoneChange(ctx, code):
        """The code sent to the new number makes it the account's phone; the account's email is told. A wrong
        or expired code is Client.Validation (CODE_WRONG, CODE_EXPIRED, CODE_ATTEMPTS_EXCEEDED)."""
        return _profile(platform_of(ctx).member.confirm_phone_change(credentials_of(ctx), code))

    @rpc(RequiredSecret, RequiredSecret, _returns=Unicode, _out_variable_name="status", _in_header=SESSION)
    def changePassword(ctx, currentPassword, newPassword):
        """Sets a new password (the registration's rules) after the current one: a wrong one is
        Client.Authentication BAD_CREDENTIALS, counted as a failed login (LOGIN_PAUSED). Every other session
        ends, the caller's is kept; API keys stay. Needs a login, not a key (Client.Authorization LOGIN_REQUIRED)."""
        platform_of(ctx).member.change_password(credentials_of(ctx), currentPassword, newPassword)
        return "PASSWORD_CHANGED"

    @rpc(RequiredSecret, Unicode, Unicode, Unicode, _returns=Profile, _out_variable_name="profile",
         _in_header=SESSION)
    def changePayoutAccount(ctx, password, bankCode, accountNumber, accountHolder):
        """A seller's new payout account (the registration's rules), with the password (BAD_CREDENTIALS as
        changePassword): invoices issued from now on name it, open ones keep theirs; the member is emailed
        the old and new account, masked. Sellers only, with a login, not a key (Client.Authorization)."""
        return _profile(platform_of(ctx).member.change_payout_account(
            credentials_of(ctx), password, bankCode, accountNumber, accountHolder))

    @rpc(required(Unicode(max_len=100, type_name="KeyLabel", __namespace__=TNS)), _returns=NewApiKey,
         _out_variable_name="result", _in_header=SESSION)
    def createApiKey(ctx, label):
        """A new API key for a shop or portal, used as a WS-Security UsernameToken (Username: keyId;
        password: the secret, as PasswordText or PasswordDigest); the secret is returned this once.
        Needs a login, not a key (Client.Authorization LOGIN_REQUIRED_FOR_KEYS); Conflict TOO_MANY_API_KEYS."""
        view, secret = platform_of(ctx).member.create_api_key(credentials_of(ctx), label)
        return NewApiKey(key=_api_key(view), secret=secret)

    @rpc(_returns=Array(ApiKey), _out_variable_name="keys", _in_header=SESSION)
    def listApiKeys(ctx):
        """The caller's API keys, revoked ones too, newest first; never their secrets."""
        return [_api_key(view) for view in platform_of(ctx).member.list_api_keys(credentials_of(ctx))]

    @rpc(required(Unicode(max_len=40, type_name="KeyId", __namespace__=TNS)), _returns=ApiKey,
         _out_variable_name="key", _in_header=SESSION)
    def revokeApiKey(ctx, keyId):
        """Revokes one of the caller's API keys: calls with it are refused from then on (again: answered
        as it is). Needs a login, not a key; Client.NotFound (API_KEY_NOT_FOUND)."""
        return _api_key(platform_of(ctx).member.revoke_api_key(credentials_of(ctx), keyId))

    @rpc(required(Text), _returns=Unicode, _out_variable_name="status")
    def requestPasswordReset(ctx, usernameOrEmail):
        """Sends a reset code to an active member's phone and email; anyone may call. The answer is
        the same whether or not the member exists; Client.TooManyRequests past the client's limit."""
        platform_of(ctx).member.request_password_reset(usernameOrEmail, client_of(ctx))
        return "CODE_SENT_IF_MEMBER_EXISTS"

    @rpc(RequiredUsername, Code, RequiredSecret, _returns=Unicode,
         _out_variable_name="status")
    def resetPassword(ctx, username, code, newPassword):
        """Sets a new password with the reset code; anyone may call. A wrong code, or a password that
        breaks the rules, is Client.Validation; the member's sessions end."""
        platform_of(ctx).member.reset_password(username, code, newPassword)
        return "PASSWORD_CHANGED"

    @rpc(MemberStatus, Role, Integer32(ge=1, default=1), Integer32(ge=1, le=100, default=20),
         _returns=MemberPage, _out_variable_name="result", _in_header=SESSION)
    def listMembers(ctx, status, role, page, pageSize):
        """Members by status and role, a page at a time; admins only (Client.Authorization)."""
        views, total = platform_of(ctx).member.list_members(credentials_of(ctx), status, role, page or 1,
                                                            pageSize or 20)
        return MemberPage(members=[_profile(v) for v in views], total=total, page=page or 1)

    @rpc(RequiredUsername, Unicode(max_len=200), _returns=Profile, _out_variable_name="profile",
         _in_header=SESSION)
    def suspendMember(ctx, username, reason):
        """Suspends a member: sessions end, a seller's products go off sale and its unpaid invoices are
        cancelled; admins only. Client.NotFound (UNKNOWN_MEMBER), InvalidState (CANNOT_SUSPEND_SELF)."""
        return _profile(platform_of(ctx).member.suspend(credentials_of(ctx), username, reason or ""))

    @rpc(RequiredUsername, _returns=Array(StatusChange), _out_variable_name="changes", _in_header=SESSION)
    def getMemberHistory(ctx, username):
        """A member's status changes, oldest first, with why and who made each (registered, activated,
        suspended and reinstated by an admin ...); admins only. Client.NotFound (UNKNOWN_MEMBER)."""
        return status_changes(StatusChange, platform_of(ctx).member.member_history(credentials_of(ctx), username))

    @rpc(RequiredUsername, _returns=Profile, _out_variable_name="profile", _in_header=SESSION)
    def reinstateMember(ctx, username):
        """Reinstates a suspended member, products back as they were; admins only.
        Client.NotFound (UNKNOWN_MEMBER), InvalidState (MEMBER_NOT_SUSPENDED)."""
        return _profile(platform_of(ctx).member.reinstate(credentials_of(ctx), username))

    @rpc(Username, _returns=SellerVerification, _out_variable_name="verification", _in_header=SESSION)
    def getSellerVerification(ctx, username):
        """A seller's verification with its reasons and changes: the caller's own (username empty), or any
        seller's for an admin. Client.NotFound (UNKNOWN_SELLER), Client.Authorization (NOT_OWNER)."""
        view, changes = platform_of(ctx).member.seller_verification(credentials_of(ctx), username)
        return _verification(view, changes)

    @rpc(VerificationStatus, Integer32(ge=1, default=1), Integer32(ge=1, le=100, default=20),
         _returns=SellerVerificationPage, _out_variable_name="result", _in_header=SESSION)
    def listSellerVerifications(ctx, status, page, pageSize):
        """Sellers' verifications by status (all without one), least recently changed first, a page at a
        time; admins only (Client.Authorization)."""
        views, total = platform_of(ctx).member.list_seller_verifications(credentials_of(ctx), status, page or 1,
                                                                         pageSize or 20)
        return SellerVerificationPage(verifications=[_verification(v) for v in views], total=total, page=page or 1)

    @rpc(RequiredUsername, _returns=SellerVerification, _out_variable_name="verification", _in_header=SESSION)
    def reverifySeller(ctx, username):
        """Checks a seller again at the worker's next round (UNVERIFIED meanwhile); admins only.
        Client.NotFound (UNKNOWN_SELLER)."""
        return _verification(platform_of(ctx).member.reverify_seller(credentials_of(ctx), username))

    @rpc(RequiredUsername, required(VerificationStatus), required(Unicode(max_len=200)),
         _returns=SellerVerification, _out_variable_name="verification", _in_header=SESSION)
    def overrideSellerVerification(ctx, username, status, reason):
        """An admin's verdict, VERIFIED or REJECTED, with a reason the history keeps; it stands until a re-run
        or a changed payout account. Client.NotFound (UNKNOWN_SELLER), Client.Validation (OVERRIDE_STATUS)."""
        return _verification(platform_of(ctx).member.override_seller_verification(
            credentials_of(ctx), username, status, reason))
