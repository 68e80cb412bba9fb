"""What a fresh PowerOffice Go sandbox client starts with: chart, VAT codes, departments, projects,
one customer and one supplier, and the privileges an integration can hold.

Account numbers cover chart_of_accounts/default_ledger.csv and the charts the tests use. In Go,
customers and suppliers are sub-ledgers under the control accounts 1500 and 2400: a voucher line on
a customer names the customer's Id as its AccountId (the spec's "id of the general ledger account
or the subledger account"; which id is meant is UNCERTAIN in poweroffice-api.md).
"""

from __future__ import annotations

from decimal import Decimal

ACCOUNTS = {
    1000: "Forskning og utvikling", 1001: "Utvikling, ervervet", 1024: "Programvare", 1250: "Inventar",
    1252: "Inventar, butikk", 1400: "Varelager", 1500: "Kundefordringer", 1570: "Andre kortsiktige fordringer",
    1580: "Til gode kortoppgjør",
    1581: "Til gode Vipps", 1582: "Til gode Klarna", 1583: "Til gode Stripe", 1584: "Til gode postoppkrav",
    1589: "Til gode andre betalingsmåter", 1598: "Til gode gavekortleverandør", 1640: "Oppgjørskonto mva",
    1900: "Kontanter", 1901: "Oppgjørskonto kasse", 1910: "Kasse, veksel", 1920: "Bankinnskudd",
    1975: "Bankinnskudd, skattetrekk", 2000: "Aksjekapital", 2001: "Overkurs", 2050: "Annen egenkapital",
    2400: "Leverandørgjeld", 2500: "Betalbar skatt", 2501: "Betalbar skatt, ikke utlignet",
    2700: "Utgående merverdiavgift", 2701: "Utgående mva, høy sats", 2702: "Utgående mva, middels sats",
    2703: "Utgående mva, lav sats", 2711: "Inngående mva, høy sats", 2712: "Inngående mva, middels sats",
    2740: "Oppgjørskonto merverdiavgift", 2900: "Gavekort (forskudd fra kunder)", 2911: "Gjeld til ansatte",
    2990: "Skyldig driks til ansatte", 2999: "Annen kortsiktig gjeld", 3000: "Salgsinntekt, høy sats",
    3001: "Salgsinntekt, høy sats, butikk", 3005: "Salgsinntekt, høy sats, nett", 3020: "Salgsinntekt, avgiftspliktig",
    3030: "Salgsinntekt, næringsmidler 15 %", 3050: "Salgsinntekt, lav sats 12 %", 3090: "Fraktinntekter",
    3100: "Salgsinntekt, avgiftsfri", 3200: "Salgsinntekt, utenfor mva-loven", 3600: "Leieinntekt",
    3750: "Gevinst ved avgang av driftsmidler", 3900: "Annen driftsrelatert inntekt", 4300: "Innkjøp av varer",
    6300: "Leie lokale", 7500: "Forsikringspremie", 7740: "Øresavrunding", 7770: "Bank- og kortgebyrer",
    7790: "Kassedifferanse", 7791: "Kassedifferanse, nett", 8050: "Annen renteinntekt",
}

# The control accounts of the sub-ledgers (NS 4102): lines on them name a customer or supplier.
CUSTOMER_CONTROL_ACCOUNT = 1500
SUPPLIER_CONTROL_ACCOUNT = 2400

# SAF-T standard codes as Go lists them, with their rates (0..1). "0" is "no VAT handling", what
# lines without VAT (payments, tips, rounding) carry.
VAT_CODES = (
    ("0", "Ingen mva-behandling", Decimal("0")),
    ("3", "Utgående mva, alminnelig sats", Decimal("0.25")),
    ("31", "Utgående mva, middels sats", Decimal("0.15")),
    ("32", "Utgående mva, råfisk", Decimal("0.1111")),
    ("33", "Utgående mva, lav sats", Decimal("0.12")),
    ("5", "Innenlands omsetning, fritatt", Decimal("0")),
    ("51", "Innenlands omsetning, omvendt avgiftsplikt", Decimal("0")),
    ("52", "Utførsel, fritatt", Decimal("0")),
    ("6", "Omsetning utenfor mva-loven", Decimal("0")),
    ("7", "Ingen mva-behandling (inntekter)", Decimal("0")),
)

DEPARTMENTS = (("10", "Butikk sentrum"), ("20", "Butikk bryggen"))
PROJECTS = (("100", "Sommerkampanje"), ("200", "Julemarked"))
CUSTOMERS = ((10001, "Kasseoppgjør kunde"), (10002, "Nettbutikkunder"))
SUPPLIERS = ((10001, "Leverandør AS"), (20001, "Varegrossisten AS"))

# Every privilege (role) an endpoint used here asks for (the spec's "Auth roles").
PRIVILEGES = (
    "ManualVoucher_Full", "AccountTransaction", "AccountTransaction_Full", "YearEndVoucher_Full",
    "VoucherDocumentation", "VoucherDocumentation_Full", "GeneralLedgerAccount", "GeneralLedgerAccount_Full",
    "CommonServices", "CommonServices_Full", "Department", "Department_Full", "Project", "Project_Full",
    "Customer", "Customer_Full", "Supplier", "Supplier_Full",
)

CLIENT_NAMES = ("Demo Butikk AS", "Bergen Franchise AS")
