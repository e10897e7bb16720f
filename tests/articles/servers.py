"""Real servers the cache tests start and stop themselves: redis-server, varnishd (127.0.0.1, free ports)."""

import glob
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, *, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class RedisServer:
    """A throwaway redis-server (no persistence) that a test may stop to simulate an outage."""

    def __init__(self, directory):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (scripts/system-deps installs redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--dir", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self):
        stop(self.process)


VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "newsroom.vcl"


class VarnishServer:
    """Debian's varnishd with the repository's VCL (xkey vmod), in front of 127.0.0.1:`backend_port`."""

    def __init__(self, directory, backend_port):
        binary = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
        if binary is None or not glob.glob("/usr/lib/*/varnish/vmods/libvmod_xkey.so"):
            pytest.skip("varnishd or its xkey vmod is missing: apt-get install varnish varnish-modules")
        vcl = re.sub(r'\.port = "\d+";', f'.port = "{backend_port}";', VCL.read_text(), count=1)
        (directory / "newsroom.vcl").write_text(vcl)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [binary, "-F", "-n", str(directory / "varnish"), "-a", f"127.0.0.1:{self.port}", "-T", "none",
                   "-f", str(directory / "newsroom.vcl"), "-s", "malloc,64m"]  # fmt: skip
        if os.geteuid() == 0:
            command[1:1] = ["-j", "none"]  # no separate varnish user needed for a throwaway instance
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, process=self.process, timeout=60)

    def get(self, path, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", quote(path, safe="/?=&"), headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()

    def stop(self):
        stop(self.process)
