"""The text of an alert, in Norwegian (bokmål), for the accountant or the store manager who reads it:
which store, which day, what is wrong and what to do. Both channels send these words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from settlement.posting.alerts import CORRECTION_BLOCKED, CREDENTIAL, MISSING, PAYOUT, Alert

_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember")
# A day's status as the reader knows it.
_STATUS = {
    "documented": "bokført, med dagsoppgjøret vedlagt", "posted": "bokført", "empty": "avsluttet uten salg",
    "blocked": "stoppet av feil i dataene", "failed": "avvist av regnskapssystemet",
    "correction-failed": "korrigeringen ble avvist", CORRECTION_BLOCKED: "korrigeringen er stoppet av en låst periode",
    MISSING: "mangler data", "posting": "under bokføring", "held": "venter på godkjenning av korrigering",
}


@dataclass(frozen=True)
class Message:
    """title: one line (the e-mail's subject); text: the whole message, title first."""

    title: str
    text: str


def norwegian_date(day: date) -> str:
    """'onsdag 4. november 2026'."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day}. {_MONTHS[day.month - 1]} {day.year}"


def _store(alert: Alert) -> str:
    condition = alert.condition
    return f"{alert.vendor_name} ({condition.vendor})" if alert.vendor_name else condition.vendor


def _ledger(alert: Alert) -> str:
    return alert.ledger or "regnskapssystemet"


def render(alert: Alert) -> Message:
    """The words of an alert or of its recovery."""
    condition = alert.condition
    if condition.kind == CREDENTIAL:
        return _credential(alert)
    if condition.kind == PAYOUT:
        return _payout(alert)
    store, day = _store(alert), norwegian_date(condition.day) if condition.day else ""
    if alert.recovered:
        now = _STATUS.get(alert.resolution, alert.resolution or "i orden")
        title = f"Løst: {store}, {day}"
        return Message(title, f"{title}\n\nDagsoppgjøret for {store} for {day} trenger ikke lenger hjelp. "
                              f"Status nå: {now}.")
    what, todo = _day_texts(alert, store)
    title = f"Dagsoppgjør trenger hjelp: {store}, {day}"
    text = (f"{title}\n\n{what}\n\nÅrsak: {condition.reason or 'ikke oppgitt'}\n\nHva du gjør: {todo}\n\n"
            f"Senere dager for butikken kan vente til denne er i orden. Du får en ny melding når det er løst.")
    return Message(title, text)


def _day_texts(alert: Alert, store: str) -> tuple[str, str]:
    condition, ledger = alert.condition, _ledger(alert)
    run = f"settlement run --vendor {condition.vendor} --date {condition.day.isoformat() if condition.day else ''}"
    if condition.kind == "blocked":
        return ("Dagen er stoppet: salgsdataene har feil, og ingenting er bokført.",
                "Rett feilen i kassefilen eller kontoplanen (chart_of_accounts) og importer dagen på nytt; "
                f"neste kjøring bokfører den (eller kjør `{run}`).")
    if condition.kind == "failed":
        return (f"{ledger} avviste bilaget for dagen; ingenting er bokført.",
                f"Rett det {ledger} klager på (konto, mva-kode, avdeling eller periode), og kjør `{run}`.")
    if condition.kind == "correction-failed":
        return (f"Salgsdataene for dagen endret seg etter at den ble bokført, men {ledger} reverserte ikke "
                "det bokførte bilaget. Det står uendret i regnskapet.",
                f"Åpne perioden i {ledger} eller korriger bilaget for hånd, og kjør `{run}`.")
    if condition.kind == CORRECTION_BLOCKED:
        return (f"Salgsdataene for dagen endret seg etter at den ble bokført, men perioden er låst i {ledger}. "
                "Ingenting er sendt.",
                f"Åpne perioden i {ledger} (eller bokfør korrigeringen i en åpen periode for hånd), og kjør `{run}`.")
    if condition.kind == MISSING:
        return ("Det har ikke kommet salgsdata for dagen, selv om butikken skulle ha vært åpen.",
                "Sjekk at kassesystemet har eksportert dagen og at filen er kommet fram. Var butikken stengt, "
                f"avslutt dagen med `settlement day close --vendor {condition.vendor} --date "
                f"{condition.day.isoformat() if condition.day else ''} --reason \"stengt\"`.")
    return (f"Dagen har status {condition.kind}.", f"Se `settlement status --vendor {condition.vendor}`.")


_PROVIDERS = {"stripe": "Stripe", "vipps": "Vipps MobilePay", "klarna": "Klarna"}


def _payout(alert: Alert) -> Message:
    """A payout of a provider that is not booked (blocked, refused, not corrected), or its recovery."""
    condition, ledger, store = alert.condition, _ledger(alert), _store(alert)
    provider, _, payout_id = condition.subject.partition(":")
    which = f"utbetalingen {payout_id} fra {_PROVIDERS.get(provider, provider)}"
    day = norwegian_date(condition.day) if condition.day else ""
    if alert.recovered:
        now = ("bokført, med utbetalingsrapporten vedlagt" if alert.resolution == "documented"
               else _STATUS.get(alert.resolution, alert.resolution or "i orden"))
        title = f"Løst: {store}, {which}"
        return Message(title, f"{title}\n\n{which[0].upper()}{which[1:]} ({day}) trenger ikke lenger hjelp. "
                              f"Status nå: {now}.")
    title = f"Utbetaling trenger hjelp: {store}, {which}"
    text = (f"{title}\n\n{which[0].upper()}{which[1:]} med bankdato {day} er ikke bokført i {ledger}, og "
            "klareringskontoen står med beløpet til det er gjort.\n\n"
            f"Årsak: {condition.reason or 'ikke oppgitt'}\n\n"
            "Hva du gjør: rett det årsaken nevner (kontoplanen chart_of_accounts, kontoen under `payouts` i "
            f"vendors.toml, eller det {ledger} avviste), og kjør `settlement payouts post --vendor "
            f"{condition.vendor}`. Se `settlement payouts status --vendor {condition.vendor}`. "
            "Du får en ny melding når det er løst.")
    return Message(title, text)


def _credential(alert: Alert) -> Message:
    condition, ledger = alert.condition, _ledger(alert)
    stores = ", ".join(condition.affected) or "butikkene"
    if alert.recovered:
        title = f"Løst: påloggingen til {ledger} virker igjen"
        return Message(title, f"{title}\n\n{ledger} godtok påloggingen ({condition.subject}) igjen. "
                              f"Dagene som ventet ({stores}) bokføres nå.")
    title = f"Dagsoppgjør stoppet: {ledger} avviste påloggingen"
    text = (f"{title}\n\nIngen dager bokføres for {stores} før påloggingen ({condition.subject}) virker.\n\n"
            f"Årsak: {condition.reason or 'ikke oppgitt'}\n\n"
            f"Hva du gjør: lag en ny API-nøkkel i {ledger} og legg den inn i innstillingene (for Fiken med OAuth: "
            "kjør `settlement connect`), og sjekk med `settlement test-connection`. Dagene som venter bokføres "
            "ved neste kjøring. Du får en ny melding når det er løst.")
    return Message(title, text)
