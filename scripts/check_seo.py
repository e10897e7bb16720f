"""Independent checkers against the served demo site (`make check-seo`; not part of CI).

1. Installs the npm packages structured-data-testing-tool and vnu-jar into var/checkers/ (ignored by
   git; `--no-package-lock --no-save --ignore-scripts`: nothing is committed, nothing downloads binaries).
2. Serves the demo (`load_demo` into a throwaway SQLite database under a temporary VAR_DIR) with
   runserver on 127.0.0.1 and a free port, SITE_URL set to that address; stops it by PID at the end.
3. Runs structured-data-testing-tool with its Google and SocialMedia presets on an in-house story, a
   dispatch and a rewrite, and the Nu HTML Checker (vnu.jar, Java) on every public page: everything the
   sitemaps list, plus the corrections page, the newsletter page and a 404.

Exit status 0 only when every check passes. Output: one line per check, then the failures in full.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKERS = ROOT / "var" / "checkers"
PACKAGES = ["structured-data-testing-tool@4.5.0", "vnu-jar@26.9.27"]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
TIMEOUT = 120  # seconds any single checker may take


def install():
    if (CHECKERS / "node_modules" / ".bin" / "sdtt").exists() and (CHECKERS / "node_modules" / "vnu-jar").exists():
        return
    CHECKERS.mkdir(parents=True, exist_ok=True)
    command = ["npm", "install", "--prefix", str(CHECKERS), "--no-save", "--no-package-lock", "--ignore-scripts"]
    subprocess.run([*command, "--no-audit", "--no-fund", *PACKAGES], check=True, timeout=600)  # noqa: S603


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, *, allow_404=False):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 — our own local server
            return response.read().decode()
    except urllib.error.HTTPError as error:
        if allow_404 and error.code == 404:
            return error.read().decode()
        raise


def serve(var_dir, port):
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": str(var_dir),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{var_dir / 'demo.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=600)  # noqa: S603
    subprocess.run([*manage, "load_demo"], env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)  # noqa: S603
    urls = subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", SAMPLE_STORIES], env=env, check=True, timeout=120, capture_output=True, text=True
    ).stdout
    server = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fetch(f"{base}/robots.txt")
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        sys.exit("the demo server did not start")
    return server, base, json.loads(urls.strip().splitlines()[-1])


# Printed by `manage.py shell -c`: paths of an in-house story, a dispatch and a rewrite of the demo.
SAMPLE_STORIES = """
import json
from articles.models import Article
published = Article.objects.published()
print(json.dumps({
    "in-house": published.filter(source__is_agency=False, based_on=None).first().get_absolute_url(),
    "dispatch": published.filter(source__is_agency=True).first().get_absolute_url(),
    "rewrite": published.filter(based_on__isnull=False).first().get_absolute_url(),
}))
"""


def public_pages(base):
    """Every location the sitemaps list, plus pages they do not (corrections, newsletter, search, a 404)."""
    pages = []
    for part in re.findall(r"<loc>([^<]+)</loc>", fetch(f"{base}/sitemap.xml")):
        pages += re.findall(r"<loc>([^<]+)</loc>", fetch(part))
    others = ["/corrections/", "/newsletter/", "/recherche/", "/recherche/?q=Kazakhstan", "/page-inconnue/"]
    pages += [base + path for path in others]
    return pages


def run(command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)  # noqa: S603
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT} s"
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def main():
    install()
    bin_dir = CHECKERS / "node_modules" / ".bin"
    vnu_jar = CHECKERS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    var_dir = Path(tempfile.mkdtemp(prefix="newsroom-check-seo-"))
    server = None
    failures = []
    try:
        server, base, stories = serve(var_dir, free_port())
        for kind, path in stories.items():
            ok, output = run([str(bin_dir / "sdtt"), "--url", base + path, "--presets", "Google,SocialMedia"])
            summary = re.findall(r"(?:Tests|Passed|Failed|Warnings)\s*:?\s*\d+", output)
            print(f"sdtt Google+SocialMedia  {kind:<9} {path}: {'OK' if ok else 'FAILED'} {' '.join(summary)}")
            if not ok:
                failures.append((f"sdtt {kind}", output))
        pages = public_pages(base)
        # vnu refuses to fetch from 127.0.0.1 (« Forbidden host »): it checks saved copies, named after the URL.
        saved = var_dir / "pages"
        saved.mkdir()
        files = []
        for url in pages:
            name = saved / (re.sub(r"[^\w.-]+", "_", url.removeprefix(base)).strip("_") or "home")
            name = name.with_suffix(".html")
            name.write_text(fetch(url, allow_404=True), encoding="utf-8")
            files.append(str(name))
        ok, output = run(["java", "-jar", str(vnu_jar), "--errors-only", "--format", "text", *files])
        errors = output.lower().count("error:") if not ok else 0
        print(f"vnu --errors-only on {len(pages)} public pages: {'OK, 0 errors' if ok else f'{errors} error(s)'}")
        if not ok:
            failures.append(("vnu", output))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)
    for name, output in failures:
        print(f"\n=== {name}\n{output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
