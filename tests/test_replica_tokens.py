"""An OAuth token that Fiken rotates on refresh, shared by replicas through PostgreSQL
(settlement.store.oauth_tokens behind settlement.targets.fiken.token_store.DatabaseTokenStore):
the replica that refreshes second uses the token the first one stored instead of spending the
rotated refresh token; with a token file per replica the second one is disconnected."""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from settlement.fiken_sandbox import FikenSandbox
from settlement.settings import Settings
from settlement.store import open_engine
from settlement.store.oauth_tokens import OAuthTokenTable
from settlement.targets.fiken.auth import OAuthToken
from settlement.targets.fiken.configure import oauth_config
from settlement.targets.fiken.errors import ReconnectRequired
from settlement.targets.fiken.token_store import DatabaseTokenStore, TokenFileStore
from settlement.wiring import fiken_token_store
from tests.test_fiken_sandbox_oauth import REDIRECT, exchange


@pytest.fixture
def sb():
    sandbox = FikenSandbox.start(port=0, max_seconds=120, rate_limit_per_second=None)
    yield sandbox
    sandbox.stop()


def _config(sb):
    return oauth_config(sb.client_id, SecretStr(sb.client_secret), authorize_url=sb.authorize_url,
                        token_url=sb.token_url, revoke_url=sb.revoke_url, redirect_uri=REDIRECT)


def _expired_token(sb) -> dict:
    """A token from the code flow, stamped as expired so that the next use refreshes it."""
    token = exchange(sb).json()
    token["expires_at"] = 0
    return token


def _works(sb, authorization: str) -> bool:
    return requests.get(sb.base_url + "/user", headers={"Authorization": authorization}, timeout=5).status_code == 200


def test_replicas_on_postgresql_share_the_rotated_token(sb, pg_url):
    table_a, table_b = OAuthTokenTable(open_engine(pg_url)), OAuthTokenTable(open_engine(pg_url))
    store_a, store_b = DatabaseTokenStore(table_a), DatabaseTokenStore(table_b)
    store_a.save(_expired_token(sb))
    replica_a, replica_b = OAuthToken(_config(sb), store_a), OAuthToken(_config(sb), store_b)
    before = store_b.load()["refresh_token"]

    first = replica_a.authorization()  # refreshes: Fiken rotates the refresh token
    assert store_b.load()["refresh_token"] != before
    second = replica_b.authorization()  # finds the fresh token in the database: no second refresh
    assert second == first and _works(sb, second)
    with table_a.locked("fiken"):  # a refresh's lock is the database's, taken by one at a time
        assert store_b.load()["access_token"] == first.removeprefix("Bearer ")


def test_replicas_with_a_token_file_each_lose_the_grant(sb, tmp_path):
    token = _expired_token(sb)
    store_a, store_b = TokenFileStore(tmp_path / "a" / "t.json"), TokenFileStore(tmp_path / "b" / "t.json")
    store_a.save(token)
    store_b.save(token)
    assert _works(sb, OAuthToken(_config(sb), store_a).authorization())
    with pytest.raises(ReconnectRequired):
        OAuthToken(_config(sb), store_b).authorization()  # its refresh token was spent by replica a


def test_wiring_keeps_the_token_in_postgresql_adopting_the_file_once_and_sqlite_keeps_the_file(tmp_path, pg_url):
    file = tmp_path / "fiken-token.json"
    TokenFileStore(file).save({"access_token": "old", "refresh_token": "r", "expires_at": 1})
    sqlite = fiken_token_store(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", fiken_token_file=file))
    assert isinstance(sqlite, TokenFileStore)

    store = fiken_token_store(Settings(database_url=pg_url, fiken_token_file=file))
    assert isinstance(store, DatabaseTokenStore) and store.describe() == "the database (oauth_token 'fiken')"
    assert store.load()["access_token"] == "old"  # taken over from the file
    store.save({"access_token": "new", "refresh_token": "r2", "expires_at": 2})
    assert fiken_token_store(Settings(database_url=pg_url, fiken_token_file=file)).load()["access_token"] == "new"
    assert store.delete() and not file.exists() and store.load() is None
