"""What a fresh sandbox starts with: two companies with a Norwegian chart of accounts, VAT types,
departments 10 and 20, projects 100 and 200, customer and supplier 10001, periods for 2025–2027.

Every account number of chart_of_accounts/default_ledger.csv and of the test charts exists (a Fiken
sub-account 1500:10001 is the plain account 1500 here: 1500 is the customer ledger, 2400 the
supplier ledger). VAT codes and rates follow the Norwegian standard codes the product uses.
"""

from __future__ import annotations

from datetime import date

from settlement.tripletex_sandbox.state import Account, Company, Dimension, Period, State, VatType

ACCOUNTS = {
    1500: "Kundefordringer", 1510: "Kundefordringer, nettbutikk", 1570: "Andre kortsiktige fordringer",
    1580: "Til gode kortoppgjør", 1581: "Til gode Vipps", 1582: "Til gode Klarna", 1583: "Til gode Stripe",
    1584: "Til gode postoppkrav", 1589: "Til gode andre betalingsmåter", 1598: "Til gode gavekortleverandør",
    1599: "Andre fordringer", 1900: "Kontanter", 1901: "Oppgjørskonto kasse", 1910: "Kasse, veksel",
    1920: "Bankinnskudd", 1921: "Bankinnskudd, sparekonto", 2400: "Leverandørgjeld",
    2700: "Utgående merverdiavgift, høy sats", 2701: "Utgående merverdiavgift, middels sats",
    2702: "Utgående merverdiavgift, lav sats", 2703: "Utgående merverdiavgift, råfisk",
    2740: "Oppgjørskonto merverdiavgift", 2900: "Gavekort (forskudd fra kunder)",
    2990: "Skyldig driks til ansatte", 3000: "Salgsinntekt, avgiftspliktig", 3001: "Salgsinntekt, kafé",
    3005: "Salgsinntekt, nettbutikk", 3030: "Salgsinntekt, næringsmidler 15 %", 3050: "Salgsinntekt, lav sats 12 %",
    3090: "Fraktinntekter", 3100: "Salgsinntekt, avgiftsfri", 3200: "Salgsinntekt, utenfor mva-loven",
    3900: "Annen driftsrelatert inntekt", 4300: "Innkjøp av varer for videresalg", 7740: "Øreavrunding",
    7770: "Bank- og kortgebyrer",
    7790: "Kassedifferanse", 7791: "Kassedifferanse, kafé", 8050: "Annen renteinntekt",
}

# number → (name, rate numerator, denominator, VAT account)
VAT_TYPES = {
    "0": ("Ingen avgiftsbehandling", 0, 1, None),
    "3": ("Utgående avgift, høy sats", 25, 100, 2700),
    "31": ("Utgående avgift, middels sats", 15, 100, 2701),
    "33": ("Utgående avgift, lav sats", 12, 100, 2702),
    "32": ("Utgående avgift, råfisk", 1111, 10000, 2703),
    "5": ("Ingen utgående avgift (innenfor mva-loven)", 0, 1, None),
    "51": ("Avgiftsfritt innenlands salg med omvendt avgiftsplikt", 0, 1, None),
    "52": ("Avgiftsfritt salg av varer og tjenester til utlandet", 0, 1, None),
    "6": ("Ingen utgående avgift (utenfor mva-loven)", 0, 1, None),
    "7": ("Ingen avgiftsbehandling (inntekter)", 0, 1, None),
}

# Revenue accounts and the VAT code they default to (not locked unless a test locks them).
DEFAULT_VAT = {3000: "3", 3001: "3", 3005: "3", 3090: "3", 3030: "31", 3050: "33", 3100: "5", 3200: "6"}

COMPANIES = (
    ("Bryggen Butikkdrift AS", "912345670", "Kari Nordmann"),
    ("Bergen Franchise AS", "987654320", "Ola Nordmann"),
)


def seed_company(state: State, name: str, organization_number: str, employee: str) -> Company:
    company = Company(state.new_id(), name, organization_number, state.new_id(), employee)
    for number, (vat_name, numerator, denominator, account) in VAT_TYPES.items():
        vat = VatType(state.new_id(), number, vat_name, numerator, denominator, account)
        company.vat_types[vat.id] = vat
    no_vat = company.vat_type_by_number("0")
    for number, account_name in ACCOUNTS.items():
        code = DEFAULT_VAT.get(number)
        vat_id = company.vat_type_by_number(code).id if code else no_vat.id
        ledger_type = {1500: "CUSTOMER", 2400: "VENDOR"}.get(number, "GENERAL")
        account = Account(state.new_id(), number, account_name, vat_type_id=vat_id, ledger_type=ledger_type)
        if 2700 <= number <= 2703:  # VAT accounts take only the system's VAT rows
            account.vat_locked = True
        company.accounts[account.id] = account
    for bucket, items in (
        (company.departments, {"10": "Butikk Bryggen", "20": "Butikk Sentrum"}),
        (company.projects, {"100": "Sommerkampanje", "200": "Julesalg"}),
        (company.customers, {"10001": "Kasseoppgjør"}),
        (company.suppliers, {"10001": "Leverandør AS"}),
        (company.voucher_types, {"": "Bilag"}),
    ):
        for number, item_name in items.items():
            item = Dimension(state.new_id(), number, item_name)
            bucket[item.id] = item
    number = 1
    for year in (2025, 2026, 2027):
        for month in range(1, 13):
            start = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1)
            period = Period(state.new_id(), number, f"{start:%m}-{year}", start, end)
            company.periods[period.id] = period
            number += 1
    state.companies[company.id] = company
    return company


def seed(state: State) -> list[Company]:
    """Two seeded companies, the first the default one."""
    return [seed_company(state, *company) for company in COMPANIES]
