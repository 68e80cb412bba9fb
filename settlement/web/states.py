"""How each day state is shown: a Norwegian label and a colour class per known state; any other
state string the status function gives is shown as it is, in a neutral colour."""

from __future__ import annotations

# state → (label, what a person does about it). The CSS has one colour per key (st-<state>).
KNOWN = {
    "posted": ("Bokført", "bokført, bilaget ikke vedlagt ennå"),
    "documented": ("Bokført med bilag", "bokført med dagsoppgjøret vedlagt"),
    "empty": ("Tom dag", "ingen salg: ingenting å bokføre"),
    "waiting": ("Venter", "stengt dag som ikke er gjort opp ennå"),
    "open": ("Åpen", "dagen er ikke slutt ennå"),
    "posting": ("Sendes", "avbrutt mens den ble sendt: neste kjøring finner den igjen"),
    "blocked": ("Stoppet", "dataene har feil: må rettes"),
    "failed": ("Feilet", "regnskapet avviste bilaget"),
    "correction-failed": ("Korrigering feilet", "reverseringen ble avvist"),
    "changed": ("Endret", "dataene er endret etter bokføring: neste kjøring korrigerer"),
    "missing": ("Mangler", "åpen dag uten data: importer eller steng dagen"),
    "held": ("Holdt tilbake", "endret etter bokføring: venter på godkjenning"),
    "approved": ("Godkjent", "korrigeringen er godkjent: neste kjøring gjør den"),
    "closed": ("Stengt", "stengt dag"),
}
NEEDS_A_PERSON = ("blocked", "failed", "correction-failed", "posting", "missing", "held", "changed")


def label(state: str) -> str:
    return KNOWN.get(state, (state or "—", ""))[0]


def hint(state: str) -> str:
    return KNOWN.get(state, ("", ""))[1]


def css_class(state: str) -> str:
    """The colour class: st-<state> for a known state, st-other for any other (never the raw string,
    so a state can never inject a class name)."""
    return f"st-{state}" if state in KNOWN else "st-other" if state else "st-none"
