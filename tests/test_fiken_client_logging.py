"""Logs never carry credentials: a whole OAuth round (authorize, code exchange, API calls, a 401 with
refresh, revocation) and personal-token calls at DEBUG level, captured with caplog, contain no token,
code, client secret or Authorization value, while the libraries' token records are there, redacted."""

from __future__ import annotations

import base64
import logging
from urllib.parse import parse_qs, urlsplit

import requests
from pydantic import SecretStr

from settlement.targets.fiken.auth import OAuthToken, PersonalToken
from settlement.targets.fiken.client import FikenClient
from settlement.targets.fiken.errors import AuthenticationError
from settlement.targets.fiken.oauth import OAuthConfig, begin, code_from_redirect, exchange_code, revoke_token
from settlement.targets.fiken.token_store import TokenFileStore


def test_debug_logs_of_a_whole_oauth_round_hold_no_secret(fiken_sandbox, tmp_path, caplog):
    sb = fiken_sandbox
    caplog.set_level(logging.DEBUG)
    config = OAuthConfig(sb.client_id, SecretStr(sb.client_secret), sb.authorize_url, sb.token_url,
                         sb.revoke_url, "http://127.0.0.1:8765/callback")
    request = begin(config)
    redirect = requests.get(request.url, allow_redirects=False, timeout=5).headers["Location"]
    code = code_from_redirect(redirect, request.state)
    store = TokenFileStore(tmp_path / "token.json")
    first = exchange_code(config, code, request.state)
    store.save(first)

    client = FikenClient(sb.base_url, OAuthToken(config, store))
    assert client.user().email
    sb.expire(first["access_token"])
    assert client.companies()  # 401, refresh (rotation), retry
    second = store.load()
    assert second["refresh_token"] != first["refresh_token"]
    logging.getLogger("settlement.targets.fiken").debug("token dict %s", second)  # as a careless caller might
    revoke_token(config, second["access_token"])

    personal = FikenClient(sb.base_url, PersonalToken(SecretStr("wrong-personal-token-123")))
    try:
        personal.user()
    except AuthenticationError as exc:
        logging.getLogger("settlement.targets.fiken").warning("failed: %s", exc)

    text = caplog.text
    basic = base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()
    secrets = [first["access_token"], first["refresh_token"], second["access_token"], second["refresh_token"],
               code, sb.client_secret, basic, "wrong-personal-token-123"]
    leaked = [s for s in secrets if s in text]
    assert leaked == [], f"secrets in the log: {leaked}"
    # The test is not vacuous: the libraries did log the token exchange and we saw the requests.
    loggers = {r.name for r in caplog.records}
    assert any(name.startswith("requests_oauthlib") for name in loggers), loggers
    assert "[REDACTED]" in text
    assert "/api/v2/companies" in text
    assert parse_qs(urlsplit(redirect).query)["state"] == [request.state]
