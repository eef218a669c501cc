"""Notifications: an outbox written in the business transaction, and a dispatcher that sends it.

    outbox.enqueue(session, ...)   inside the use case's unit of work
    dispatcher.Dispatcher          claims due rows, sends, records the outcome (run by emall_ws.worker)
    templates.render(...)          Indonesian subject, plain text and HTML from notify/templates/
    templates.render_sms(...)      the one-line SMS text, for events that have one
    email.*                        SMTP and local Maildir senders
    sms.SmsSender                  the SMS channel over an adapters.sms.SmsAdapter (the gateway)
    sms_status.SmsStatusPoller     stores the gateway's delivery reports (run by emall_ws.worker)
    sms_text                       GSM-7 or UCS-2, and how many SMS a text costs
"""
