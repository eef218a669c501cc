"""Scheduled jobs: dispatching notifications (email, and SMS when an SMS gateway is configured),
polling SMS delivery reports, reconciling payments from the payee accounts' mutations, expiring
invoices and closing auctions, delivering callbacks and forgetting old change events.

`emall-ws worker` runs it (run_worker), alone or as a child process of `emall-ws serve`.
Every job must be safe to run in several processes at once (they coordinate through the database,
e.g. the dispatcher's claim), so any number of workers can run on any number of machines.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Callable, Mapping, Sequence

from adapters.bank import BankAdapter
from adapters.sms import SmsAdapter
from emall_ws.clock import utcnow
from emall_ws.config import Settings
from emall_ws.db.session import Database, is_busy, is_unavailable
from emall_ws.notify.dispatcher import LEASE, Dispatcher, DispatchStats, Sender
from emall_ws.notify.email import email_sender_from
from emall_ws.notify.outbox import EMAIL, SMS
from emall_ws.notify.sms import SmsSender
from emall_ws.notify.sms_status import SmsStatusPoller
from emall_ws.observability.jobs import JobRecorder
from emall_ws.secret_box import server_box
from emall_ws.services.auction import CLOSE_JOB, close_due_auctions
from emall_ws.services.second_chance import SecondChancePolicy, settle_due
from emall_ws.services.invoices import expire_due_invoices
from emall_ws.services.limits import MessageLimits
from emall_ws.services.members import MemberPolicy, send_reset_codes
from emall_ws.services.payments import ReconcilePolicy, reconcile
from emall_ws.services import callback_delivery, limits, nonces, throttle
from emall_ws.services.order import CANCEL_JOB, OrderPolicy, cancel_unshipped_orders
from emall_ws.services.refund_reminders import REMIND_JOB, remind_overdue_refunds
from emall_ws.services.seller_verification import JOB as VERIFY_JOB
from emall_ws.services.seller_verification import IdentityPartners, verify_due_sellers
from emall_ws.services.shipping import ShippingPolicy, complete_delivered_orders
from emall_ws.services.tracking import Couriers, TrackingPoller, TrackingPolicy

log = logging.getLogger(__name__)

DRAIN_SECONDS = 30.0  # one dispatch job run keeps claiming full batches for at most this long
SMS_STATUS_INTERVAL = 60.0  # seconds between delivery report rounds (each asks about <= 100 SMS)


@dataclass(frozen=True)
class Job:
    name: str
    interval: float  # seconds from the end of one run to the start of the next
    run: Callable[[], object]


class Worker:
    """Runs each job when it is due; a failing job is logged and tried again at its next turn."""

    def __init__(self, jobs: Sequence[Job], *, clock: Callable[[], float] = time.monotonic,
                 recorder: JobRecorder | None = None):
        """`recorder`: where each run and the heartbeat are recorded (the database, for /health
        and /metrics); None records nothing."""
        if len({job.name for job in jobs}) != len(jobs):
            raise ValueError("job names must be unique")
        self.jobs = list(jobs)
        self._clock = clock
        self._recorder = recorder
        now = clock()
        self._due = {job.name: now for job in self.jobs}  # every job runs once at start

    def run_pending(self) -> float:
        """Runs every due job once; returns the seconds until the next one is due."""
        if self._recorder:
            self._recorder.beat()  # first of all: a worker just started is seen alive at once
        for job in self.jobs:
            if self._clock() < self._due[job.name]:
                continue
            started_at, ok = utcnow(), False
            try:
                job.run()
                ok = True
            except Exception as error:  # not BaseException: Ctrl-C and SystemExit still stop the worker
                if is_unavailable(error) or is_busy(error):  # a state of the database: one line, no traceback
                    log.warning("job %s: the database is %s (%s); next try in %.0f s", job.name,
                                "busy" if is_busy(error) else "unavailable", getattr(error, "orig", error),
                                job.interval)
                else:
                    log.exception("job %s failed; next try in %.0f s", job.name, job.interval)
            if self._recorder:
                self._recorder.ran(job.name, started_at, ok)
            self._due[job.name] = self._clock() + job.interval
        return max(0.0, min(self._due.values(), default=self._clock() + 60) - self._clock())

    def run_forever(self, stop_event: threading.Event) -> None:
        log.info("worker started: %s", ", ".join(job.name for job in self.jobs))
        while not stop_event.is_set():
            stop_event.wait(self.run_pending())  # wakes at once when asked to stop
        if self._recorder:
            self._recorder.beat(force=True)  # the last runs' counts
        log.info("worker stopped")


def dispatch_job(dispatcher: Dispatcher, *, drain_seconds: float = DRAIN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> Callable[[], DispatchStats]:
    """A job that sends the outbox: rounds follow each other while they come back full (a backlog),
    within `drain_seconds`, so other jobs get their turn and a backlog does not wait 5 s a batch."""

    def run() -> DispatchStats:
        ends = clock() + drain_seconds
        total = DispatchStats()
        while True:
            stats = dispatcher.run_once()
            total += stats
            if stats.claimed < dispatcher.batch_size or stats.released or clock() >= ends:
                return total

    return run


# seconds between tracking poll rounds: each round reads the shipments that are due (a new one at
# once, then every EMALL_TRACKING_INTERVAL), so this only bounds how late a due read may be
TRACKING_POLL_INTERVAL = 30.0
ORDER_COMPLETION_INTERVAL = 300.0  # seconds: how late after EMALL_AUTO_COMPLETE_DAYS an order completes
FAILED_TRIES_INTERVAL = 300.0  # seconds: how late past their KEPT_FOR a failed try, or a seen nonce, is forgotten
LIMIT_WINDOWS_INTERVAL = 3600.0  # seconds: how late past limits.KEPT_FOR (a day) a window is forgotten
REFUND_REMINDER_INTERVAL = 300.0  # seconds: how late after its due time (or a day after the last) a refund is reminded
FORGET_EVENTS_INTERVAL = 3600.0  # seconds: how late past EMALL_EVENT_RETENTION_DAYS an event or delivery is forgotten

SmsAdapterFactory = Callable[[Settings], SmsAdapter | None]
BankAdaptersFactory = Callable[[Settings], Mapping[str, BankAdapter]]


def build_worker(db: Database, settings: Settings, sms_adapter: SmsAdapter | None = None, *,
                 banks: Mapping[str, BankAdapter] | None = None, lease: timedelta = LEASE,
                 courier_adapters: Couriers | Callable[[], Couriers] | None = None,
                 identity_partners: IdentityPartners | None = None) -> Worker:
    """The platform's jobs over `db`. Without `sms_adapter`, SMS rows wait in the outbox (PENDING)
    until a worker with one runs: they are neither sent nor given up. Without `banks`, payments are
    not reconciled by this worker. `courier_adapters` (for tests): the couriers tracking reads; by
    default those of the settings, made when first needed; `identity_partners` (for tests): the population
    registry, licensing and banks that verify sellers, by default those of the settings."""
    senders: dict[str, Sender] = {
        EMAIL: email_sender_from(settings.smtp_url, settings.var_dir, from_address=settings.mail_from)}
    if sms_adapter is not None:
        senders[SMS] = SmsSender(sms_adapter)
    jobs = [Job("dispatch-notifications", settings.dispatch_interval,
                dispatch_job(Dispatcher(db, senders, lease=lease,
                                        backoff_base=timedelta(seconds=settings.retry_base))))]
    if sms_adapter is not None:
        jobs.append(Job("poll-sms-status", SMS_STATUS_INTERVAL, SmsStatusPoller(db, sms_adapter).run_once))
    jobs.append(Job(CLOSE_JOB, settings.auction_close_interval, lambda: close_due_auctions(db, utcnow())))
    second_chance = SecondChancePolicy.from_settings(settings)
    jobs.append(Job("expire-invoices", settings.invoice_expiry_interval,
                    lambda: expire_due_invoices(db, utcnow(), second_chance=second_chance)))
    # the seller's choice, or the bidder's answer, not made in time (services.second_chance: the default)
    jobs.append(Job("settle-second-chances", settings.invoice_expiry_interval,
                    lambda: settle_due(db, utcnow(), second_chance)))
    if banks:
        policy = ReconcilePolicy.from_settings(settings)
        jobs.append(Job("reconcile-payments", settings.reconcile_interval,
                        lambda: reconcile(db, banks, utcnow(), policy)))
    poller = TrackingPoller(db, courier_adapters or (lambda: courier_adapters_from_settings(settings)),
                            TrackingPolicy.from_settings(settings))
    jobs.append(Job("poll-tracking", min(TRACKING_POLL_INTERVAL, settings.tracking_interval), poller.run))
    # never before the buyer's time to complain is over: a complaint stops the completion
    completion = ShippingPolicy(auto_complete_after=timedelta(
        days=max(settings.auto_complete_days, settings.complaint_days)))
    jobs.append(Job("complete-orders", ORDER_COMPLETION_INTERVAL,
                    lambda: complete_delivered_orders(db, utcnow(), completion)))
    orders = OrderPolicy.from_settings(settings)  # paid orders not shipped in time: cancelled, refund due
    jobs.append(Job(CANCEL_JOB, min(ORDER_COMPLETION_INTERVAL, settings.ship_deadline_days * 86400 / 4),
                    lambda: cancel_unshipped_orders(db, utcnow(), orders)))
    partners = identity_partners or identity_partners_from_settings(settings)  # zeep clients made on first call
    jobs.append(Job(VERIFY_JOB, settings.verify_interval, lambda: verify_due_sellers(db, partners, utcnow())))
    jobs.append(Job(REMIND_JOB, REFUND_REMINDER_INTERVAL, lambda: remind_overdue_refunds(db, utcnow())))
    reset_policy = MemberPolicy(message_limits=MessageLimits.from_settings(settings))  # as the server's
    jobs.append(Job("send-reset-codes", settings.dispatch_interval, lambda: send_reset_codes(db, reset_policy)))
    jobs.append(Job("forget-failed-tries", FAILED_TRIES_INTERVAL, lambda: throttle.forget_old(db, utcnow())))
    jobs.append(Job("forget-limit-windows", LIMIT_WINDOWS_INTERVAL, lambda: limits.forget_old(db, utcnow())))
    jobs.append(Job("forget-seen-nonces", FAILED_TRIES_INTERVAL, lambda: nonces.forget_old(db, utcnow())))
    # callbacks: every due subscription sent its pending events; the sealed secrets opened with the server's key
    callback_policy = callback_delivery.CallbackPolicy.from_settings(settings)
    box = cache(lambda: server_box(settings.secret_key, settings.var_dir))  # at the first round, not at start
    jobs.append(Job(callback_delivery.JOB, settings.callback_interval,
                    lambda: callback_delivery.deliver_due(db, utcnow, box(), callback_policy)))
    retention = timedelta(days=settings.event_retention_days)
    jobs.append(Job(callback_delivery.FORGET_JOB, FORGET_EVENTS_INTERVAL,
                    lambda: callback_delivery.forget_old(db, utcnow(), retention)))
    return Worker(jobs, recorder=JobRecorder(db, {job.name: job.interval for job in jobs},
                                                  flush_every=settings.heartbeat_interval))


def sms_adapter_from_settings(settings: Settings) -> SmsAdapter | None:
    """The configured SMS channel (emall_ws.partners decides which, from settings), or None."""
    # imported when a worker is built, not with this module: which gateway (and its settings) is
    # the deployment's business; tests hand build_worker/run_worker a fake and never need it
    from emall_ws.partners import sms_adapter_from

    return sms_adapter_from(settings)


def bank_adapters_from_settings(settings: Settings) -> Mapping[str, BankAdapter]:
    """Every bank's configured mutation endpoint (the sandboxes unless configured otherwise)."""
    from emall_ws.partners import adapters_for

    return adapters_for(settings, "bank", in_request=False)


def identity_partners_from_settings(settings: Settings) -> IdentityPartners:
    """Dukcapil, OSS and every bank as configured (imported late, like the SMS channel)."""
    from emall_ws.partners import adapters_for, dukcapil_adapter, oss_adapter

    return IdentityPartners(dukcapil_adapter(settings, in_request=False), oss_adapter(settings, in_request=False),
                            adapters_for(settings, "bank", in_request=False))


def courier_adapters_from_settings(settings: Settings) -> Couriers:
    """Every courier's configured endpoint (imported late, like the SMS channel)."""
    from emall_ws.partners import adapters_for

    return adapters_for(settings, "courier", in_request=False)


def run_worker(settings: Settings, stop_event: threading.Event | None = None, *,
               sms_adapter_factory: SmsAdapterFactory = sms_adapter_from_settings,
               bank_adapters_factory: BankAdaptersFactory = bank_adapters_from_settings) -> int:
    """`emall-ws worker`: runs the jobs in this process until SIGINT/SIGTERM (or `stop_event`).
    Returns the exit code. The factories are for tests (fake partners)."""
    stop = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda _signum, _frame: stop.set())
    db = Database(settings.database_url, sqlite_busy_timeout=settings.sqlite_busy_timeout)
    try:
        build_worker(db, settings, sms_adapter_factory(settings),
                     banks=bank_adapters_factory(settings)).run_forever(stop)
    finally:
        db.dispose()
    return 0
