"""Notifications: an outbox written in the business transaction, and a dispatcher that sends it.

    outbox.enqueue(session, ...)   inside the use case's unit of work
    dispatcher.Dispatcher          claims due rows, sends, records the outcome (run by emall_ws.worker)
    templates.render(...)          Indonesian subject, plain text and HTML from notify/templates/
    email.*                        SMTP and local Maildir senders
"""
