"""The WSGI application: routing, login (password or reverse-proxy header), sessions, CSRF, roles,
and the pages rendered from templates/.

Every page needs a logged-in user; every POST needs the session's CSRF token (and, when the browser
sends one, an Origin naming this host); the actions need the operator role. The role is read from
the users file on each request.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from settlement.domain import text
from settlement.domain.money import format_nok
from settlement.domain.text import N_, show_day, show_stored, tr
from settlement.domain.voucher import section_name
from settlement.posting.status import shown_action
from settlement.web import states
from settlement.web.ratelimit import LoginLimiter
from settlement.web.security import same_origin, secure
from settlement.web.sessions import COOKIE, LIFETIME_SECONDS, Session, Signer, new_session, same_token
from settlement.web.users import User, UsersFileError, read_users, verify_password

log = logging.getLogger("settlement.web")
HERE = Path(__file__).resolve().parent
USER_FAILURES, ADDRESS_FAILURES = 5, 30  # failed logins allowed in 5 minutes per name and per address
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))

URLS = Map([
    Rule("/", endpoint="overview"),
    Rule("/login", endpoint="login", methods=["GET", "POST"]),
    Rule("/logout", endpoint="logout", methods=["POST"]),
    Rule("/static/style.css", endpoint="style"),
    Rule("/payouts", endpoint="payouts"),
    Rule("/store/<vendor>", endpoint="store"),
    Rule("/store/<vendor>/test-connection", endpoint="test_connection", methods=["POST"]),
    Rule("/store/<vendor>/day/<day>", endpoint="day"),
    Rule("/store/<vendor>/day/<day>/report.pdf", endpoint="pdf"),
    Rule("/store/<vendor>/day/<day>/receipt/<path:receipt>", endpoint="receipt"),
    Rule("/store/<vendor>/day/<day>/<any(retry, reattach, approve, close):action>", endpoint="act", methods=["POST"]),
], strict_slashes=False)


class Forbidden(Exception):
    """A request refused with 403 and a sentence saying why."""


def _gettext(message: str) -> str:
    return text.language().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return text.language().ngettext(singular, plural, n)


def _day_filter(value):
    """`|day`: a date the way the language writes it (04.11.2026 in bokmål, 2026-11-04 in English);
    anything else (None, a text) as it is. URLs, form values and data attributes keep ISO: `{{ day }}`."""
    return show_day(value) if isinstance(value, date) else value


def _short_day(day: date) -> str:
    """`|short_day`: a grid column's heading, "tir 04.11" in bokmål ("04.11" in English, as ever)."""
    from settlement.web.store_view import WEEKDAYS as SHORT_WEEKDAYS

    if text.language().code == "en":
        return day.strftime("%d.%m")
    return f"{tr(SHORT_WEEKDAYS[day.weekday()])} {day:%d.%m}"


def _moment(value, tz=None, english: str = "%Y-%m-%d %H:%M:%S") -> str:
    """`|moment(tz, english)`: a stored moment (show_stored: bokmål in the vendor's zone `tz` with its
    offset, English formatted with `english`); nothing for None."""
    return "" if value is None else show_stored(value, tz, english)


def _environment() -> Environment:
    """The templates' environment: `{{ _("English text") }}` is shown in the language installed when
    the page is rendered (Jinja's i18n extension, new-style gettext: values as %(name)s)."""
    from settlement.web.payouts_view import shown_reason

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)
    env.filters.update(nok=lambda ore: format_nok(int(ore or 0)), label=states.label, css=states.css_class,
                       hint=states.hint, basename=lambda path: Path(str(path)).name,
                       weekday=lambda day: tr(WEEKDAYS[day.weekday()]), shown_reason=shown_reason,
                       day=_day_filter, short_day=_short_day, moment=_moment, action=shown_action,
                       section=section_name)
    return env


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound() from None


class WebApp:
    """The page as a WSGI callable.

    current_app: the running configuration (settlement.wiring.App), or None while it is not loaded.
    """

    def __init__(self, config, current_app: Callable[[], object | None]):
        self.config = config
        self.current_app = current_app
        self.signer = Signer(config.session_secret)
        # A name is guessed at slowly; an address (an office behind one NAT, the proxy) is allowed
        # more failures, so that one person's typos do not lock out everybody there.
        self.users_limiter = LoginLimiter(max_failures=USER_FAILURES)
        self.address_limiter = LoginLimiter(max_failures=ADDRESS_FAILURES)
        self.templates = _environment()
        from settlement.web.checks_view import ConnectionTests

        self.connection_tests = ConnectionTests()  # the last test-connection per store, this process only

    # --- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_form_memory_size = 64 * 1024  # forms here are a token and a reason
        try:
            response = self.dispatch(request)
        except Forbidden as exc:
            response = self.page(request, None, "error.html", status=403, title=tr("No access"), message=str(exc))
        except HTTPException as exc:
            response = exc.get_response(environ)
        except Exception:
            log.exception("web page: %s %s failed", request.method, request.path)
            response = self.page(request, None, "error.html", status=500, title=tr("Error"),
                                 message=tr("The page could not be shown (see the log)."))
        return secure(response, cache=request.path == "/static/style.css")(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        endpoint, values = URLS.bind_to_environ(request.environ).match()
        if endpoint == "style":
            return Response((HERE / "static" / "style.css").read_bytes(), mimetype="text/css")
        session = self.signer.load(request.cookies.get(COOKIE))
        if self.config.auth == "header":
            user, session = self._from_header(request, session)
            if endpoint == "login":
                return redirect("/")
        elif endpoint == "login":
            return self.login(request, session)
        else:
            user = self._user(session)
            if user is None:
                if request.method != "GET":
                    raise Forbidden(tr("You must be logged in."))
                target = request.full_path.rstrip("?")
                return redirect("/login" + (f"?next={quote(target, safe='/')}" if target != "/" else ""))
        if request.method == "POST":
            self._check_form(request, session)
        if endpoint == "logout":
            response = redirect("/login")
            response.delete_cookie(COOKIE, path="/")
            return response
        app = self.current_app()
        if app is None:
            return self.page(request, session, "error.html", status=503, title=tr("Not ready"), user=user,
                             message=tr("The configuration is not loaded yet (see /readyz)."))
        handler = getattr(self, f"on_{endpoint}")
        response = handler(request, app, user, session, **values)
        if self.config.auth == "header":
            self._set_cookie(response, session)
        return response

    # --- who is asking -------------------------------------------------------------------------
    def _users(self) -> dict[str, User]:
        try:
            return read_users(self.config.users_file)
        except UsersFileError as exc:
            log.error("web page: %s", exc)
            raise Forbidden(tr("The users file cannot be read (see the log).")) from None

    def _user(self, session: Session | None) -> User | None:
        if session is None or not session.user:
            return None
        return self._users().get(session.user)  # removed from the file: logged out at once

    def _from_header(self, request: Request, session: Session | None) -> tuple[User, Session]:
        """Header mode: the proxy in front names the user; only a trusted proxy is believed."""
        address = request.remote_addr or ""
        if not any(_same_address(address, proxy) for proxy in self.config.trusted_proxies):
            raise Forbidden(tr("This address may not log in with the login header."))
        name = (request.headers.get(self.config.auth_header) or "").strip()
        user = self._users().get(name) if name else None
        if user is None:
            raise Forbidden(tr("Unknown user.") if name else tr("No user in the login header."))
        if session is None or session.user != user.name:
            session = new_session(user.name)
        return user, session

    def _check_form(self, request: Request, session: Session | None) -> None:
        if not same_origin(request.headers.get("Origin"), request.host):
            raise Forbidden(tr("The form came from another site."))
        if session is None or not same_token(session.csrf, request.form.get("csrf")):
            raise Forbidden(tr("The form has expired or is forged (CSRF): reload the page and try again."))

    def _set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(COOKIE, self.signer.dump(session), max_age=LIFETIME_SECONDS, path="/", httponly=True,
                            secure=self.config.secure_cookies, samesite="Strict")

    def page(self, request, session, template: str, status: int = 200, **values) -> Response:
        values.setdefault("user", None)
        values.setdefault("lang", text.language().code)
        html = self.templates.get_template(template).render(csrf=session.csrf if session else "", **values)
        return Response(html, status=status, mimetype="text/html")

    # --- login ---------------------------------------------------------------------------------
    def login(self, request: Request, session: Session | None) -> Response:
        session = session or new_session(None)
        target = request.args.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never a redirect off this site
        if request.method == "GET":
            response = self.page(request, session, "login.html", next=target)
            self._set_cookie(response, session)
            return response
        self._check_form(request, session)
        name = request.form.get("username", "").strip()[:64]
        user_key, address_key = f"user:{name.lower()}", f"addr:{request.remote_addr}"
        if self.users_limiter.blocked(user_key) or self.address_limiter.blocked(address_key):
            log.warning("web page: login for %r from %s refused: too many failures", name, request.remote_addr)
            return self.page(request, session, "login.html", status=429, next=target,
                             error=tr("Too many failed attempts. Wait a few minutes."))
        user = self._users().get(name)
        if not verify_password(user, request.form.get("password", "")):
            self.users_limiter.failed(user_key)
            self.address_limiter.failed(address_key)
            return self.page(request, session, "login.html", status=401, next=target,
                             error=tr("Wrong user name or password."))
        log.info("web page: %s logged in from %s", user.name, request.remote_addr)
        fresh = new_session(user.name)  # a new token at login: a planted cookie is worth nothing
        response = redirect(target, code=303)
        self._set_cookie(response, fresh)
        return response

    # --- pages ---------------------------------------------------------------------------------
    def on_overview(self, request, app, user, session):
        from settlement.web.overview import DEFAULT_DAYS, build_overview, default_end
        from datetime import timedelta

        now = datetime.now(timezone.utc)
        try:
            end = date.fromisoformat(request.args["to"]) if request.args.get("to") else default_end(app, now)
            start = (date.fromisoformat(request.args["from"]) if request.args.get("from")
                     else end - timedelta(days=DEFAULT_DAYS - 1))
        except ValueError:
            end, start = default_end(app, now), default_end(app, now) - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            start, end = end, start
        vendor = request.args.get("store", "")
        vendor = vendor if vendor in app.vendors else ""
        state = request.args.get("state", "")[:32]
        overview = build_overview(app, now, start, end, vendor, state)
        return self.page(request, session, "overview.html", user=user, o=overview, vendors=app.vendors,
                         f_store=vendor, f_state=state,
                         state_options=list(states.KNOWN) + [s for s in overview.states if s not in states.KNOWN])

    def on_store(self, request, app, user, session, vendor):
        from settlement.web.checks_view import accounts_check_for
        from settlement.web.store_view import build_store
        from settlement.web.svg import takings_chart

        view = build_store(app, self._vendor(app, vendor), datetime.now(timezone.utc))
        return self.page(request, session, "store.html", user=user, s=view, chart=takings_chart(view.days),
                         check=accounts_check_for(app, view.vendor.id), tested=self.connection_tests.get(view.vendor.id))

    def on_test_connection(self, request, app, user, session, vendor):
        from settlement.web.checks_view import run_connection_test

        vendor = self._vendor(app, vendor)
        if not user.is_operator:
            log.warning("web page: %s (viewer) refused test-connection on %s", user.name, vendor)
            raise Forbidden(tr("{user} is a viewer: only an operator can test the connection.", user=user.name))
        tested = run_connection_test(app, vendor, user.name)
        self.connection_tests.put(vendor, tested)
        log.info("web page: %s: test-connection %s: %s", user.name, vendor, "passed" if tested.result["passed"] else "failed")
        return redirect(f"/store/{vendor}#connection", code=303)

    def on_payouts(self, request, app, user, session):
        from settlement.web.payouts_view import build_payouts

        return self.page(request, session, "payouts.html", user=user, views=build_payouts(app))

    def on_day(self, request, app, user, session, vendor, day, message: str = "", ok: bool = True):
        from settlement.web.actions import available
        from settlement.web.day_view import build_day

        vendor, day = self._vendor(app, vendor), _day(day)
        line = request.args.get("line", type=int)
        page = request.args.get("page", default=1, type=int)
        shown = self._shown_state(app, vendor, day)
        view = build_day(app, vendor, day, shown, line, page)
        return self.page(request, session, "day.html", user=user, d=view, r=view.report,
                         actions=available(str(view.state.status), shown) if user.is_operator else [],
                         message=message or request.args.get("done", "")[:300], ok=ok)

    def on_receipt(self, request, app, user, session, vendor, day, receipt):
        from settlement.web.day_view import receipt_lines

        vendor, day = self._vendor(app, vendor), _day(day)
        lines = receipt_lines(app, vendor, day, receipt)
        if not lines:
            raise NotFound()
        return self.page(request, session, "receipt.html", user=user, vendor=app.vendor(vendor), day=day,
                         receipt=receipt, lines=lines)

    def on_pdf(self, request, app, user, session, vendor, day):
        vendor, day = self._vendor(app, vendor), _day(day)
        pdf = app.render_pdf(app.day_report(vendor, day))
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="dagsoppgjor-{vendor}-{day.isoformat()}.pdf"'
        return response

    def on_act(self, request, app, user, session, vendor, day, action):
        from settlement.web import actions

        vendor, day = self._vendor(app, vendor), _day(day)
        if not user.is_operator:
            log.warning("web page: %s (viewer) refused %s on %s %s", user.name, action, vendor, day)
            raise Forbidden(tr("{user} is a viewer: only an operator can do this.", user=user.name))
        reason = " ".join(request.form.get("reason", "").split())[:300]
        if action in ("retry", "reattach"):
            done = actions.settle_again(app, vendor, day, user.name, action)
        elif action == "approve":
            done = actions.approve(app, vendor, day, user.name, reason)
        else:
            done = actions.close_day(app, vendor, day, user.name, reason)
        log.info("web page: %s: %s %s %s: %s", user.name, action, vendor, day, done.message)
        if not done.ok:
            return self.on_day(request, app, user, session, vendor, day.isoformat(), message=done.message, ok=False)
        return redirect(f"/store/{vendor}/day/{day.isoformat()}", code=303)

    # --- helpers -------------------------------------------------------------------------------
    def _vendor(self, app, vendor_id: str) -> str:
        if vendor_id not in app.vendors:
            raise NotFound()
        return vendor_id

    def _shown_state(self, app, vendor_id: str, day: date) -> str:
        """The day's state as the overview shows it (changed, waiting and open included)."""
        from settlement.posting.status import vendor_status
        from settlement.store.posting_state import PostingState
        from settlement.web.overview import cell_state
        from settlement.wiring import current_digests

        vendor = app.vendor(vendor_id)
        status = vendor_status(vendor, PostingState(app.engine).all(vendor.id), datetime.now(timezone.utc),
                               current_digests(app))
        return cell_state(vendor, day, {s.business_day: s for s in status.days}, {c.day for c in status.changed},
                          set(status.waiting))


def _same_address(address: str, proxy: str) -> bool:
    try:
        return ipaddress.ip_address(address) == ipaddress.ip_address(proxy)
    except ValueError:
        return address == proxy
