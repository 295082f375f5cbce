"""The standing fuzz gate of statement import: generated hostile camt and CSV files, posted through the API as a
manager would, never answer 5xx and never half-import. Amounts are drawn from odd number forms (NaN, infinities,
signs, exponents, 40 digits, thousands separators, non-ASCII digits), namespaces and versions from real and
foreign ones, encodings from what banks and attackers send."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.payments_support.files import Entry, Tx, camt, seb_csv, swedbank_csv
from tests.support import call

ODD_NUMBERS = st.one_of(
    st.sampled_from(["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e400", "1E3", "0", "-0", "0.001",
                     "00000001.00", "1,000.00", "1 000,00", "\u0661\u0662\u0663", "\uff11\uff12\uff13", "9" * 40,
                     "-5.00", "+5.00", ".5", "5.", "", " ", "0x10"]),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.text(alphabet="0123456789.,-+eE ", min_size=1, max_size=24),
)
NAMESPACES = st.sampled_from([
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
    "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02", "urn:evil", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.99", "", "http://bankasoc.lv/fidavista/fidavista0101.xsd",
])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1257", "cp1251", "latin-1"])
ACCEPTED = {200, 201, 202, 400, 409, 413, 415, 422}


def _import(caller: Any, content: bytes, content_type: str) -> Any:
    return call("payments", "POST", "/bank-statements/import", token=caller.token, raw_body=content,
                headers={"content-type": content_type})


@pytest.fixture(scope="module")
def manager(aws):
    from tests.conftest import new_caller

    return new_caller("manager")


def _encoded(text: str, encoding: str) -> bytes:
    """The file in the drawn encoding, or in UTF-8 when that encoding cannot carry its characters."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(ODD_NUMBERS, min_size=1, max_size=3), namespace=NAMESPACES, encoding=ENCODINGS)
def test_hostile_camt_files_never_answer_5xx(manager, amounts, namespace, encoding):
    # Given a camt file with odd amounts under some namespace, in some encoding
    from xml.sax.saxutils import escape

    placeholders = [f"{n + 1}.{n + 1}{n + 1}" for n in range(len(amounts))]  # 1.11, 2.22, 3.33: then replaced
    text = camt([Entry([Tx(p)], bank_ref=f"FZ{n}") for n, p in enumerate(placeholders)]).decode()
    for placeholder, odd in zip(placeholders, amounts, strict=True):
        text = text.replace(f">{placeholder}<", f">{escape(odd)}<")
    text = text.replace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace)
    content = _encoded(text, encoding)
    # When it is imported / Then the answer is an import or a clean refusal, never a server error
    res = _import(manager, content, "application/xml")
    assert res.status in ACCEPTED, res


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(ODD_NUMBERS, min_size=1, max_size=3), encoding=ENCODINGS,
       bank=st.sampled_from(["seb", "swedbank"]),
       marks=st.lists(st.sampled_from(["C", "D", "K", "", "X", "\u041a\u0440\u0435\u0434\u0438\u0442"]),
                      min_size=3, max_size=3))
def test_hostile_bank_csv_files_never_answer_5xx(manager, amounts, encoding, bank, marks):
    # Given a bank CSV export with odd amounts and direction marks, in some encoding
    rows = [{"amount": a, "dc": marks[n], "archive": f"2024{n:012d}", "ref": "", "doc": str(n)}
            for n, a in enumerate(amounts)]
    text = (seb_csv if bank == "seb" else swedbank_csv)(rows).decode("utf-8", "replace")
    content = _encoded(text, encoding)
    # When it is imported / Then never a server error
    res = _import(manager, content, "text/csv")
    assert res.status in ACCEPTED, res
