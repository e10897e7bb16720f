"""Handing one message to the mail server or ESP, and reading what went wrong: pipelined SMTP with the
fence between the server's 354 and the message, error classification, pacing."""

import smtplib
import time

from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from newsletter.rendering import envelope_address

CONNECTION, TRANSIENT, PERMANENT = "connection", "transient", "permanent"


def classify(error):
    """(kind, description, hard_bounce) for an exception raised while handing over one message."""
    from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (550, b""))
        detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        return (PERMANENT, detail, True) if code >= 500 else (TRANSIENT, detail, False)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        detail = f"{error.smtp_code} {text}"
        if error.smtp_code == 421 or error.smtp_code < 400:
            return CONNECTION, detail, False
        return (PERMANENT, detail, False) if error.smtp_code >= 500 else (TRANSIENT, detail, False)
    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
        return CONNECTION, f"{type(error).__name__}: {error}", False
    if isinstance(error, smtplib.SMTPException):
        return TRANSIENT, f"{type(error).__name__}: {error}", False
    if isinstance(error, AnymailRecipientsRefused):
        return PERMANENT, str(error)[:500], True
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        if status is None or status == 429 or status >= 500:
            return TRANSIENT, str(error)[:500], False
        return PERMANENT, str(error)[:500], False
    if isinstance(error, AnymailError):
        return TRANSIENT, str(error)[:500], False
    if isinstance(error, ValueError):  # Django refuses an address it cannot encode
        return PERMANENT, str(error)[:500], False
    raise error


class Pacer:
    """Keeps one worker under NEWSLETTER_SEND_RATE messages per second (0: no limit)."""

    def __init__(self, rate):
        self.interval = 1 / rate if rate else 0
        self.next_at = time.monotonic()

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval


def prepare(*, mailer, renderer, variant, subscriber):
    """What hand_over() sends: raw bytes for an SMTP connection, an EmailMessage for other backends."""
    if isinstance(mailer, SMTPBackend):
        # The SMTP backend would serialise the message itself, ~9 ms each; the bytes from the
        # pre-encoded bodies are the same message for ~0.05 ms (see newsletter/mime.py).
        data, message_id = renderer.message_bytes(variant, subscriber=subscriber)
        envelope = (renderer.envelope_from, [envelope_address(subscriber.email)])
        return data, envelope, message_id
    return renderer.message(variant, subscriber=subscriber), None, None


class ClaimLost(Exception):
    """The fence failed: another worker took this row over; this one must neither send nor record it."""


class HandedOverUncertain(Exception):
    """The connection broke after the whole message was sent, before the server's answer (RFC 1047)."""


def smtp_send(smtp, sender, recipient, data, *, fence):
    """Hand one message to an SMTP server, calling `fence()` between the server's 354 and the message.

    MAIL, RCPT and DATA are pipelined (RFC 2920) when the server offers it: one round trip instead of
    three. Refusals raise the exceptions smtplib's sendmail() raises, so classify() treats them alike.
    If `fence()` says the row is no longer ours, the connection is dropped mid-DATA (the server discards
    an unfinished message) and ClaimLost is raised. A connection lost while the server holds the whole
    message raises HandedOverUncertain; lost before, the usual SMTPServerDisconnected/OSError.
    """
    smtp.ehlo_or_helo_if_needed()
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    if smtp.has_extn("pipelining"):
        smtp.send(
            f"MAIL FROM:{smtplib.quoteaddr(sender)}{''.join(' ' + o for o in options)}\r\n"
            f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\nDATA\r\n"
        )
        mail_reply, rcpt_reply, data_reply = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if data_reply[0] == 354 and (mail_reply[0] != 250 or rcpt_reply[0] not in (250, 251)):
            smtp.send(b".\r\n")  # end the empty message a lenient server opened
            smtp.getreply()
    else:
        mail_reply = smtp.mail(sender, options)
        rcpt_reply = smtp.rcpt(recipient) if mail_reply[0] == 250 else None
        data_reply = None
        if rcpt_reply is not None and rcpt_reply[0] in (250, 251):
            smtp.putcmd("data")
            data_reply = smtp.getreply()
    if mail_reply[0] != 250:
        smtp._rset()
        raise smtplib.SMTPSenderRefused(*mail_reply, sender)
    if rcpt_reply[0] not in (250, 251):
        smtp._rset()
        raise smtplib.SMTPRecipientsRefused({recipient: rcpt_reply})
    if data_reply[0] != 354:
        smtp._rset()
        raise smtplib.SMTPDataError(*data_reply)
    if not fence():
        smtp.close()
        raise ClaimLost
    body = smtplib._quote_periods(data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    try:
        code, response = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise HandedOverUncertain(f"{type(error).__name__}: {error}") from error
    if code != 250:
        smtp._rset()
        raise smtplib.SMTPDataError(code, response)


def hand_over(*, mailer, prepared, fence):
    """Give one prepared message to the mail server or ESP; return its Message-ID or provider id."""
    payload, envelope, message_id = prepared
    # Opened once and kept: every message of the run goes over the same connection.
    mailer.open()
    if envelope is not None:
        sender, [recipient] = envelope
        smtp_send(mailer.connection, sender, recipient, payload, fence=fence)
        return message_id
    if not fence():
        raise ClaimLost
    mailer.send_messages([payload])
    provider_id = getattr(getattr(payload, "anymail_status", None), "message_id", None)
    return str(provider_id or payload.extra_headers["Message-ID"])
