"""Lighthouse (mobile) on the demo's article page with a featured image and two body images.

    make lighthouse            # or: .venv/bin/python bench/lighthouse.py [--runs 3]

Installs npm `lighthouse@12.2.3` into .lighthouse/ (git-ignored) on first use, builds a throwaway demo
site (SQLite and media under var/lighthouse/, renditions made by load_demo), serves it with runserver
on a free 127.0.0.1 port, and runs Lighthouse against Debian's /usr/bin/chromium with mobile emulation
of a 390 × 844 phone at 3× and Lighthouse's default simulated slow-4G throttling. Prints the
performance score, LCP, CLS and total page weight of each run. Not part of CI.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = ROOT / ".lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
WORK = ROOT / "var" / "lighthouse"
PAGE = "/kazakhstan/la-france-au-coeur-de-la-strategie-kazakhe/"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def install_lighthouse():
    if not LIGHTHOUSE.exists():
        LIGHTHOUSE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "lighthouse@12.2.3"], cwd=LIGHTHOUSE_DIR, check=True
        )


def site_env():
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
        MEDIA_ROOT=str(WORK / "media"),
        PAGE_CACHE_SECONDS="300",
    )
    env.pop("REDIS_URL", None)
    return env


def build_site(env):
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([*manage, "load_demo"], env=env, check=True, stdout=subprocess.DEVNULL)


def run_lighthouse(url, out):
    flags = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
    command = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance",
        "--form-factor=mobile",
        "--screenEmulation.mobile",
        "--screenEmulation.width=390",
        "--screenEmulation.height=844",
        "--screenEmulation.deviceScaleFactor=3",
        f"--chrome-flags={flags}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True, timeout=300)
    report = json.loads(Path(out).read_text())
    audits = report["audits"]
    images = [
        item
        for item in audits["network-requests"]["details"]["items"]
        if item.get("resourceType") == "Image" or item.get("mimeType", "").startswith("image/")
    ]
    return {
        "score": round(report["categories"]["performance"]["score"] * 100),
        "lcp_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "weight_kB": round(audits["total-byte-weight"]["numericValue"] / 1000, 1),
        "fcp_s": round(audits["first-contentful-paint"]["numericValue"] / 1000, 2),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "speed_index_s": round(audits["speed-index"]["numericValue"] / 1000, 2),
        # Lighthouse's own CPU benchmark of the machine at run time (a quiet desktop scores ~1500+).
        "benchmark_index": round(report["environment"]["benchmarkIndex"]),
        "images": [(item["url"].rsplit("/", 1)[-1], round(item.get("transferSize", 0) / 1000, 1)) for item in images],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    install_lighthouse()
    env = site_env()
    build_site(env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}{PAGE}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=2).read()  # also warms the page cache
                break
            except OSError:
                time.sleep(0.2)
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(1, args.runs + 1):
                result = run_lighthouse(url, Path(tmp) / f"run{run}.json")
                print(f"run {run}: " + json.dumps(result, ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
