"""The column headers of the Baltic banks' CSV exports in their five interface languages, normalised (lower
case, single spaces, no surrounding quotes). The sources and the assumptions are in docs/bank-formats.md."""

from __future__ import annotations

LANGUAGES = ("et", "en", "ru", "lv", "lt")

# field -> language -> header names (normalised: lower case, single spaces, no surrounding quotes)
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "own_account": {
        "et": ("kliendi konto",), "en": ("client account", "account", "customer account", "account number"),
        "ru": ("счёт клиента", "счет клиента", "номер счёта", "номер счета"),
        "lv": ("klienta konts", "konta numurs", "konts"), "lt": ("sąskaitos nr.", "sąskaitos numeris", "sąskaita"),
    },
    "row_type": {
        "et": ("reatüüp",), "en": ("row type", "line type"), "ru": ("тип строки", "тип записи"),
        "lv": ("ieraksta tips",), "lt": ("eilutės tipas", "įrašo tipas"),
    },
    "date": {
        "et": ("kuupäev",), "en": ("date", "booking date", "transaction date"), "ru": ("дата",),
        "lv": ("datums", "grāmatošanas datums"), "lt": ("data", "operacijos data"),
    },
    "name": {
        "et": ("saaja/maksja", "saaja/maksja nimi"),
        "en": ("beneficiary/payer", "beneficiary's name", "beneficiary/payer name", "sender/receiver name",
               "payer/beneficiary", "counterparty", "counterparty name"),
        "ru": ("получатель/плательщик", "имя получателя/плательщика", "название получателя/плательщика"),
        "lv": ("saņēmējs/maksātājs", "saņēmēja/maksātāja nosaukums", "saņēmēja/maksātāja vārds"),
        "lt": ("gavėjas", "gavėjas/mokėtojas", "mokėtojas/gavėjas", "gavėjo/mokėtojo pavadinimas"),
    },
    "account": {
        "et": ("saaja/maksja konto",),
        "en": ("beneficiary's account", "beneficiary/payer account", "sender/receiver account",
               "counterparty account"),
        "ru": ("счёт получателя/плательщика", "счет получателя/плательщика"),
        "lv": ("saņēmēja/maksātāja konts", "saņēmējs/maksātājs konts"),
        "lt": ("gavėjo/mokėtojo sąskaita", "mokėtojo/gavėjo sąskaita"),
    },
    "text": {
        "et": ("selgitus",), "en": ("details", "description", "explanation", "payment details"),
        "ru": ("пояснение", "детали платежа", "описание", "назначение платежа"),
        "lv": ("informācija saņēmējam", "maksājuma mērķis", "detaļas"),
        "lt": ("paaiškinimai", "mokėjimo paskirtis"),
    },
    "amount": {"et": ("summa",), "en": ("amount",), "ru": ("сумма",), "lv": ("summa",), "lt": ("suma",)},
    "debit_amount": {"et": ("deebet",), "en": ("debit",), "ru": ("дебет",), "lv": ("debets",), "lt": ("debetas",)},
    "credit_amount": {"et": ("kreedit",), "en": ("credit",), "ru": ("кредит",), "lv": ("kredīts",),
                      "lt": ("kreditas",)},
    "currency": {"et": ("valuuta",), "en": ("currency",), "ru": ("валюта",), "lv": ("valūta",), "lt": ("valiuta",)},
    "direction": {
        "et": ("deebet/kreedit (d/c)", "deebet/kreedit"), "en": ("debit/credit", "debit/credit (d/c)", "(d/c)", "d/c"),
        "ru": ("дебет/кредит", "дебет/кредит (d/c)", "д/к"), "lv": ("debets/kredīts", "d/k"),
        "lt": ("d/k", "debetas/kreditas"),
    },
    "archive": {
        "et": ("arhiveerimistunnus",), "en": ("archive id", "transfer reference", "archiving code", "archive code"),
        "ru": ("архивный признак", "архивный код", "архивный номер"), "lv": ("arhīva kods",),
        "lt": ("įrašo nr.", "įrašo numeris"),
    },
    "reference": {
        "et": ("viitenumber",), "en": ("reference number", "reference no.", "reference"),
        "ru": ("номер ссылки", "ссылочный номер", "референс"),
        "lv": ("references numurs", "refernces numurs"), "lt": ("įmokos kodas",),
    },
    "doc_no": {
        "et": ("dokumendi number",), "en": ("document number", "document no."), "ru": ("номер документа",),
        "lv": ("dokumenta numurs",), "lt": ("dok. nr.", "dokumento nr."),
    },
    "tx_type": {
        "et": ("tehingu tüüp", "tüüp"), "en": ("transaction type", "type"), "ru": ("тип сделки", "тип операции"),
        "lv": ("maksājuma veids",), "lt": ("kodas",),
    },
    "fee": {
        "et": ("teenustasu",), "en": ("commission fee", "service fee"), "ru": ("плата за услугу", "комиссия"),
        "lv": ("komisija",), "lt": ("komisinis mokestis",),
    },
    "provider_ref": {
        "et": ("konto teenusepakkuja viide",), "en": ("account servicer reference",),
        "ru": ("ссылка поставщика услуг счёта", "ссылка поставщика услуг счета"),
        "lv": ("konta apkalpotāja atsauce",), "lt": ("sąskaitos tvarkytojo nuoroda",),
    },
}

SYNONYMS: dict[str, list[tuple[str, str]]] = {}  # header -> [(field, language)]
for _field, _by_lang in FIELDS.items():
    for _lang, _names in _by_lang.items():
        for _name in _names:
            SYNONYMS.setdefault(_name, []).append((_field, _lang))
