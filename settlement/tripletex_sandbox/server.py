"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1 whose handler authenticates (Basic with a
session token), applies the rate limit and armed faults, records every request, and hands /v2
requests to api.dispatch. Every answer carries x-tlx-request-id; errors use Tripletex's envelope.
"""

from __future__ import annotations

import base64
import time
import uuid

from settlement.sandbox_kit.server import BodyRefused, LoopbackServer, RecordingHandler
from settlement.tripletex_sandbox.api import Call, Reply, dispatch
from settlement.tripletex_sandbox.errors import CODE_RATE_LIMITED, CODE_SERVER, ApiError, not_found
from settlement.tripletex_sandbox.ratelimit import RateLimiter
from settlement.tripletex_sandbox.sessions import Sessions
from settlement.tripletex_sandbox.state import State

MAX_BODY_BYTES = 25 * 1024 * 1024
API_PREFIX = "/v2"
CREATE_SESSION = "/token/session/:create"


class SandboxServer(LoopbackServer):
    def __init__(self, port: int, state: State, sessions: Sessions, limiter: RateLimiter) -> None:
        super().__init__(port, _Handler)
        self.state, self.sessions, self.limiter = state, sessions, limiter


def _basic_password(authorization: str | None) -> str | None:
    """The session token of a Basic header (what the request log calls the request's token)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(authorization[6:].strip()).decode("utf-8", "replace").partition(":")[2] or None
    except ValueError:
        return None


class _Handler(RecordingHandler):
    server: SandboxServer
    max_body_bytes = MAX_BODY_BYTES
    record_forms = False

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = RecordingHandler.do_GET

    def _handle(self) -> None:
        arrived = time.monotonic()
        request_id = str(uuid.uuid4())
        path, query = self._target()
        authorization = self.headers.get("Authorization")
        drop, raw = False, None
        try:
            try:
                raw = self._read_body()
            except BodyRefused as exc:
                raise ApiError(exc.status, 4000, exc.message) from None
            if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
                raise not_found(f"no such path: {path}")
            reply, drop = self._api(path[len(API_PREFIX):], query, raw, authorization)
        except ApiError as exc:
            if raw is None:  # the body was not read: the connection cannot be reused
                self.close_connection = True
            raw, reply = raw or b"", Reply(exc.status, exc.body(request_id), exc.headers)
        if isinstance(reply.body, dict) and "requestId" in reply.body:
            reply.body["requestId"] = request_id
        reply.headers["x-tlx-request-id"] = request_id
        self._record_and_answer(path, query, raw, _basic_password(authorization), arrived, drop, reply.status,
                                reply.body, reply.headers, "application/json; charset=utf-8")

    def _api(self, path: str, query: dict, raw: bytes, authorization: str | None) -> tuple[Reply, bool]:
        server = self.server
        if path == CREATE_SESSION:
            if self.command != "PUT":
                raise ApiError(405, 4000, "Use PUT")
            session = server.sessions.create(query)
            company = server.state.companies[session.company_id]
            base = server.root_url + API_PREFIX
            value = {"id": abs(hash(session.token)) % 10**9, "version": 0, "url": f"{base}/token/session/{session.token}",
                     "expirationDate": session.expires.isoformat(), "token": session.token,
                     "employeeToken": {"id": company.employee_id, "url": f"{base}/token/employee/{company.employee_id}"}}
            return Reply(200, {"value": value}), False
        session = server.sessions.authenticate(authorization)
        allowed, limits = server.limiter.take(session.employee_token)
        reply = self._authenticated(path, query, raw, session, allowed)
        reply.headers.update(limits)
        return reply, server.faults.take_drop(self.command, API_PREFIX + path)

    def _authenticated(self, path, query, raw, session, allowed) -> Reply:
        server = self.server
        try:
            if not allowed:
                raise ApiError(429, CODE_RATE_LIMITED, "Too Many Requests",
                               developer_message="Rate limit exceeded for this employee and API consumer")
            injected = server.faults.before_acting()
            if injected:
                status, headers = injected
                raise ApiError(status, CODE_SERVER if status >= 500 else CODE_RATE_LIMITED, "Injected fault",
                               headers=headers)
            if path.startswith("/token/session/") and self.command == "DELETE":
                if not server.sessions.delete(path.rsplit("/", 1)[1]):
                    raise not_found("session")
                return Reply(204, None)
            company = server.state.companies[session.company_id]
            call = Call(server.state, company, company.employee_id, self.command, query,
                        self.headers.get("Content-Type") or "", raw, server.root_url + API_PREFIX)
            return dispatch(call, path)
        except ApiError as exc:
            return Reply(exc.status, exc.body(""), exc.headers)
