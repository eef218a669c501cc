"""SQLAlchemy 2 models: the single source of the schema (schema.sql is generated from them)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Computed, Date, DateTime, Float, ForeignKey, Index,
                        Integer, MetaData, String, Text, UniqueConstraint)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from emall_ws.domain.search_words import MAX_LENGTH as TERM_LENGTH

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

KEY = String(255)  # UDDI keys, e.g. uddi:emall-kukm:service:member
ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only
# naive datetimes, always UTC (emall_ws.clock); microseconds on MariaDB too, for ordering
UTC_TIME = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # a dict here; a tuple of constraints ending with this dict in the tables that have some
    __table_args__: Any = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                      "mysql_collate": "utf8mb4_unicode_ci"}


# --- Registry (UDDI v3 data model, in small) -------------------------------------------

class RegistryBusiness(Base):
    """A UDDI businessEntity: the mall's operator, or a partner organisation."""
    __tablename__ = "registry_business"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")

    services: Mapped[list[RegistryService]] = relationship(
        back_populates="business", order_by="RegistryService.name")


class RegistryTModel(Base):
    """A UDDI tModel: the technical contract (its WSDL) a binding implements."""
    __tablename__ = "registry_tmodel"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    overview_url: Mapped[str] = mapped_column(String(1000))


class RegistryService(Base):
    """A UDDI businessService."""
    __tablename__ = "registry_service"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    business_key: Mapped[str] = mapped_column(ForeignKey(RegistryBusiness.key), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    category: Mapped[str] = mapped_column(String(50), index=True)

    business: Mapped[RegistryBusiness] = relationship(back_populates="services")
    bindings: Mapped[list[RegistryBinding]] = relationship(
        back_populates="service", order_by="RegistryBinding.key")


class RegistryBinding(Base):
    """A UDDI bindingTemplate: where a service is reached, and by which contract."""
    __tablename__ = "registry_binding"

    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    service_key: Mapped[str] = mapped_column(ForeignKey(RegistryService.key), index=True)
    tmodel_key: Mapped[str] = mapped_column(ForeignKey(RegistryTModel.key), index=True)
    access_point: Mapped[str] = mapped_column(String(1000))

    service: Mapped[RegistryService] = relationship(back_populates="bindings")
    tmodel: Mapped[RegistryTModel] = relationship()


# --- Members -----------------------------------------------------------------------------

class Member(Base):
    """A registered member: buyer, seller (gave a NIK or NIB) or admin."""
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), unique=True)  # lower-cased, for uniqueness
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(500))
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    province_code: Mapped[str] = mapped_column(String(2))
    city_code: Mapped[str] = mapped_column(String(5), index=True)
    role: Mapped[str] = mapped_column(String(10))  # BUYER, SELLER, ADMIN
    status: Mapped[str] = mapped_column(String(10), index=True)  # PENDING, ACTIVE, SUSPENDED
    # personal data (UU PDP 2022): never returned in full, never logged
    nik: Mapped[str | None] = mapped_column(String(16))
    nib: Mapped[str | None] = mapped_column(String(13))
    bank_code: Mapped[str | None] = mapped_column(String(10))  # payout account of a seller
    account_number: Mapped[str | None] = mapped_column(String(20))
    account_holder: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    activated_at: Mapped[datetime | None] = mapped_column(UTC_TIME)


class MemberStatusHistory(Base):
    __tablename__ = "member_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))  # who made it (services.actors); NULL before 0015

    member: Mapped[Member] = relationship()


class SellerVerification(Base):
    """Whether a seller is who they say: the NIK at the population registry, the NIB at the business
    licensing service, the payout account's holder at the bank (services.seller_verification)."""
    __tablename__ = "seller_verification"

    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(10), index=True)  # UNVERIFIED, VERIFIED, REJECTED
    reasons: Mapped[str] = mapped_column(String(200), default="")  # codes, comma-separated
    birth_date: Mapped[date | None] = mapped_column(Date)  # personal data, for the NIK check only
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # rounds since the last settled answer
    # when the worker checks next: NULL when nothing is left to check automatically
    next_check_at: Mapped[datetime | None] = mapped_column(UTC_TIME, index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    member: Mapped[Member] = relationship()


class SellerVerificationHistory(Base):
    __tablename__ = "seller_verification_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey(SellerVerification.member_id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))

    seller_verification: Mapped[SellerVerification] = relationship()


class MemberAddress(Base):
    """An entry of a member's address book: quoteShipping and checkout ship to it by its id."""
    __tablename__ = "member_address"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    label: Mapped[str] = mapped_column(String(30), default="")  # "Rumah", "Kantor"
    name: Mapped[str] = mapped_column(String(100))  # the recipient
    address: Mapped[str] = mapped_column(String(500))
    province_code: Mapped[str] = mapped_column(String(2))
    city_code: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)


class VerificationCode(Base):
    """A one-time code sent to a member: activation, password reset or a new phone number. Only its hash is
    kept."""
    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id))
    purpose: Mapped[str] = mapped_column(String(20))  # ACTIVATION, PASSWORD_RESET, PHONE_CHANGE
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_TIME)
    used_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    sent_to: Mapped[str | None] = mapped_column(String(16))  # PHONE_CHANGE: the new number, the member's once used

    __table_args__ = (Index(None, "member_id", "purpose"), Base.__table_args__)


class FailedTry(Base):
    """A failed login or a wrong one-time code, counted against the username tried, whether or
    not a member has it (throttling that does not tell who is registered)."""
    __tablename__ = "failed_try"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # LOGIN, CODE
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the username key: not what was typed
    at: Mapped[datetime] = mapped_column(UTC_TIME)

    __table_args__ = (Index(None, "kind", "key_hash", "at"), Index(None, "kind", "at"), Base.__table_args__)


class LimitCount(Base):
    """How many activation or reset messages one phone number or email address was sent, or how many
    such requests one client address made, within one window of time (services.limits). Raised by
    one conditional UPDATE, so processes and machines sharing the database count together. Keys
    are kept as SHA-256 only, and for a day at most. A row of kind LOGIN_TRY or CODE_TRY (no
    window: 0 seconds from the epoch) is the lock that serialises a username's failed tries
    (services.throttle.lock_key); its count says how often it was taken."""
    __tablename__ = "limit_count"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # e.g. ACTIVATION_PHONE, CLIENT
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_seconds: Mapped[int] = mapped_column(Integer, primary_key=True)  # 3600, 86400
    window_start: Mapped[datetime] = mapped_column(UTC_TIME, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index(None, "window_start"), Base.__table_args__)


class AuthSession(Base):
    """A login session; the client holds the token, the database only its SHA-256."""
    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_TIME)
    ended_at: Mapped[datetime | None] = mapped_column(UTC_TIME)


class ApiKey(Base):
    """A member's machine credential for shops and portals: a WS-Security UsernameToken whose Username
    is key_id. The secret is sealed (emall_ws.secret_box, AES-GCM under EMALL_SECRET_KEY), not hashed:
    a PasswordDigest is computed from the secret itself, and opening it costs microseconds where an
    Argon2 check costs a tenth of a second."""
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)  # key-<hex>: no username looks like it
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    label: Mapped[str] = mapped_column(String(100))
    sealed_secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_TIME)


class SeenNonce(Base):
    """A WS-Security UsernameToken Nonce already used, kept while a message carrying it could still be
    current (services.nonces.KEPT_FOR): the same Nonce again is a replay."""
    __tablename__ = "seen_nonce"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of username and Nonce
    seen_at: Mapped[datetime] = mapped_column(UTC_TIME, index=True)


# --- Notification outbox -------------------------------------------------------------------

class Notification(Base):
    """One message to one recipient on one channel, written in the transaction it announces."""
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(150))  # e.g. member:42:activation:3
    # given to providers on every attempt, so a re-send is recognised; random, hence unique across
    # databases too (ids repeat when a database is re-created, or shared by two installations)
    reference: Mapped[str] = mapped_column(String(40), unique=True,
                                           default=lambda: f"emall-{uuid.uuid4().hex}")
    channel: Mapped[str] = mapped_column(String(10))  # EMAIL, SMS
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(60))
    data: Mapped[str] = mapped_column(Text)  # JSON object for the template
    status: Mapped[str] = mapped_column(String(10), default="PENDING")  # PENDING, SENT, FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTC_TIME)
    provider_id: Mapped[str | None] = mapped_column(String(100))
    delivery_status: Mapped[str | None] = mapped_column(String(30))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    sent_at: Mapped[datetime | None] = mapped_column(UTC_TIME)

    # (status, channel, created_at): the backlog per channel and its oldest row, read at every
    # metrics scrape and /health, from the index alone
    __table_args__ = (UniqueConstraint("event_key", "recipient", "channel"),
                      Index(None, "status", "next_attempt_at"), Index(None, "status", "channel", "created_at"),
                      Base.__table_args__)


# --- Catalogue, auctions and carts ----------------------------------------------------------------

MONEY = BigInteger  # whole Rupiah, never floats


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)


class Product(Base):
    """A product for sale: FIXED (price, stock) or AUCTION (bids until ends_at; quantity 1).

    The seller's province and city are copied here so that searches by region use this
    table's indexes alone.
    """
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id))
    category_id: Mapped[int] = mapped_column(ForeignKey(Category.id))
    # active_history: a change loads the old value if it was not, so its old terms can be taken out
    name: Mapped[str] = mapped_column(String(200), active_history=True)
    description: Mapped[str] = mapped_column(Text, active_history=True)
    weight_grams: Mapped[int] = mapped_column(Integer)
    sale_method: Mapped[str] = mapped_column(String(10))  # FIXED, AUCTION
    status: Mapped[str] = mapped_column(String(12))  # ACTIVE, SOLD_OUT, WITHDRAWN, CLOSED
    seller_province_code: Mapped[str] = mapped_column(String(2))
    seller_city_code: Mapped[str] = mapped_column(String(5))
    # FIXED
    price: Mapped[int | None] = mapped_column(MONEY)
    stock: Mapped[int | None] = mapped_column(Integer)
    # AUCTION
    start_price: Mapped[int | None] = mapped_column(MONEY)
    min_increment: Mapped[int | None] = mapped_column(MONEY)
    reserve_price: Mapped[int | None] = mapped_column(MONEY)
    ends_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    current_price: Mapped[int | None] = mapped_column(MONEY)  # the leading bid
    # the price a buyer compares: FIXED price, else the leading bid, else the start price; kept by
    # the database itself (a stored generated column), so filtering and sorting by price use an
    # index and no writer of prices or bids has to remember it
    list_price: Mapped[int] = mapped_column(
        MONEY, Computed("coalesce(price, current_price, start_price)", persisted=True))
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey(Member.id))
    winner_id: Mapped[int | None] = mapped_column(ForeignKey(Member.id))
    closed_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    created_at: Mapped[datetime] = mapped_column(UTC_TIME, active_history=True)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    photos: Mapped[list[ProductPhoto]] = relationship(order_by="ProductPhoto.position",
                                                      cascade="all, delete-orphan")

    __table_args__ = (
        Index(None, "status", "created_at"),
        Index(None, "status", "category_id", "created_at"),
        Index(None, "status", "seller_province_code", "created_at"),
        Index(None, "status", "seller_city_code", "created_at"),
        Index(None, "status", "list_price"),
        Index(None, "seller_id", "status", "created_at"),
        Index(None, "status", "sale_method", "ends_at"),
        # the last line of defence against overselling (checkout re-checks stock under a row lock first)
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Base.__table_args__,
    )


class ProductPhoto(Base):
    __tablename__ = "product_photo"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id), index=True)
    url: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)


class ProductTerm(Base):
    """One prefix of a word of a product's name or description (domain.search_words), for text search:
    a term is found by equality and walked newest first in the primary key; the other terms of a search
    are looked up at the same (created_at, product_id). Kept in the product's own transaction by
    db.product_terms, which fills a catalogue that has none."""
    __tablename__ = "product_term"

    # binary: the terms are folded already, and the default collation would take distinct ones for equal
    term: Mapped[str] = mapped_column(String(TERM_LENGTH).with_variant(
        mysql.VARCHAR(TERM_LENGTH, collation="utf8mb4_bin"), "mysql"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TIME, primary_key=True)  # the product's
    # no foreign key: it would need an index of its own on product_id, as large as the table. No service
    # deletes a product (a withdrawn one stays), and a search joins the product on id and created_at,
    # so a row left by a product deleted by hand never matches another
    product_id: Mapped[int] = mapped_column(ID, primary_key=True)
    # the product's words' bits (domain.search_words.signature), the same on each of its rows: a search
    # walking this term skips the products that lack another term's bit without looking them up
    signature: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = {**Base.__table_args__, "sqlite_with_rowid": False}


class ProductStatusHistory(Base):
    __tablename__ = "product_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))  # who made it (services.actors); NULL before 0015

    product: Mapped[Product] = relationship()


class Bid(Base):
    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id))
    bidder_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    amount: Mapped[int] = mapped_column(MONEY)
    placed_at: Mapped[datetime] = mapped_column(UTC_TIME)

    # one bid per amount per auction: the database itself refuses a tie that slipped through
    __table_args__ = (UniqueConstraint("product_id", "amount"), Base.__table_args__)


class CartLine(Base):
    """One product in a buyer's cart; the price seen when it was added, to flag a later change."""
    __tablename__ = "cart_line"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id))
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    price_when_added: Mapped[int] = mapped_column(MONEY)
    added_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    __table_args__ = (UniqueConstraint("buyer_id", "product_id"), Base.__table_args__)


# --- Checkout: orders and invoices --------------------------------------------------------------

class Order(Base):
    """One seller's part of a checkout: its lines, shipping and address; paid by one invoice."""
    __tablename__ = "purchase_order"  # ORDER is a reserved word in SQL

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # ORD/YYYYMMDD/NNNNNN
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    status: Mapped[str] = mapped_column(String(20))  # AWAITING_PAYMENT, PAID, SHIPPED ...
    courier: Mapped[str] = mapped_column(String(10))
    courier_service: Mapped[str] = mapped_column(String(30))
    shipping_cost: Mapped[int] = mapped_column(MONEY)
    etd_days: Mapped[int] = mapped_column(Integer, default=0)
    ship_name: Mapped[str] = mapped_column(String(100))
    ship_address: Mapped[str] = mapped_column(String(500))
    ship_city_code: Mapped[str] = mapped_column(String(5))
    origin_city_code: Mapped[str] = mapped_column(String(5))
    goods_total: Mapped[int] = mapped_column(MONEY)
    weight_grams: Mapped[int] = mapped_column(Integer)
    # an auction's one open checkout: a non-payer's order gives it up (services.second_chance)
    auction_product_id: Mapped[int | None] = mapped_column(ForeignKey(Product.id), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.id", back_populates="order")


class OrderLine(Base):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id), index=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(MONEY)
    weight_grams: Mapped[int] = mapped_column(Integer)  # of the line

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderStatusHistory(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    # who made the move: member:<username>, admin:<username>, job:<job name>; NULL on rows before 0010
    actor: Mapped[str | None] = mapped_column(String(80))

    order: Mapped[Order] = relationship()


class ShippingQuote(Base):
    """A courier option quoted to a buyer for one seller's group of the cart (or a won auction): checkout
    charges exactly this cost, if the quote has not expired and the group still weighs what it did and
    goes from and to the same cities. A new quote replaces the buyer's expired ones and those of the
    same group."""
    __tablename__ = "shipping_quote"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id))
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    origin_city_code: Mapped[str] = mapped_column(String(5))
    destination_city_code: Mapped[str] = mapped_column(String(5))
    weight_grams: Mapped[int] = mapped_column(Integer)
    courier: Mapped[str] = mapped_column(String(10))
    service: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(100))
    cost: Mapped[int] = mapped_column(MONEY)
    etd_days: Mapped[int] = mapped_column(Integer)
    quoted_at: Mapped[datetime] = mapped_column(UTC_TIME)
    expires_at: Mapped[datetime] = mapped_column(UTC_TIME)

    # (buyer, seller): the quotes a checkout reads, and a new quote replaces
    __table_args__ = (Index(None, "buyer_id", "seller_id"), Base.__table_args__)


class Invoice(Base):
    """What the buyer transfers for one order: goods + shipping + a unique code, to the seller's account.

    `open_amount_key` ("<bank>:<account>:<amount_due>") is set while the invoice is UNPAID and NULL
    after: its unique index makes the database itself refuse a second open invoice with the same amount
    to the same account, whatever two checkouts race; a credit of that amount to that account then
    identifies one invoice. Codes may repeat (only the amount is matched), so an account may have any
    number of open invoices.
    """
    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # INV/YYYYMMDD/NNNNNN
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    payee_bank: Mapped[str] = mapped_column(String(10))
    payee_account: Mapped[str] = mapped_column(String(20))
    payee_holder: Mapped[str] = mapped_column(String(100))
    goods_total: Mapped[int] = mapped_column(MONEY)
    shipping_cost: Mapped[int] = mapped_column(MONEY)
    unique_code: Mapped[int] = mapped_column(Integer)
    amount_due: Mapped[int] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10))  # UNPAID, PAID, EXPIRED, CANCELLED
    open_amount_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    stock_restored: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(UTC_TIME)
    due_at: Mapped[datetime] = mapped_column(UTC_TIME)
    paid_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    closed_at: Mapped[datetime | None] = mapped_column(UTC_TIME)  # paid, expired or cancelled

    order: Mapped[Order] = relationship()

    # (payee, amount): how reconciliation finds the invoice a credit on that account pays;
    # (buyer|seller, issued_at) and (issued_at): the period of a purchase, sales or admin report
    __table_args__ = (Index(None, "status", "due_at"), Index(None, "payee_bank", "payee_account", "amount_due"),
                      Index(None, "buyer_id", "issued_at"), Index(None, "seller_id", "issued_at"),
                      Index(None, "issued_at"), Base.__table_args__)


class InvoiceStatusHistory(Base):
    __tablename__ = "invoice_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey(Invoice.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))  # who made it (services.actors); NULL before 0015

    invoice: Mapped[Invoice] = relationship()


class AuctionSecondChance(Base):
    """An auction's buyer who did not pay (their invoice cancelled or expired), on record for admins,
    and what the seller does about it (domain.second_chance): a second-chance offer to the next-highest
    bidder at their own bid, or a relist as a new product. One per such invoice."""
    __tablename__ = "auction_second_chance"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    product_id: Mapped[int] = mapped_column(ForeignKey(Product.id), index=True)
    non_payer_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey(Invoice.id), unique=True)
    amount: Mapped[int] = mapped_column(MONEY)  # the price the non-payer did not pay
    status: Mapped[str] = mapped_column(String(20))  # AWAITING_SELLER, OFFERED, ACCEPTED, ENDED, RELISTED
    due_at: Mapped[datetime | None] = mapped_column(UTC_TIME)  # of the seller's choice, or of the offer
    offered_to_id: Mapped[int | None] = mapped_column(ForeignKey(Member.id))
    offer_amount: Mapped[int | None] = mapped_column(MONEY)  # that bidder's own highest bid
    relisted_as_id: Mapped[int | None] = mapped_column(ForeignKey(Product.id))
    recorded_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    __table_args__ = (Index(None, "status", "due_at"), Base.__table_args__)


class Refund(Base):
    """Money a seller owes a buyer back for a paid order that was cancelled (rejected by the seller,
    or not shipped in time): the buyer names the account, the seller records the transfer, the buyer
    confirms or disputes it. One per order."""
    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey(Invoice.id), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    amount: Mapped[int] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(30))  # SELLER_REJECTED, NOT_SHIPPED_IN_TIME
    note: Mapped[str] = mapped_column(String(200), default="")  # the seller's words, or the job's
    status: Mapped[str] = mapped_column(String(20))  # DUE, TRANSFERRED, CONFIRMED, DISPUTED
    due_at: Mapped[datetime] = mapped_column(UTC_TIME)
    bank_code: Mapped[str | None] = mapped_column(String(10))  # the buyer's refund account, once given
    account_number: Mapped[str | None] = mapped_column(String(20))
    account_holder: Mapped[str | None] = mapped_column(String(100))
    account_set_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    transfer_reference: Mapped[str | None] = mapped_column(String(60))
    transferred_amount: Mapped[int | None] = mapped_column(MONEY)
    transferred_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    dispute_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)
    reminded_at: Mapped[datetime | None] = mapped_column(UTC_TIME)  # the last overdue reminder (refund_reminders)

    order: Mapped[Order] = relationship()
    invoice: Mapped[Invoice] = relationship()

    __table_args__ = (Index(None, "status", "due_at"), Base.__table_args__)


class RefundStatusHistory(Base):
    __tablename__ = "refund_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey(Refund.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))

    refund: Mapped[Refund] = relationship()


class Complaint(Base):
    """A buyer's complaint about a shipped or delivered order (one per order): the seller answers with an
    offer, the buyer accepts it or takes it to an admin, who decides. While it is unresolved the order
    does not complete by itself."""
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # NOT_RECEIVED, NOT_AS_DESCRIBED, DAMAGED, OTHER
    description: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))  # OPEN, OFFERED, RETURN_REQUESTED, RETURNING, ESCALATED, ...
    respond_by: Mapped[datetime] = mapped_column(UTC_TIME)  # the seller's (or the return's) deadline
    offer: Mapped[str | None] = mapped_column(String(20))  # the seller's: FULL_REFUND, PARTIAL_REFUND, ...
    offer_amount: Mapped[int | None] = mapped_column(MONEY)
    seller_message: Mapped[str | None] = mapped_column(String(500))
    return_courier: Mapped[str | None] = mapped_column(String(10))
    return_waybill: Mapped[str | None] = mapped_column(String(40))
    decision: Mapped[str | None] = mapped_column(String(20))  # the remedy it was resolved with
    decision_amount: Mapped[int | None] = mapped_column(MONEY)
    resolution_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    updated_at: Mapped[datetime] = mapped_column(UTC_TIME)

    order: Mapped[Order] = relationship()

    __table_args__ = (Index(None, "status", "respond_by"), Base.__table_args__)


class ComplaintStatusHistory(Base):
    __tablename__ = "complaint_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey(Complaint.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))

    complaint: Mapped[Complaint] = relationship()


# --- Payments: mutations read from the payee accounts ---------------------------------------

class BankMutation(Base):
    """A mutation read from a payee account, recorded once per (bank, account, mutation id) however
    often its window is read again. A credit pays at most one invoice (`invoice_id` is unique); one
    that pays none keeps its `match_status` and `note` for an admin."""
    __tablename__ = "bank_mutation"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(20))
    mutation_id: Mapped[str] = mapped_column(String(40))
    posted_at: Mapped[datetime] = mapped_column(UTC_TIME)
    type: Mapped[str] = mapped_column(String(2))  # CR (money in), DB
    amount: Mapped[int] = mapped_column(MONEY)
    description: Mapped[str] = mapped_column(String(200), default="")
    balance: Mapped[int] = mapped_column(MONEY)
    read_at: Mapped[datetime] = mapped_column(UTC_TIME)
    # PAID (it paid invoice_id), NO_MATCH, AMBIGUOUS, LATE, CLOSED; DEBIT for money out
    match_status: Mapped[str] = mapped_column(String(12))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey(Invoice.id), unique=True)
    note: Mapped[str] = mapped_column(String(300), default="")  # the invoices concerned, for an admin

    invoice: Mapped[Invoice | None] = relationship()

    __table_args__ = (UniqueConstraint("bank", "account_number", "mutation_id"),
                      Index(None, "match_status", "read_at"), Base.__table_args__)


class PayeeAccountPoll(Base):
    """Where reconciliation of one payee account stands: the end of the last window read (the next
    one starts a little before it) and a lease, so that workers do not read the same account at once."""
    __tablename__ = "payee_account_poll"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    bank: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(20))
    read_until: Mapped[datetime | None] = mapped_column(UTC_TIME)
    leased_until: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_error: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("bank", "account_number"), Base.__table_args__)


# --- Shipping: the waybill of a paid order and what its courier's tracking says -------------

class Shipment(Base):
    """An order's parcel: the courier and waybill the seller entered, and the last tracking read."""
    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey(Order.id), unique=True)
    courier: Mapped[str] = mapped_column(String(10))
    waybill: Mapped[str] = mapped_column(String(40))
    courier_change_reason: Mapped[str] = mapped_column(String(200), default="")  # not the buyer's choice
    status: Mapped[str] = mapped_column(String(20))  # normalised: Pending, InfoReceived ... Expired
    courier_status: Mapped[str] = mapped_column(String(100), default="")  # the courier's own word
    final: Mapped[bool] = mapped_column(Boolean, default=False)  # no more polling
    received_by: Mapped[str | None] = mapped_column(String(100))
    delivered_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    shipped_at: Mapped[datetime] = mapped_column(UTC_TIME)
    next_check_at: Mapped[datetime] = mapped_column(UTC_TIME)
    leased_until: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_check_error: Mapped[str] = mapped_column(String(200), default="")

    order: Mapped[Order] = relationship()
    events: Mapped[list[ShipmentEvent]] = relationship(order_by="ShipmentEvent.occurred_at, ShipmentEvent.id",
                                                       back_populates="shipment")

    __table_args__ = (UniqueConstraint("courier", "waybill"), Index(None, "final", "next_check_at"),
                      Base.__table_args__)


class ShipmentStatusHistory(Base):
    __tablename__ = "shipment_status_history"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey(Shipment.id), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTC_TIME)
    actor: Mapped[str | None] = mapped_column(String(80))  # who made it (services.actors); NULL before 0015

    shipment: Mapped[Shipment] = relationship()


class ShipmentEvent(Base):
    """One event of the courier's tracking, in its own words, stored once (`fingerprint`)."""
    __tablename__ = "shipment_event"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey(Shipment.id))
    occurred_at: Mapped[datetime] = mapped_column(UTC_TIME)
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of time, location and description

    shipment: Mapped[Shipment] = relationship(back_populates="events")

    __table_args__ = (UniqueConstraint("shipment_id", "fingerprint"), Base.__table_args__)


# --- Change feed and callbacks: what integrators are told -------------------------------------

class EventSequence(Base):
    """The one row numbering change events. A committing transaction that wrote events locks it to number
    them (services/events.py), so numbers follow commit order and a reader's cursor skips none."""
    __tablename__ = "event_sequence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeEvent(Base):
    """One change told to one member (buyer, seller, bidder): its feed is its rows in `seq` order. Written
    in the transaction of the change; the numbers an integrator needs to fetch the object travel along."""
    __tablename__ = "change_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # the event's id
    # no foreign key: its check would lock the member's row while the sequence row is held, and a checkout
    # holding that member's row and waiting for the sequence would deadlock with it. With none, the
    # sequence row is the last lock an event-writing transaction takes.
    member_id: Mapped[int] = mapped_column(ID)
    type: Mapped[str] = mapped_column(String(40))  # e.g. invoice.paid, order.shipped (domain.events)
    occurred_at: Mapped[datetime] = mapped_column(UTC_TIME, index=True)
    status: Mapped[str | None] = mapped_column(String(20))  # the object's status after the change
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    order_number: Mapped[str | None] = mapped_column(String(40))
    courier: Mapped[str | None] = mapped_column(String(10))
    waybill: Mapped[str | None] = mapped_column(String(40))
    product_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index(None, "member_id", "seq"), Base.__table_args__)


class EventSubscription(Base):
    """A member's callback endpoint and the event types it is sent. The worker delivers its events in
    `seq` order, one at a time: `delivered_seq` moves only past an event the endpoint took (2xx)."""
    __tablename__ = "event_subscription"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(40), unique=True)  # sub-<hex>, the public name
    member_id: Mapped[int] = mapped_column(ForeignKey(Member.id), index=True)
    url: Mapped[str] = mapped_column(String(500))
    types: Mapped[str] = mapped_column(String(500))  # comma-separated event types
    sealed_secret: Mapped[str] = mapped_column(String(200))  # signs each delivery: read back, so sealed
    status: Mapped[str] = mapped_column(String(12))  # ACTIVE, SUSPENDED, ENDED
    delivered_seq: Mapped[int] = mapped_column(BigInteger)  # every event up to it is delivered (or not its type)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed attempts
    next_attempt_at: Mapped[datetime] = mapped_column(UTC_TIME)  # also a worker's lease while it delivers
    created_at: Mapped[datetime] = mapped_column(UTC_TIME)
    suspended_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    ended_at: Mapped[datetime | None] = mapped_column(UTC_TIME)

    __table_args__ = (Index(None, "status", "next_attempt_at"), Base.__table_args__)


class EventDelivery(Base):
    """One attempt to deliver one event (or a test event) to a subscription: its delivery log."""
    __tablename__ = "event_delivery"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey(EventSubscription.id))
    event_seq: Mapped[int | None] = mapped_column(BigInteger)  # None for a test event
    event_type: Mapped[str] = mapped_column(String(40))
    attempted_at: Mapped[datetime] = mapped_column(UTC_TIME)
    attempt: Mapped[int] = mapped_column(Integer)  # 1 for the first attempt at this event
    outcome: Mapped[str] = mapped_column(String(12))  # DELIVERED, FAILED
    http_status: Mapped[int | None] = mapped_column(Integer)  # None when no answer came
    error: Mapped[str] = mapped_column(String(200), default="")
    duration_ms: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "subscription_id", "id"), Base.__table_args__)


# --- Worker -----------------------------------------------------------------------------------------

class WorkerJob(Base):
    """One scheduled job's record, shared by every worker running it (on any machine), for /health
    and /metrics: a server process cannot see the workers' memory. Written by the workers only."""
    __tablename__ = "worker_job"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)  # e.g. dispatch-notifications
    interval_seconds: Mapped[float] = mapped_column(Float)
    runs: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(BigInteger, default=0)
    last_started_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_success_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTC_TIME)
    # a worker running this job was alive then (it beats between its jobs and around each run)
    heartbeat_at: Mapped[datetime] = mapped_column(UTC_TIME)
