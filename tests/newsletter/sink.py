"""A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, keeping what it receives."""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Handler:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.refuse_after = None  # answer 421 to MAIL FROM once this many messages are in
        self.reject = {}  # address -> SMTP reply to RCPT TO
        self.pipelining = True  # advertise RFC 2920 PIPELINING, as production servers do
        self.drop_after_data = set()  # keep these addresses' message, then drop the connection unanswered
        self.drop_at_mail = None  # a callable: True drops the connection at MAIL FROM (before any message)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_at_mail is not None and self.drop_at_mail():
            server.transport.abort()
            return "421 4.4.2 Connection dropped"
        if self.refuse_after is not None and len(self.messages) >= self.refuse_after:
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return self.reject[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        message.raw = raw
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        if self.drop_after_data & {address.lower() for address in envelope.rcpt_tos}:
            # The message is in, but the client never hears "250": the RFC 1047 case.
            server.transport.abort()
        return "250 Message accepted for delivery"


class Sink:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = None

    @property
    def messages(self):
        return [message for _rcpt, message in self.handler.messages]

    def to(self, address):
        return [message for rcpt, message in self.handler.messages if address in rcpt]

    def counts(self):
        """{address: how many messages it received}."""
        counts = {}
        for address in self.recipients():
            counts[address] = counts.get(address, 0) + 1
        return counts

    def recipients(self):
        return [address for rcpt, _message in self.handler.messages for address in rcpt]

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mailers(self):
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }
