"""The text of an alert, in the installed language (bokmål by default), for the accountant or the
store manager who reads it: which store, which day, what is wrong and what to do. Both channels
send these words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.domain.text import N_, tr
from settlement.posting.alerts import CORRECTION_BLOCKED, CREDENTIAL, MISSING, PAYOUT, Alert

_WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
             N_("Sunday"))
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
# A day's status as the reader knows it.
_STATUS = {
    "documented": N_("posted, with the daily settlement attached"), "posted": N_("posted"),
    "empty": N_("closed without sales"), "blocked": N_("stopped by errors in the data"),
    "failed": N_("refused by the accounting system"), "correction-failed": N_("the correction was refused"),
    CORRECTION_BLOCKED: N_("the correction is stopped by a locked period"), MISSING: N_("data missing"),
    "posting": N_("being posted"), "held": N_("waiting for the correction to be approved"),
}


@dataclass(frozen=True)
class Message:
    """title: one line (the e-mail's subject); text: the whole message, title first."""

    title: str
    text: str


def long_date(day: date) -> str:
    """The day written out: 'Wednesday 4 November 2026' ('onsdag 4. november 2026' in bokmål)."""
    return tr("{weekday} {day} {month} {year}", weekday=tr(_WEEKDAYS[day.weekday()]), day=day.day,
              month=tr(_MONTHS[day.month - 1]), year=day.year)


# The name it had when it wrote bokmål only.
norwegian_date = long_date


def _store(alert: Alert) -> str:
    condition = alert.condition
    return f"{alert.vendor_name} ({condition.vendor})" if alert.vendor_name else condition.vendor


def _ledger(alert: Alert) -> str:
    return alert.ledger or tr("the accounting system")


def _status(resolution: str | None) -> str:
    if not resolution:
        return tr("in order")
    return tr(_STATUS[resolution]) if resolution in _STATUS else resolution


def _reason(alert: Alert) -> str:
    return tr("Reason: {reason}", reason=alert.condition.reason or tr("not stated"))


def render(alert: Alert) -> Message:
    """The words of an alert or of its recovery."""
    condition = alert.condition
    if condition.kind == CREDENTIAL:
        return _credential(alert)
    if condition.kind == PAYOUT:
        return _payout(alert)
    store, day = _store(alert), long_date(condition.day) if condition.day else ""
    if alert.recovered:
        title = tr("Resolved: {store}, {day}", store=store, day=day)
        return Message(title, f"{title}\n\n" + tr(
            "The daily settlement for {store} for {day} no longer needs help. Status now: {status}.",
            store=store, day=day, status=_status(alert.resolution)))
    what, todo = _day_texts(alert, store)
    title = tr("Daily settlement needs help: {store}, {day}", store=store, day=day)
    text = (f"{title}\n\n{what}\n\n{_reason(alert)}\n\n" + tr("What to do: {todo}", todo=todo) + "\n\n"
            + tr("Later days for the store can wait until this one is in order. "
                 "You will get a new message when it is resolved."))
    return Message(title, text)


def _day_texts(alert: Alert, store: str) -> tuple[str, str]:
    condition, ledger = alert.condition, _ledger(alert)
    day = condition.day.isoformat() if condition.day else ""
    run = f"settlement run --vendor {condition.vendor} --date {day}"
    if condition.kind == "blocked":
        return (tr("The day is stopped: the sales data has errors, and nothing is posted."),
                tr("Correct the error in the till file or the chart of accounts (chart_of_accounts) and import "
                   "the day again; the next run posts it (or run `{command}`).", command=run))
    if condition.kind == "failed":
        return (tr("{ledger} refused the voucher for the day; nothing is posted.", ledger=ledger),
                tr("Correct what {ledger} complains about (account, VAT code, department or period), "
                   "and run `{command}`.", ledger=ledger, command=run))
    if condition.kind == "correction-failed":
        return (tr("The sales data for the day changed after it was posted, but {ledger} did not reverse the "
                   "posted voucher. It stands unchanged in the accounts.", ledger=ledger),
                tr("Open the period in {ledger} or correct the voucher by hand, and run `{command}`.",
                   ledger=ledger, command=run))
    if condition.kind == CORRECTION_BLOCKED:
        return (tr("The sales data for the day changed after it was posted, but the period is locked in "
                   "{ledger}. Nothing has been sent.", ledger=ledger),
                tr("Open the period in {ledger} (or post the correction in an open period by hand), "
                   "and run `{command}`.", ledger=ledger, command=run))
    if condition.kind == MISSING:
        closed = tr("closed")
        close = f'settlement day close --vendor {condition.vendor} --date {day} --reason "{closed}"'
        return (tr("No sales data has arrived for the day, although the store should have been open."),
                tr("Check that the till system has exported the day and that the file has arrived. If the store "
                   "was closed, close the day with `{command}`.", command=close))
    return (tr("The day has status {status}.", status=condition.kind),
            tr("See `{command}`.", command="settlement status --vendor " + condition.vendor))


_PROVIDERS = {"stripe": "Stripe", "vipps": "Vipps MobilePay", "klarna": "Klarna"}


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _payout(alert: Alert) -> Message:
    """A payout of a provider that is not booked (blocked, refused, not corrected), or its recovery."""
    condition, ledger, store = alert.condition, _ledger(alert), _store(alert)
    provider, _, payout_id = condition.subject.partition(":")
    which = tr("the payout {payout_id} from {provider}", payout_id=payout_id,
               provider=_PROVIDERS.get(provider, provider))
    day = long_date(condition.day) if condition.day else ""
    if alert.recovered:
        now = (tr("posted, with the payout report attached") if alert.resolution == "documented"
               else _status(alert.resolution))
        title = tr("Resolved: {store}, {payout}", store=store, payout=which)
        return Message(title, f"{title}\n\n" + tr("{payout} ({day}) no longer needs help. Status now: {status}.",
                                                  payout=_capitalized(which), day=day, status=now))
    title = tr("Payout needs help: {store}, {payout}", store=store, payout=which)
    text = (f"{title}\n\n"
            + tr("{payout} with bank date {day} is not posted in {ledger}, and the clearing account holds the "
                 "amount until it is.", payout=_capitalized(which), day=day, ledger=ledger)
            + f"\n\n{_reason(alert)}\n\n"
            + tr("What to do: correct what the reason names (the chart of accounts chart_of_accounts, the account "
                 "under `payouts` in vendors.toml, or what {ledger} refused), and run `{command}`. "
                 "See `{status_command}`. You will get a new message when it is resolved.",
                 ledger=ledger, command="settlement payouts post --vendor " + condition.vendor,
                 status_command="settlement payouts status --vendor " + condition.vendor))
    return Message(title, text)


def _credential(alert: Alert) -> Message:
    condition, ledger = alert.condition, _ledger(alert)
    stores = ", ".join(condition.affected) or tr("the stores")
    if alert.recovered:
        title = tr("Resolved: the login to {ledger} works again", ledger=ledger)
        return Message(title, f"{title}\n\n" + tr(
            "{ledger} accepted the login ({credential}) again. The days that were waiting ({stores}) are now "
            "being posted.", ledger=ledger, credential=condition.subject, stores=stores))
    title = tr("Daily settlement stopped: {ledger} refused the login", ledger=ledger)
    text = (f"{title}\n\n"
            + tr("No days are posted for {stores} until the login ({credential}) works.", stores=stores,
                 credential=condition.subject)
            + f"\n\n{_reason(alert)}\n\n"
            + tr("What to do: make a new API key in {ledger} and enter it in the settings (for Fiken with OAuth: "
                 "run `settlement connect`), and check with `settlement test-connection`. The waiting days are "
                 "posted at the next run. You will get a new message when it is resolved.", ledger=ledger))
    return Message(title, text)
