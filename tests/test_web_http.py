"""The web page over plain HTTP (requests): login, sessions, CSRF, roles, rate limit, security
headers, escaping, header mode, and that no secret is ever rendered.

The installation is real: two stores' sample receipts imported with the CLI, settled into the Fiken
sandbox by `settlement catch-up` and `run` (one day refused by Fiken: failed; one day with an unmapped
payment code: blocked), then `settlement web` started as a process on 127.0.0.1 that stops by itself.
tests/test_web_browser.py drives the same installation in Chromium.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {"anna": "anna-operator-pw", "victor": "victor-viewer-pw"}
# A receipt whose payment code has no mapping: the day is blocked. Its id and the store's name
# carry HTML, which every page must show as text.
BLOCKING = """receipt_id;timestamp;type;code;vat_code;amount;vat
BB-<b>X1</b>;2026-11-04T12:00:00;sale;high;3;125,00;25,00
BB-<b>X1</b>;2026-11-04T12:00:00;payment;bitcoin;;125,00;
"""
STORE_NAME = "Bergen <i>Bryggen</i>"
# A receipt that arrives after Bergen's 3 November was posted: the day is held for approval.
LATE = """receipt_id;timestamp;type;code;vat_code;amount;vat
BB-LATE-1;2026-11-03T17:45:00;sale;high;3;250,00;50,00
BB-LATE-1;2026-11-03T17:45:00;payment;vipps;;250,00;
"""


@dataclass
class Site:
    """The installation and its running web page."""

    path: Path
    env: dict[str, str]
    url: str
    sandbox: FikenSandbox
    process: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    def cli(self, *args: str, stdin: str | None = None, language: str = "en") -> subprocess.CompletedProcess:
        """A command of the installation, in English unless asked (what these tests read of the CLI; the page is
        bokmål)."""
        result = subprocess.run([sys.executable, "-m", "settlement", *args], cwd=self.path,
                                env=dict(self.env, SETTLEMENT_LANGUAGE=language), input=stdin,
                                capture_output=True, text=True, timeout=300)
        return result


def _env(path: Path, sandbox: FikenSandbox, language: str = "nb") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLEMENT_")}
    env.update(
        SETTLEMENT_DATABASE_URL=f"sqlite:///{path / 'data' / 'settlement.db'}",
        # The page these tests read is in bokmål, the product's default (tests/test_web_en.py reads
        # it in English); Site.cli runs the commands in English.
        SETTLEMENT_LANGUAGE=language,
        SETTLEMENT_CHART_OF_ACCOUNTS=str(path / "chart_of_accounts"),
        SETTLEMENT_VENDORS=str(path / "vendors.toml"),
        SETTLEMENT_REPORT_DIR=str(path / "data" / "reports"),
        SETTLEMENT_FIKEN_TOKEN=sandbox.personal_token,
        SETTLEMENT_FIKEN_BASE_URL=sandbox.base_url,
        SETTLEMENT_WEB_USERS=str(path / "users.toml"),
        SETTLEMENT_WEB_PORT="0",
        SETTLEMENT_WEB_SESSION_SECRET="a test key signing the sessions",
    )
    return env


def start_page(site: Site, seconds: float = 600) -> tuple[subprocess.Popen, str]:
    """`settlement web` as a process; its URL from the line it prints."""
    process = subprocess.Popen([sys.executable, "-m", "settlement", "web", "--max-seconds", str(seconds)],
                               cwd=site.path, env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    assert found, line + process.stderr.read()
    return process, found.group(1)


# What `run` says of a day's state in each language (settlement.posting.status.state_word).
_SAID = {"en": {"held": "held", "failed": "failed", "blocked": "blocked"},
         "nb": {"held": "holdt tilbake", "failed": "feilet", "blocked": "stoppet"}}


def build_site(path: Path, settle_in: str = "en") -> Site:
    """The installation with its days settled by the CLI in `settle_in`, which is also the language of
    the reasons stored with the days (the browser tests settle in bokmål, the page's language, so
    their screenshots read as an accountant's would)."""
    shutil.copytree(ROOT / "chart_of_accounts", path / "chart_of_accounts")
    vendors = (ROOT / "vendors.toml").read_text(encoding="utf-8")
    assert 'name = "Bergen Bryggen"' in vendors
    # Bergen's corrections wait for a person (corrections = "hold"): a late receipt holds its day.
    (path / "vendors.toml").write_text(
        vendors.replace('name = "Bergen Bryggen"', f'name = "{STORE_NAME}"\ncorrections = "hold"'), encoding="utf-8")
    (path / "blocking.csv").write_text(BLOCKING, encoding="utf-8")
    (path / "late.csv").write_text(LATE, encoding="utf-8")
    sandbox = FikenSandbox.start(port=0, max_seconds=900)
    site = Site(path, _env(path, sandbox), "", sandbox)
    for name, role in (("anna", "operator"), ("victor", "viewer")):
        done = site.cli("web", "adduser", name, "--role", role, "--password-stdin", stdin=PASSWORDS[name] + "\n")
        assert done.returncode == 0, done.stderr
    for vendor in ("oslo-sentrum", "bergen-bryggen"):
        done = site.cli("import", "sales", "--vendor", vendor, str(ROOT / "samples" / f"{vendor}.csv"))
        assert done.returncode == 0, done.stdout + done.stderr
    done = site.cli("import", "sales", "--vendor", "bergen-bryggen", str(path / "blocking.csv"))
    assert done.returncode == 0, done.stdout + done.stderr
    done = site.cli("catch-up", "--through", "2026-11-03", language=settle_in)
    assert done.returncode == 0, done.stdout + done.stderr
    done = site.cli("import", "sales", "--vendor", "bergen-bryggen", str(path / "late.csv"))
    assert done.returncode == 0, done.stdout + done.stderr
    done = site.cli("run", "--vendor", "bergen-bryggen", "--date", "2026-11-03", language=settle_in)
    assert _SAID[settle_in]["held"] in done.stdout, done.stdout + done.stderr
    sandbox.faults.error_rate(1.0, statuses=(400,))  # Fiken refuses oslo-sentrum's 4 November
    done = site.cli("run", "--vendor", "oslo-sentrum", "--date", "2026-11-04", language=settle_in)
    sandbox.faults.clear()
    assert done.returncode == 1 and _SAID[settle_in]["failed"] in done.stdout, done.stdout + done.stderr
    done = site.cli("run", "--vendor", "bergen-bryggen", "--date", "2026-11-04", language=settle_in)
    assert done.returncode == 1 and _SAID[settle_in]["blocked"] in done.stdout, done.stdout + done.stderr
    site.process, site.url = start_page(site)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = build_site(tmp_path_factory.mktemp("web"))
    try:
        yield site
    finally:
        if site.process is not None:
            site.process.terminate()
            site.process.wait(timeout=10)
        site.sandbox.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def login(site: Site, name: str, password: str | None = None) -> requests.Session:
    session = requests.Session()
    page = session.get(site.url + "login", timeout=10)
    answer = session.post(site.url + "login", data={"csrf": csrf_of(page.text), "username": name,
                                                    "password": password or PASSWORDS[name]}, timeout=30)
    assert answer.status_code == 200 and "Oversikt" in answer.text, answer.text[:400]
    return session


PERIOD = "?from=2026-11-01&to=2026-11-07"


def test_no_page_without_login(site):
    for path in ("", "store/oslo-sentrum", "store/oslo-sentrum/day/2026-11-02",
                 "store/oslo-sentrum/day/2026-11-02/report.pdf"):
        answer = requests.get(site.url + path, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login"), answer.headers["Location"]
    answer = requests.post(site.url + "store/oslo-sentrum/day/2026-11-04/retry", data={"csrf": "x"}, timeout=10)
    assert answer.status_code == 403


def test_security_headers_on_every_answer(site):
    session = login(site, "victor")
    for answer in (requests.get(site.url, allow_redirects=False, timeout=10), requests.get(site.url + "login", timeout=10),
                   session.get(site.url + PERIOD, timeout=30), session.get(site.url + "static/style.css", timeout=10),
                   session.get(site.url + "store/nobody", timeout=10)):
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert "script-src" not in csp  # none allowed: default-src 'none' covers scripts
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
    page = session.get(site.url + PERIOD, timeout=30)
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script" not in page.text and " style=" not in page.text


def test_the_session_cookie_is_httponly_and_samesite_strict(site):
    session = requests.Session()
    page = session.get(site.url + "login", timeout=10)
    answer = session.post(site.url + "login", data={"csrf": csrf_of(page.text), "username": "victor",
                                                    "password": PASSWORDS["victor"]}, allow_redirects=False, timeout=30)
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # SETTLEMENT_WEB_SECURE_COOKIES is off here (plain HTTP)
    assert PASSWORDS["victor"] not in cookie


def test_csrf_missing_or_forged_is_refused(site):
    session = login(site, "anna")
    for data in ({}, {"csrf": "forged-token"}):
        answer = session.post(site.url + "store/oslo-sentrum/day/2026-11-03/approve", data=data, timeout=10)
        assert answer.status_code == 403 and "CSRF" in answer.text
    # A form posted from another site is refused even with the right token.
    token = csrf_of(session.get(site.url + PERIOD, timeout=30).text)
    answer = session.post(site.url + "store/oslo-sentrum/day/2026-11-03/approve", data={"csrf": token},
                          headers={"Origin": "https://evil.example"}, timeout=10)
    assert answer.status_code == 403
    # The login form needs its token too.
    answer = requests.post(site.url + "login", data={"username": "anna", "password": PASSWORDS["anna"]}, timeout=10)
    assert answer.status_code == 403


def test_a_viewer_is_refused_an_action(site):
    session = login(site, "victor")
    page = session.get(site.url + "store/bergen-bryggen/day/2026-11-04", timeout=30)
    assert page.status_code == 200 and 'id="actions"' not in page.text
    answer = session.post(site.url + "store/bergen-bryggen/day/2026-11-04/close",
                          data={"csrf": csrf_of(page.text), "reason": "viewer tries"}, timeout=30)
    assert answer.status_code == 403 and "viewer" in answer.text
    audit = site.cli("audit", "--vendor", "bergen-bryggen", "--date", "2026-11-04").stdout
    assert "viewer tries" not in audit


def test_html_in_a_store_name_and_a_receipt_id_is_shown_as_text(site):
    session = login(site, "victor")
    overview = session.get(site.url + PERIOD, timeout=30).text
    assert "Bergen &lt;i&gt;Bryggen&lt;/i&gt;" in overview and "<i>Bryggen" not in overview
    day = session.get(site.url + "store/bergen-bryggen/day/2026-11-04", timeout=30).text
    assert "<b>X1" not in day and "&lt;b&gt;X1" in day


def test_no_secret_is_rendered(site):
    session = login(site, "anna")
    pages = [session.get(site.url + path, timeout=60).text for path in (
        PERIOD, "store/oslo-sentrum", "store/oslo-sentrum/day/2026-11-02", "store/bergen-bryggen/day/2026-11-04")]
    store = pages[1]
    assert "Fiken-tilgangen" in store  # the credential's name ("the Fiken credential" in English), not its value
    for page in pages:
        assert site.sandbox.personal_token not in page and "a test key signing the sessions" not in page
        assert "argon2" not in page


def test_the_report_pdf_is_served_to_a_logged_in_user(site):
    session = login(site, "victor")
    answer = session.get(site.url + "store/oslo-sentrum/day/2026-11-02/report.pdf", timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")


def test_login_is_rate_limited_per_user(site):
    for _ in range(5):
        session = requests.Session()
        page = session.get(site.url + "login", timeout=10)
        answer = session.post(site.url + "login", data={"csrf": csrf_of(page.text), "username": "ratelimited",
                                                        "password": "wrong"}, timeout=30)
        assert answer.status_code == 401
    session = requests.Session()
    page = session.get(site.url + "login", timeout=10)
    answer = session.post(site.url + "login", data={"csrf": csrf_of(page.text), "username": "ratelimited",
                                                    "password": "wrong"}, timeout=30)
    assert answer.status_code == 429 and "For mange" in answer.text
    # Somebody else from the same address still gets in: the address allows more failures.
    login(site, "victor")


def test_login_is_rate_limited_per_address(site):
    server = _in_process(site)
    try:
        for n in range(30):
            session = requests.Session()
            page = session.get(server.url + "login", timeout=10)
            answer = session.post(server.url + "login", data={"csrf": csrf_of(page.text), "username": f"guess{n}",
                                                              "password": "wrong"}, timeout=30)
            assert answer.status_code == 401
        session = requests.Session()
        page = session.get(server.url + "login", timeout=10)
        answer = session.post(server.url + "login", data={"csrf": csrf_of(page.text), "username": "victor",
                                                          "password": PASSWORDS["victor"]}, timeout=30)
        assert answer.status_code == 429  # even the right password, from an address that guessed 30 names
    finally:
        server.stop()


def test_the_limiter_forgets_old_failures_and_stays_bounded():
    from settlement.web.ratelimit import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(max_failures=2, window=60, max_keys=100, clock=lambda: now[0])
    limiter.failed("user:a")
    limiter.failed("user:a")
    assert limiter.blocked("user:a") and not limiter.blocked("user:b")
    now[0] = 61
    assert not limiter.blocked("user:a")
    for n in range(1000):
        limiter.failed(f"addr:{n}")
    assert len(limiter) == 100


def test_the_address_limit_holds_whatever_names_are_tried():
    from settlement.web.ratelimit import LoginLimiter

    limiter = LoginLimiter(max_failures=3)
    for name in ("a", "b", "c"):
        limiter.failed(f"user:{name}", "addr:10.0.0.7")
    assert limiter.blocked("user:d", "addr:10.0.0.7") and not limiter.blocked("user:d", "addr:10.0.0.8")


class _InProcess:
    """The page started in this process; stop() ends it and gives the tests back their English."""

    def __init__(self, server):
        self._server = server
        self.url = server.url

    def stop(self) -> None:
        from settlement.domain import text

        try:
            self._server.stop()
        finally:
            text.install(text.ENGLISH)


def _in_process(site: Site, language: str = "nb", **changes):
    """The page in this process on a free port, with changed settings (real HTTP all the same).

    App.load installs the language (bokmål, as the page of `settlement web` is here) for this whole
    process; the caller's server.stop() installs English again."""
    from settlement.domain import text
    from settlement.settings import Settings
    from settlement.web.server import start_web
    from settlement.wiring import App, web_config

    settings = Settings(database_url=site.env["SETTLEMENT_DATABASE_URL"], chart_of_accounts=site.path / "chart_of_accounts",
                        vendors=site.path / "vendors.toml", report_dir=site.path / "data" / "reports",
                        web_users=site.path / "users.toml", web_port=0, language=language)
    config = replace(web_config(settings), **changes)
    try:
        app = App.load(settings)
        return _InProcess(start_web(config, lambda: app))
    except BaseException:
        text.install(text.ENGLISH)
        raise


def test_secure_cookies_when_behind_tls(site):
    server = _in_process(site, secure_cookies=True)
    try:
        page = requests.get(server.url + "login", timeout=10)
        assert "Secure" in page.headers["Set-Cookie"] and "SameSite=Strict" in page.headers["Set-Cookie"]
    finally:
        server.stop()


def test_header_mode_believes_only_the_trusted_proxy(site):
    server = _in_process(site, auth="header", auth_header="X-Remote-User")
    try:
        answer = requests.get(server.url + PERIOD, headers={"X-Remote-User": "anna"}, timeout=30)
        assert answer.status_code == 200 and "anna" in answer.text and 'data-state="failed"' in answer.text
        assert requests.get(server.url, headers={"X-Remote-User": "mallory"}, timeout=10).status_code == 403
        assert requests.get(server.url, timeout=10).status_code == 403
    finally:
        server.stop()
    server = _in_process(site, auth="header", auth_header="X-Remote-User", trusted_proxies=("10.1.2.3",))
    try:  # we are 127.0.0.1, not the proxy: the header is not believed
        assert requests.get(server.url, headers={"X-Remote-User": "anna"}, timeout=10).status_code == 403
    finally:
        server.stop()


def test_web_without_users_says_how_to_add_one(site):
    env = {k: v for k, v in site.env.items() if k != "SETTLEMENT_WEB_USERS"}
    done = subprocess.run([sys.executable, "-m", "settlement", "web", "--max-seconds", "1"], cwd=site.path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "settlement web adduser" in done.stderr


def test_adduser_keeps_no_password_and_refuses_a_short_one(site):
    users = (site.path / "users.toml").read_text(encoding="utf-8")
    assert "$argon2id$" in users and PASSWORDS["anna"] not in users
    assert oct((site.path / "users.toml").stat().st_mode & 0o777) == "0o600"
    done = site.cli("web", "adduser", "shorty", "--password-stdin", stdin="short\n")
    assert done.returncode == 1 and "shorty" not in (site.path / "users.toml").read_text(encoding="utf-8")


def test_an_operator_closes_a_day_without_data_with_a_reason(site):
    session = login(site, "anna")
    page = session.get(site.url + "store/bergen-bryggen/day/2026-11-05", timeout=30)
    assert 'id="close"' in page.text
    answer = session.post(site.url + "store/bergen-bryggen/day/2026-11-05/close",
                          data={"csrf": csrf_of(page.text), "reason": "stengt for varetelling"}, timeout=30)
    assert answer.status_code == 200 and 'data-state="empty"' in answer.text
    audit = site.cli("audit", "--vendor", "bergen-bryggen", "--date", "2026-11-05").stdout
    assert "day-closed" in audit and "stengt av anna på nettsiden: stengt for varetelling" in audit  # written in bokmål
    # A day with sales cannot be closed: said on the page, nothing written.
    page = session.get(site.url + "store/oslo-sentrum/day/2026-11-03", timeout=30)
    assert 'id="close"' not in page.text
    answer = session.post(site.url + "store/oslo-sentrum/day/2026-11-03/close",
                          data={"csrf": csrf_of(page.text), "reason": "no"}, timeout=30)
    assert "salgsdata" in answer.text and 'id="message"' in answer.text
    assert "day-closed" not in site.cli("audit", "--vendor", "oslo-sentrum", "--date", "2026-11-03").stdout


def test_serve_starts_the_page_beside_its_probes(site):
    # On a copy of the database, with no ledger to reach: serve's start-up catch-up must not change
    # the days the other tests look at, nor post anything.
    shutil.copy(site.path / "data" / "settlement.db", site.path / "serve-copy.db")
    env = dict(site.env, SETTLEMENT_HTTP_PORT="0", SETTLEMENT_SERVE_PID_FILE=str(site.path / "serve.pid"),
               SETTLEMENT_DATABASE_URL=f"sqlite:///{site.path / 'serve-copy.db'}",
               SETTLEMENT_FIKEN_BASE_URL="http://127.0.0.1:9/api/v2", SETTLEMENT_FIKEN_RETRY_ATTEMPTS="1")
    log = site.path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "settlement", "serve", "--max-seconds", "60"], cwd=site.path,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        found = None
        # The page answers before the configuration is loaded (503 "not ready" until then), so wait
        # for both its address and the load.
        while found is None and time.monotonic() < deadline and process.poll() is None:
            text = log.read_text()
            found = re.search(r"web page on (http://127\.0\.0\.1:\d+/)", text) if "configuration loaded" in text else None
            time.sleep(0.2)
        assert found, log.read_text()
        url = found.group(1)
        assert requests.get(url, allow_redirects=False, timeout=10).status_code == 302
        session = requests.Session()
        page = session.get(url + "login", timeout=10)
        answer = session.post(url + "login", data={"csrf": csrf_of(page.text), "username": "victor",
                                                   "password": PASSWORDS["victor"]}, timeout=30)
        assert answer.status_code == 200 and 'data-store="oslo-sentrum"' in answer.text
    finally:
        process.terminate()
        process.wait(timeout=30)
