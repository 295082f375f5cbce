"""Statement files built by the tests themselves: camt.053/camt.054 (.001.02 and .001.08) and the CSV exports
of Swedbank, SEB and LHV."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

OWN_IBAN = "EE382200221020145685"

# One 1.00 credit with no reference (it stays unmatched), for tests that need a statement to exist: ``{msg}`` is
# the message id, unique per test.
ONE_ENTRY_CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>{msg}</MsgId><CreDtTm>2025-02-05T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{msg}</Id><CreDtTm>2025-02-05T10:00:00</CreDtTm>
<Acct><Id><IBAN>EE061010220000000016</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><NtryRef>1</NtryRef><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2025-02-05</Dt></BookgDt><AcctSvcrRef>{msg}-1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">1.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>MARI MAASIKAS</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>no reference</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""



@dataclass
class Tx:
    amount: str
    name: str | None = "MARI MAASIKAS"
    iban: str | None = "EE061010220000000016"
    ref: str | None = None
    texts: tuple[str, ...] = ()
    acct_ref: str | None = None  # TxDtls/Refs/AcctSvcrRef
    other_id: str | None = None  # the payer's account as Othr/Id (when ``iban`` is None)


@dataclass
class Entry:
    txs: list[Tx]
    bank_ref: str | None = "2024030512345678"
    direction: str = "CRDT"
    status: str = "BOOK"
    reversal: bool = False
    day: str = "2024-03-05"
    amount: str | None = None  # default: the sum of the transactions
    extra: str = ""
    value_day: str | None = None  # ValDt when it differs from the booking day
    booked_on: bool = True  # False: no BookgDt (a camt.054 notification may give only ValDt)


def _tx_xml(tx: Tx, version: str, credit: bool) -> str:
    party = "Dbtr"
    name = ""
    if tx.name:
        name = (f"<{party}><Pty><Nm>{escape(tx.name)}</Nm></Pty></{party}>" if version == "08"
                else f"<{party}><Nm>{escape(tx.name)}</Nm></{party}>")
    acct = f"<{party}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{party}Acct>" if tx.iban else ""
    if not tx.iban and tx.other_id:
        acct = f"<{party}Acct><Id><Othr><Id>{escape(tx.other_id)}</Id></Othr></Id></{party}Acct>"
    rmt = ""
    if tx.ref or tx.texts:
        strd = f"<Strd><CdtrRefInf><Ref>{escape(tx.ref)}</Ref></CdtrRefInf></Strd>" if tx.ref else ""
        ustrd = "".join(f"<Ustrd>{escape(t)}</Ustrd>" for t in tx.texts)
        rmt = f"<RmtInf>{ustrd}{strd}</RmtInf>"
    refs = "<Refs>" + (f"<AcctSvcrRef>{tx.acct_ref}</AcctSvcrRef>" if tx.acct_ref else "") + \
        "<EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
    amount = (f'<Amt Ccy="EUR">{tx.amount}</Amt>' if version == "08" else "") + \
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{tx.amount}</Amt></TxAmt></AmtDtls>'
    return f"<TxDtls>{refs}{amount}<RltdPties>{name}{acct}</RltdPties>{rmt}</TxDtls>"


def camt(entries: list[Entry], *, kind: str = "053", version: str = "02", own_iban: str = OWN_IBAN) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}"
    body_tag, block = ("BkToCstmrStmt", "Stmt") if kind == "053" else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    xml_entries = []
    for n, e in enumerate(entries, start=1):
        total = e.amount or str(sum((Decimal(t.amount) for t in e.txs), Decimal("0.00")))
        status = f"<Sts><Cd>{e.status}</Cd></Sts>" if version == "08" else f"<Sts>{e.status}</Sts>"
        rvsl = "<RvslInd>true</RvslInd>" if e.reversal else ""
        bank_ref = f"<AcctSvcrRef>{e.bank_ref}</AcctSvcrRef>" if e.bank_ref else ""
        batch = f"<Btch><NbOfTxs>{len(e.txs)}</NbOfTxs></Btch>" if len(e.txs) > 1 else ""
        txs = "".join(_tx_xml(t, version, e.direction == "CRDT") for t in e.txs)
        xml_entries.append(
            f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>{e.direction}</CdtDbtInd>{rvsl}'
            f"{status}{f'<BookgDt><Dt>{e.day}</Dt></BookgDt>' if e.booked_on else ''}"
            f"<ValDt><Dt>{e.value_day or e.day}</Dt></ValDt>{bank_ref}"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls>{batch}{txs}</NtryDtls>{e.extra}</Ntry>"
        )
    head = (f"<GrpHdr><MsgId>MSG-{kind}-{version}</MsgId><CreDtTm>2024-03-06T06:00:00</CreDtTm></GrpHdr>"
            f"<{block}><Id>S-1</Id><CreDtTm>2024-03-06T06:00:00</CreDtTm>"
            f"<Acct><Id><IBAN>{own_iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>")
    bal = ('<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
           "<Dt><Dt>2024-03-01</Dt></Dt></Bal>") if kind == "053" else ""
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><{body_tag}>{head}{bal}'
           f"{''.join(xml_entries)}</{block}></{body_tag}></Document>")
    return doc.encode()


SWEDBANK_HEADERS = {
    "et": ("Kliendi konto;Reatüüp;Kuupäev;Saaja/Maksja;Selgitus;Summa;Valuuta;Deebet/Kreedit;"
           "Arhiveerimistunnus;Tehingu tüüp;Viitenumber;Dokumendi number"),
    "en": ("Client account;Row type;Date;Beneficiary/Payer;Details;Amount;Currency;Debit/Credit;"
           "Transfer reference;Transaction type;Reference number;Document number"),
}


def swedbank_csv(rows: list[dict[str, str]], own_iban: str = OWN_IBAN, language: str = "et") -> bytes:
    """Swedbank: ';', decimal comma, DD.MM.YYYY; Reatüüp 20 = transaction, 10/82/86 balances and turnover; the
    header in the internet bank's language (``et``, ``en``)."""
    header = SWEDBANK_HEADERS[language]
    lines = [header, f'"{own_iban}";"10";"01.03.2024";"";"Algsaldo";"100,00";"EUR";"K";"";"AS";"";""']
    for r in rows:
        lines.append(";".join(f'"{v}"' for v in (
            own_iban, "20", r.get("date", "05.03.2024"), r.get("name", "MARI MAASIKAS"), r.get("text", ""),
            r["amount"].replace(".", ","), "EUR", r.get("dc", "K"), r.get("id", ""), "MK", r.get("ref", ""), "1")))
    lines.append(f'"{own_iban}";"86";"31.03.2024";"";"Lõppsaldo";"184,50";"EUR";"K";"";"LS";"";""')
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def seb_csv(rows: list[dict[str, str]], own_iban: str = OWN_IBAN) -> bytes:
    """SEB: ';', decimal comma, DD.MM.YYYY, UTF-8 with BOM."""
    header = ("Kliendi konto;Dokumendi number;Kuupäev;Saaja/maksja konto;Saaja/maksja nimi;Saaja panga kood;"
              "Tühi;Deebet/Kreedit (D/C);Summa;Viitenumber;Arhiveerimistunnus;Selgitus;Teenustasu;Valuuta;"
              "Isikukood või registrikood")
    lines = [header]
    for r in rows:
        lines.append(";".join((
            own_iban, "12", r.get("date", "05.03.2024"), r.get("iban", "EE061010220000000016"),
            r.get("name", "MARI MAASIKAS"), "767", "", r.get("dc", "C"), r["amount"].replace(".", ","),
            r.get("ref", ""), r.get("id", ""), '"' + r.get("text", "") + '"', "0,00", "EUR", "")))
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def lhv_csv(rows: list[dict[str, str]], own_iban: str = OWN_IBAN) -> bytes:
    """LHV: ',', decimal point, ISO dates, signed Summa."""
    header = ("Kliendi konto,Dokumendi number,Kuupäev,Saaja/maksja konto,Saaja/maksja nimi,Saaja panga kood,"
              "Tühi,Deebet/Kreedit (D/C),Summa,Viitenumber,Arhiveerimistunnus,Selgitus,Valuuta,"
              "Isikukood või registrikood,Saaja/maksja panga BIC,Makse algataja nimi,Kande viide,"
              "Konto teenusepakkuja viide")
    lines = [header]
    for r in rows:
        sign = "-" if r.get("dc", "C") == "D" else ""
        lines.append(",".join((
            own_iban, "", r.get("date", "2024-03-05"), r.get("iban", "EE061010220000000016"),
            f'"{r.get("name", "MARI MAASIKAS")}"', "", "", r.get("dc", "C"), f"{sign}{r['amount']}",
            r.get("ref", ""), "", f'"{r.get("text", "")}"', "EUR", "", "", "", "", r.get("id", ""))))
    return ("\n".join(lines) + "\n").encode("utf-8")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Acct><Id>
<IBAN>&lol9;</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Acct><Id>
<IBAN>&xxe;</IBAN></Id></Acct></Stmt></BkToCstmrStmt></Document>
"""

