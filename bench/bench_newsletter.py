"""Benchmark: send one edition to N subscribers into a local SMTP sink, beside the raw smtplib ceiling.

    .venv/bin/python bench/bench_newsletter.py [--subscribers 100000] [--batch-size 500]

Uses a throwaway SQLite database (or DATABASE_URL, whose rows it removes afterwards), starts an aiosmtpd
sink in its own process on a free port, and stops it at the end. Prints figures; passes or fails nothing.
Results and the reading of them: docs/benchmarks.md ("Newsletter sending").
"""

import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkProtocol:
    """A minimal SMTP server that accepts everything and counts it.

    aiosmtpd (used by the tests) parses DATA line by line in Python and tops out near 300 messages/s
    for 20 kB messages on this hardware, which would measure the sink rather than the sender; this
    one finds the end of DATA with one bytes.find() per chunk.
    """

    counter = None

    def connection_made(self, transport):
        self.transport, self.buffer, self.in_data, self.scan_from, self.rcpts = transport, bytearray(), False, 0, []
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n", self.scan_from)
                if end < 0:
                    self.scan_from = max(len(self.buffer) - 4, 0)
                    return
                del self.buffer[: end + 5]
                self.in_data, self.scan_from = False, 0
                self.counter.record(self.rcpts)
                self.transport.write(b"250 OK queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 2]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 52428800\r\n")
            elif verb == b"MAIL":
                self.rcpts = []
                self.transport.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                self.rcpts.append(line.partition(b"<")[2].partition(b">")[0])
                self.transport.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.in_data = True
                self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            else:  # HELO, RSET, NOOP
                self.transport.write(b"250 OK\r\n")

    def connection_lost(self, exc):
        pass

    def eof_received(self):
        return False


class Counter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.messages, self.recipients, self.duplicates = 0, set(), 0

    def record(self, rcpts):
        self.messages += 1
        for rcpt in rcpts:
            if rcpt in self.recipients:
                self.duplicates += 1
            self.recipients.add(rcpt)


def run_sink(port, ready, stop, report):
    """The sink, in its own process (its own core and GIL), until `stop` is set."""
    import asyncio

    counter = Counter()
    SinkProtocol.counter = counter

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(SinkProtocol, "127.0.0.1", port)
        ready.set()
        while not stop.is_set():
            if report.poll():
                report.recv()
                report.send((counter.messages, len(counter.recipients), counter.duplicates))
                counter.reset()
            await asyncio.sleep(0.05)
        server.close()

    asyncio.run(serve())


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak = rss_bytes()
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--ceiling-messages", type=int, default=20_000)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the sending phase to FILE")
    args = parser.parse_args()

    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    parent_end, child_end = multiprocessing.Pipe()
    sink = multiprocessing.Process(target=run_sink, args=(port, ready, stop, child_end), daemon=True)
    sink.start()
    ready.wait(10)

    tmp = tempfile.TemporaryDirectory(prefix="bench-newsletter-")
    own_database = "DATABASE_URL" not in os.environ
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "0",  # DEBUG records every query: not what production runs
            "SECRET_KEY": "bench-only-throwaway-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "localhost",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "SITE_URL": "https://www.example.org",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        bench(args, port, parent_end, own_database)
    finally:
        stop.set()
        sink.join(10)
        tmp.cleanup()


def bench(args, port, sink_report, own_database):
    import email.policy
    import smtplib

    from django.db import connection
    from django.utils import timezone

    from articles.models import Article, Section, Source
    from newsletter import editions, rendering, sending
    from newsletter.models import Delivery, Edition, Newsletter, Subscriber

    n = args.subscribers
    newsletter = Newsletter.objects.get(slug="essentiel-quotidien")
    sections = list(Section.objects.all())
    source = Source.objects.get(slug="redaction")
    now = timezone.now()
    articles = [
        Article.objects.create(
            headline=f"Article de banc d’essai {i} : l’actualité de l’Asie centrale",
            standfirst="Un chapô de deux phrases, d’une longueur ordinaire. Il résume l’article. " * 2,
            section=sections[i % 6],
            source=source,
            status=Article.Status.PUBLISHED,
            publish_at=now - timezone.timedelta(minutes=10 + i),
        )
        for i in range(12)
    ]
    print(f"database: {connection.vendor}; subscribers: {n}; batch size: {args.batch_size}")

    began = time.perf_counter()
    created_at = timezone.now()
    through = Subscriber.sections.through
    for start in range(0, n, 5000):
        chunk = Subscriber.objects.bulk_create(
            Subscriber(
                email=f"bench{i}@bench.example.org",
                status=Subscriber.Status.ACTIVE,
                consent_at=created_at,
                consent_version="bench",
                confirmed_at=created_at,
            )
            for i in range(start, min(start + 5000, n))
        )
        if not chunk[0].pk:
            chunk = list(Subscriber.objects.filter(email__endswith="@bench.example.org").order_by("-id")[: len(chunk)])
        # One subscriber in five follows a single section: several renderings, as in real life.
        through.objects.bulk_create(
            through(subscriber_id=s.pk, section_id=sections[s.pk % 6].pk) for s in chunk if s.pk % 5 == 0
        )
    print(f"setup: {n} subscribers in {time.perf_counter() - began:.1f} s")

    edition = editions.assemble_edition(newsletter=newsletter)
    began = time.perf_counter()
    editions.start_edition(edition=edition, enqueue=False)
    print(
        f"start_edition: {Delivery.objects.filter(edition=edition).count()} deliveries queued in "
        f"{time.perf_counter() - began:.1f} s"
    )

    baseline = rss_bytes()
    watcher = PeakRSS()
    watcher.start()
    began = time.perf_counter()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    result = sending.deliver_edition(edition_id=edition.pk, batch_size=args.batch_size, rate=0)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed = time.perf_counter() - began
    peak = watcher.stop()
    sink_report.send("count")
    received, distinct, duplicates = sink_report.recv()
    ours = result.sent / elapsed
    print(
        f"newsletter: {result.sent} sent in {elapsed:.1f} s = {ours:.0f} messages/s; "
        f"sink received {received} ({distinct} distinct recipients, {duplicates} duplicates); "
        f"RSS {baseline / 2**20:.0f} MiB before, peak {peak / 2**20:.0f} MiB (+{(peak - baseline) / 2**20:.1f} MiB)"
    )
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.SENT

    # The ceiling: the same prebuilt message, a bare smtplib loop, one connection. A rate needs no
    # 100 000 samples: the loop stops at --ceiling-messages to keep the run short.
    count = min(n, args.ceiling_messages)
    renderer = rendering.EditionRenderer(edition)
    sample = Subscriber.objects.first()
    raw = renderer.message(renderer.variant(), subscriber=sample).message(policy=email.policy.SMTP).as_bytes()
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(count):
            smtp.sendmail("newsletter@newsroom.localhost", [f"bench{i}@bench.example.org"], raw)
    ceiling_elapsed = time.perf_counter() - began
    sink_report.send("count")
    received, _distinct, _duplicates = sink_report.recv()
    ceiling = count / ceiling_elapsed
    print(
        f"ceiling (raw smtplib, one prebuilt message of {len(raw)} bytes): {count} sent in {ceiling_elapsed:.1f} s = "
        f"{ceiling:.0f} messages/s; sink received {received}"
    )
    print(f"ratio: {ours / ceiling:.2f} of the ceiling (target ≥ 0.50)")

    if not own_database:
        Edition.objects.filter(pk=edition.pk).delete()
        Subscriber.objects.filter(email__endswith="@bench.example.org").delete()
        Article.objects.filter(pk__in=[a.pk for a in articles]).delete()


if __name__ == "__main__":
    main()
