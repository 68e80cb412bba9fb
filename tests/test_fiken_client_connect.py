"""OAuth end to end through the real CLI against the sandbox: `settlement connect` (loopback callback
and pasted redirect URL), a refused `state`, declined consent, refresh with the rotated refresh token
persisted, a 401 answered by exactly one refresh and one retry, a revoked grant giving a clear
"reconnect" error, and `settlement disconnect` revoking the grant."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from pydantic import SecretStr

from settlement.targets.fiken.auth import OAuthToken
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.oauth import OAuthConfig
from settlement.targets.fiken.token_store import TokenFileStore


@pytest.fixture
def oauth_ws(workspace, fiken_sandbox):
    """A workspace registered as an OAuth app with the sandbox, without a personal token."""
    sb = fiken_sandbox
    workspace.extra_env.update(
        SETTLEMENT_FIKEN_BASE_URL=sb.base_url,
        SETTLEMENT_FIKEN_CLIENT_ID=sb.client_id,
        SETTLEMENT_FIKEN_CLIENT_SECRET=sb.client_secret,
        SETTLEMENT_FIKEN_AUTHORIZE_URL=sb.authorize_url,
        SETTLEMENT_FIKEN_TOKEN_URL=sb.token_url,
        SETTLEMENT_FIKEN_REVOKE_URL=sb.revoke_url,
        SETTLEMENT_FIKEN_REDIRECT_URI="http://127.0.0.1:0/callback",  # any free port
        SETTLEMENT_FIKEN_TOKEN_FILE=str(workspace.path / "data" / "fiken-token.json"),
    )
    workspace.sandbox = sb
    workspace.token_file = workspace.path / "data" / "fiken-token.json"
    return workspace


class Connect:
    """`settlement connect` running as a subprocess, read line by line."""

    def __init__(self, ws, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "settlement", "connect", "--timeout", "20", *args],
            cwd=ws.path, env=ws.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []

    def authorize_url(self) -> str:
        """The URL the CLI asks the user to open (read from its output)."""
        while True:
            line = self.process.stdout.readline()
            assert line, f"connect ended early: {self.finish()}"
            self.lines.append(line)
            if line.strip().startswith("http"):
                return line.strip()

    def finish(self, pasted: str | None = None) -> tuple[int, str, str]:
        out, err = self.process.communicate(input=pasted, timeout=30)
        return self.process.returncode, "".join(self.lines) + out, err


def redirect_of(url: str) -> str:
    """Where the sandbox's consent sends the browser (without following it)."""
    reply = requests.get(url, allow_redirects=False, timeout=5)
    assert reply.status_code == 302, reply.text
    return reply.headers["Location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def bearer_works(sb, access_token: str) -> bool:
    reply = requests.get(sb.base_url + "/user", headers={"Authorization": f"Bearer {access_token}"}, timeout=5)
    return reply.status_code == 200


def connect_by_paste(ws) -> dict:
    connect = Connect(ws, "--paste")
    status, out, err = connect.finish(redirect_of(connect.authorize_url()) + "\n")
    assert status == 0, out + err
    return json.loads(ws.token_file.read_text())


def token_posts(sb) -> list:
    return [r for r in sb.requests if r.path == "/oauth/token"]


def test_connect_with_the_loopback_callback_stores_a_working_token_owner_only(oauth_ws):
    sb = oauth_ws.sandbox
    connect = Connect(oauth_ws)
    url = connect.authorize_url()
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(sb.authorize_url) and query["client_id"] == [sb.client_id]
    assert len(query["state"][0]) >= 20
    callback = urlsplit(query["redirect_uri"][0])
    assert callback.hostname == "127.0.0.1" and callback.port and callback.port != 0

    # The "browser": consent happens automatically; the redirect lands on the CLI's callback server.
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Received Fiken's answer" in page.text

    status, out, err = connect.finish()
    assert status == 0, out + err
    assert "Connected to Fiken as Demo Regnskapsfører (regnskap@demo-as.example)" in out
    token = json.loads(oauth_ws.token_file.read_text())
    assert stat.S_IMODE(os.stat(oauth_ws.token_file).st_mode) == 0o600
    assert bearer_works(sb, token["access_token"]) and token["refresh_token"]
    assert token["access_token"] not in out + err and token["refresh_token"] not in out + err
    # The code exchange used HTTP Basic client authentication and brought the state back.
    exchange = token_posts(sb)[0]
    assert exchange.body["grant_type"] == "authorization_code" and exchange.body["state"] == query["state"][0]
    assert "client_secret" not in exchange.body


def test_connect_with_a_pasted_redirect_url(oauth_ws):
    token = connect_by_paste(oauth_ws)
    assert bearer_works(oauth_ws.sandbox, token["access_token"])


def test_a_redirect_with_another_state_is_refused_and_nothing_is_stored(oauth_ws):
    connect = Connect(oauth_ws, "--paste")
    forged = with_query(redirect_of(connect.authorize_url()), state="forged-state")
    status, out, err = connect.finish(forged + "\n")
    assert status == 1
    assert "state does not match" in err
    assert not oauth_ws.token_file.exists()
    assert token_posts(oauth_ws.sandbox) == []  # the code was never exchanged


def test_declined_consent_is_reported_and_nothing_is_stored(oauth_ws):
    oauth_ws.sandbox.decline_next_consent()
    connect = Connect(oauth_ws, "--paste")
    status, out, err = connect.finish(redirect_of(connect.authorize_url()) + "\n")
    assert status == 1 and "access_denied" in err
    assert not oauth_ws.token_file.exists()


def test_a_401_is_answered_by_one_refresh_and_one_retry_and_the_rotated_token_is_persisted(oauth_ws):
    sb = oauth_ws.sandbox
    first = connect_by_paste(oauth_ws)
    sb.expire(first["access_token"])  # Fiken forgets the access token before the stored expiry
    before = len(sb.requests)

    status, out, err = oauth_ws.invoke("test-connection", "--vendor", "oslo-sentrum")
    assert status == 0, out + err
    assert "Connected to Fiken as Demo Regnskapsfører" in out
    api = [(r.path.rsplit("/", 1)[-1], r.status) for r in sb.requests[before:] if r.path.startswith("/api/")]
    assert api[:2] == [("user", 401), ("user", 200)]
    assert [status for _, status in api].count(401) == 1
    refreshes = [r for r in token_posts(sb) if r.body["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1

    second = json.loads(oauth_ws.token_file.read_text())
    assert second["refresh_token"] != first["refresh_token"]  # rotated, and the new one was saved
    assert bearer_works(sb, second["access_token"]) and not bearer_works(sb, first["access_token"])
    # The old refresh token is spent: only the persisted one can renew now.
    spent = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                          auth=(sb.client_id, sb.client_secret), timeout=5)
    assert spent.status_code == 400


def test_an_expiring_token_is_refreshed_before_it_is_used(oauth_ws):
    sb = oauth_ws.sandbox
    first = connect_by_paste(oauth_ws)
    oauth_ws.token_file.write_text(json.dumps({**first, "expires_at": time.time() + 30}))  # inside the margin
    status, out, err = oauth_ws.invoke("test-connection", "--vendor", "oslo-sentrum")
    assert status == 0, out + err
    assert all(r.status != 401 for r in sb.requests)
    assert json.loads(oauth_ws.token_file.read_text())["refresh_token"] != first["refresh_token"]


def test_a_revoked_grant_gives_a_clear_reconnect_error_after_one_refresh_attempt(oauth_ws):
    sb = oauth_ws.sandbox
    token = connect_by_paste(oauth_ws)
    sb.revoke(token["access_token"])  # e.g. the user removed the app in Fiken
    before = len(sb.requests)
    status, out, err = oauth_ws.invoke("test-connection")
    assert status == 1
    assert "Fiken access was revoked or has expired: run `settlement connect` to connect again" in out + err
    assert len([r for r in token_posts(sb) if r.body["grant_type"] == "refresh_token"]) == 1
    assert [r.status for r in sb.requests[before:] if r.path.startswith("/api/")] == [401]


def test_disconnect_revokes_the_grant_and_deletes_the_token(oauth_ws):
    sb = oauth_ws.sandbox
    token = connect_by_paste(oauth_ws)
    status, out, err = oauth_ws.invoke("disconnect")
    assert status == 0, out + err
    assert "Disconnected: access revoked" in out
    assert not oauth_ws.token_file.exists()
    assert not bearer_works(sb, token["access_token"])
    refresh = requests.post(sb.token_url, data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
                            auth=(sb.client_id, sb.client_secret), timeout=5)
    assert refresh.status_code == 400
    assert oauth_ws.invoke("disconnect")[1].startswith("Not connected")
    status, out, err = oauth_ws.invoke("test-connection")
    assert status == 1 and "run `settlement connect`" in err


def test_connect_without_an_oauth_registration_names_the_settings(workspace):
    status, out, err = workspace.invoke("connect", "--paste")
    assert status == 1
    assert "SETTLEMENT_FIKEN_CLIENT_ID and SETTLEMENT_FIKEN_CLIENT_SECRET" in err


def test_threads_sharing_an_expired_oauth_token_refresh_once_and_never_overlap(oauth_ws):
    sb = oauth_ws.sandbox
    token = connect_by_paste(oauth_ws)
    sb.expire(token["access_token"])
    config = OAuthConfig(sb.client_id, SecretStr(sb.client_secret), sb.authorize_url,
                         sb.token_url, sb.revoke_url, "http://127.0.0.1:8765/callback")
    client = FikenClient(sb.base_url, OAuthToken(config, TokenFileStore(oauth_ws.token_file)))
    before = len(sb.requests)
    failures: list[BaseException] = []

    def work():
        try:
            for _ in range(2):
                client.user()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert sb.overlaps() == []
    assert len([r for r in sb.requests[before:] if r.path == "/oauth/token"]) == 1
    assert [r.status for r in sb.requests[before:] if r.path.startswith("/api/")].count(401) == 1
