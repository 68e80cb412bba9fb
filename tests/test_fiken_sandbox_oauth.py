"""The sandbox's OAuth endpoints: code → token → refresh (rotation) → revoke, and the refusals."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from settlement.fiken_sandbox import FikenSandbox

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def sb():
    sandbox = FikenSandbox.start(port=0, max_seconds=120, rate_limit_per_second=None)
    yield sandbox
    sandbox.stop()


def authorize(sb, state="s-123", redirect=REDIRECT, **extra) -> dict:
    params = {"response_type": "code", "client_id": sb.client_id, "redirect_uri": redirect, "state": state, **extra}
    reply = requests.get(sb.authorize_url, params=params, allow_redirects=False, timeout=5)
    assert reply.status_code == 302, reply.text
    target = urlsplit(reply.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == redirect
    return {k: v[0] for k, v in parse_qs(target.query).items()}


def token(sb, auth=None, **form) -> requests.Response:
    return requests.post(sb.token_url, data=form, auth=auth or (sb.client_id, sb.client_secret), timeout=5)


def exchange(sb, state="s-123"):
    code = authorize(sb, state=state)["code"]
    return token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, state=state)


def user_status(sb, access_token) -> int:
    return requests.get(sb.base_url + "/user", headers={"Authorization": f"Bearer {access_token}"}, timeout=5).status_code


def test_code_token_refresh_revoke(sb):
    redirect = authorize(sb)
    assert redirect["state"] == "s-123" and redirect["code"]
    reply = token(sb, grant_type="authorization_code", code=redirect["code"], redirect_uri=REDIRECT, state="s-123")
    assert reply.status_code == 200, reply.text
    first = reply.json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 86157
    assert user_status(sb, first["access_token"]) == 200

    # The code is single-use.
    again = token(sb, grant_type="authorization_code", code=redirect["code"], redirect_uri=REDIRECT, state="s-123")
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    # Refresh rotates: a new refresh token, and the used one stops working.
    second = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert user_status(sb, second["access_token"]) == 200
    reused = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    # Revoke ends the grant: access and refresh tokens alike.
    revoke = requests.post(sb.revoke_url, headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=5)
    assert revoke.status_code == 200
    assert user_status(sb, second["access_token"]) == 401
    assert user_status(sb, first["access_token"]) == 401
    assert token(sb, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 400


def test_expired_access_token_is_401_until_refreshed(sb):
    tokens = exchange(sb).json()
    sb.expire(tokens["access_token"])
    assert user_status(sb, tokens["access_token"]) == 401
    fresh = token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    assert user_status(sb, fresh["access_token"]) == 200


def test_short_lived_tokens_can_be_configured():
    sandbox = FikenSandbox.start(port=0, max_seconds=60, access_token_lifetime=60)
    try:
        assert exchange(sandbox).json()["expires_in"] == 60
    finally:
        sandbox.stop()


@pytest.mark.parametrize("auth, error", [
    (("wrong-client", "x"), "invalid_client"),
    ("bad-secret", "invalid_client"),
])
def test_bad_client_credentials_are_401(sb, auth, error):
    code = authorize(sb)["code"]
    credentials = (sb.client_id, "not-the-secret") if auth == "bad-secret" else auth
    reply = token(sb, auth=credentials, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, state="s-123")
    assert reply.status_code == 401 and reply.json()["error"] == error


def test_client_credentials_in_the_body_are_refused(sb):
    code = authorize(sb)["code"]
    reply = requests.post(sb.token_url, data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                              "state": "s-123", "client_id": sb.client_id,
                                              "client_secret": sb.client_secret}, timeout=5)
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"


def test_code_exchange_needs_matching_state_and_redirect(sb):
    code = authorize(sb)["code"]
    reply = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert reply.status_code == 400 and "state" in reply.json()["error_description"]
    code = authorize(sb)["code"]
    reply = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "/x", state="s-123")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_declined_consent_redirects_with_access_denied(sb):
    sb.decline_next_consent()
    redirect = authorize(sb, state="abc")
    assert redirect == {"error": "access_denied", "error_description": "The user declined", "state": "abc"}
    assert "code" in authorize(sb)  # only the next one is declined


def test_authorize_refuses_unknown_clients_and_non_loopback_redirects(sb):
    params = {"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT, "state": "s"}
    assert requests.get(sb.authorize_url, params=params, allow_redirects=False).status_code == 400
    params.update(client_id=sb.client_id, redirect_uri="https://evil.example/cb")
    assert requests.get(sb.authorize_url, params=params, allow_redirects=False).status_code == 400
    del params["state"]
    params["redirect_uri"] = REDIRECT
    assert requests.get(sb.authorize_url, params=params, allow_redirects=False).status_code == 400


def test_consent_by_the_second_user_gives_their_companies(sb):
    sb.consent_as_second_user()
    access = exchange(sb).json()["access_token"]
    companies = requests.get(sb.base_url + "/companies", headers={"Authorization": f"Bearer {access}"}).json()
    assert [c["slug"] for c in companies] == ["annen-bruker-as"]
