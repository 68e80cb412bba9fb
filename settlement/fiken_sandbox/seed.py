"""The data a fresh sandbox starts with: two users, their companies, a Norwegian chart of accounts.

Account names follow the Norwegian standard chart (NS 4102) as Fiken shows it. Customer (1500),
supplier (2400) and bank (1920) accounts exist only as reskontro sub-accounts, as in Fiken's spec.
Every account of chart_of_accounts/default_ledger.csv is present.
"""

from __future__ import annotations

from settlement.fiken_sandbox.state import Company, State, User

PRIMARY_USER = "u1"
SECOND_USER = "u2"

STANDARD_ACCOUNTS = {
    "1000": "Forskning og utvikling", "1070": "Utsatt skattefordel", "1200": "Maskiner og anlegg",
    "1230": "Biler", "1250": "Inventar", "1270": "Verktøy", "1280": "Kontormaskiner",
    "1400": "Varelager", "1460": "Innkjøpte varer for videresalg",
    "1500:10001": "Kasseoppgjør (kunde)", "1500:10002": "Nettbutikkunder (kunde)",
    "1530": "Opptjent, ikke fakturert driftsinntekt", "1570": "Andre kortsiktige fordringer",
    "1579": "Andre fordringer", "1580": "Til gode kortoppgjør", "1581": "Til gode Vipps",
    "1582": "Til gode Klarna", "1583": "Til gode Stripe", "1584": "Til gode postoppkrav",
    "1589": "Til gode andre betalingsmåter", "1700": "Forskuddsbetalte kostnader",
    "1900": "Kontanter", "1901": "Oppgjørskonto kasse", "1910": "Kasse, veksel",
    "1920:10001": "Driftskonto", "1920:10002": "Sparekonto", "1920:10003": "Skattetrekkskonto",
    "2000": "Aksjekapital", "2050": "Annen egenkapital", "2080": "Udekket tap",
    "2400:20001": "Leverandør AS (leverandør)", "2400:20002": "Varegrossisten AS (leverandør)",
    "2600": "Forskuddstrekk", "2700": "Utgående merverdiavgift", "2701": "Utgående mva, høy sats",
    "2702": "Utgående mva, middels sats", "2703": "Utgående mva, lav sats",
    "2710": "Inngående merverdiavgift", "2711": "Inngående mva, høy sats",
    "2712": "Inngående mva, middels sats", "2713": "Inngående mva, lav sats",
    "2740": "Oppgjørskonto merverdiavgift", "2770": "Skyldig arbeidsgiveravgift",
    "2900": "Gavekort (forskudd fra kunder)", "2910": "Gjeld til ansatte og eiere",
    "2911": "Gjeld til ansatte", "2940": "Skyldige feriepenger", "2990": "Skyldig driks til ansatte",
    "3000": "Salgsinntekt, avgiftspliktig, høy sats", "3010": "Salgsinntekt tjenester, høy sats",
    "3020": "Salgsinntekt, avgiftspliktig", "3030": "Salgsinntekt, næringsmidler 15 %",
    "3040": "Salgsinntekt, middels sats", "3050": "Salgsinntekt, lav sats 12 %",
    "3090": "Fraktinntekter", "3100": "Salgsinntekt, avgiftsfri", "3200": "Salgsinntekt, utenfor mva-loven",
    "3400": "Offentlig tilskudd", "3600": "Leieinntekt", "3900": "Annen driftsrelatert inntekt",
    "4000": "Innkjøp av råvarer og halvfabrikata", "4300": "Innkjøp av varer for videresalg",
    "4500": "Fremmedytelser og underentreprise", "5000": "Lønn til ansatte", "5400": "Arbeidsgiveravgift",
    "6000": "Avskrivning på varige driftsmidler", "6300": "Leie lokale", "6340": "Lys, varme",
    "6540": "Inventar", "6800": "Kontorrekvisita", "6900": "Telefon", "7000": "Drivstoff",
    "7100": "Bilgodtgjørelse", "7320": "Reklamekostnad", "7500": "Forsikringspremie",
    "7740": "Øresavrunding", "7770": "Bank- og kortgebyrer", "7790": "Kassedifferanse",
    "8050": "Annen renteinntekt", "8150": "Annen rentekostnad", "8800": "Årsresultat",
}


def _bank_accounts() -> list[dict]:
    return [
        {"bankAccountId": 2_747_365, "name": "Driftskonto", "accountCode": "1920:10001",
         "bankAccountNumber": "15035646830", "iban": "NO9315035646830", "bic": "DNBANOKKXXX",
         "type": "normal", "reconciledBalance": 0, "reconciledDate": "2026-01-01", "inactive": False},
        {"bankAccountId": 2_747_366, "name": "Sparekonto", "accountCode": "1920:10002",
         "bankAccountNumber": "15035646849", "type": "normal", "inactive": False},
        {"bankAccountId": 2_747_367, "name": "Skattetrekkskonto", "accountCode": "1920:10003",
         "bankAccountNumber": "15035646857", "type": "tax_deduction", "inactive": False},
    ]


def _contacts() -> dict[int, dict]:
    # As Fiken shows a contact: `currency` is write-only in Fiken's spec, so it is never read back.
    return {9_100_001: {"contactId": 9_100_001, "name": "Kasseoppgjør", "customerNumber": 10001,
                        "customerAccountCode": "1500:10001", "customer": True, "supplier": False,
                        "inactive": False}}


def _projects() -> list[dict]:
    return [
        {"projectId": 73_408_301, "number": "1", "name": "Butikk Sentrum", "description": "Butikken i sentrum",
         "startDate": "2026-01-01", "completed": False},
        {"projectId": 73_408_302, "number": "2", "name": "Butikk Storsenter", "description": "Butikken på senteret",
         "startDate": "2026-01-01", "completed": False},
        {"projectId": 73_408_303, "number": "3", "name": "Nettbutikk", "startDate": "2026-01-01",
         "completed": True},
    ]


def seed(state: State) -> None:
    """Fill an empty State with the standard users and companies."""
    state.users[PRIMARY_USER] = User(PRIMARY_USER, "Demo Regnskapsfører", "regnskap@demo-as.example")
    state.users[SECOND_USER] = User(SECOND_USER, "Annen Bruker", "annen@annen-bruker.example")
    companies = [
        Company("demo-as", "Demo AS", "999999999", "2026-01-01", {PRIMARY_USER},
                email="post@demo-as.example"),
        Company("demo-prosjekt-as", "Demo Prosjekt AS", "999999998", "2026-01-01", {PRIMARY_USER},
                email="post@demo-prosjekt.example", projects=_projects()),
        Company("uten-api-as", "Uten API AS", "999999997", "2026-01-01", {PRIMARY_USER},
                has_api_access=False, email="post@uten-api.example"),
        Company("annen-bruker-as", "Annen Bruker AS", "999999996", "2025-01-01", {SECOND_USER},
                email="post@annen-bruker.example", creation_date="2024-11-01"),
    ]
    for company in companies:
        company.accounts = dict(sorted(STANDARD_ACCOUNTS.items()))
        company.bank_accounts = _bank_accounts()
        company.contacts = _contacts()
        state.companies[company.slug] = company
