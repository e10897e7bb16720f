"""Development email backend (`make run`): every message readable in the worker's output and kept in var/mail/.

The console backend prints the raw MIME message, whose French text and links arrive quoted-printable
(`=C3=A9`, `=3D`, soft line breaks): unusable for clicking a confirmation link. This one prints the
headers that matter and the plain-text part decoded, and writes the full message to
`$VAR_DIR/mail/<time>-<n>.eml` (opens in any mail program).
"""

import itertools
import sys
import threading
from email import policy
from email.parser import BytesParser

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

_counter = itertools.count(1)


class DevelopmentEmailBackend(BaseEmailBackend):
    def __init__(self, **kwargs):
        self.stream = kwargs.pop("stream", sys.stdout)
        self.folder = kwargs.pop("folder", settings.VAR_DIR / "mail")
        self._lock = threading.Lock()
        super().__init__(**kwargs)

    def send_messages(self, email_messages):
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            for message in email_messages:
                raw = message.message().as_bytes()
                path = self.folder / f"{timezone.now():%Y%m%d-%H%M%S}-{next(_counter)}.eml"
                path.write_bytes(raw)
                parsed = BytesParser(policy=policy.default).parsebytes(raw)
                body = parsed.get_body(preferencelist=("plain",))
                self.stream.write(
                    f"=== Email to {parsed['To']} — {parsed['Subject']}\n"
                    f"    (full message: {path})\n\n{body.get_content() if body else ''}\n{'=' * 72}\n"
                )
                self.stream.flush()
        return len(email_messages)
