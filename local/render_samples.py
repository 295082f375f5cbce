"""One real-looking invoice per language, rendered by the product's own PDF code and turned into PNG pages for
``docs/invoices/`` (``python -m local.render_samples [OUT_DIR]``; pypdfium2 rasterises, from requirements-dev).

Each sample is a typical association of its country: legal details, a building and apartment, a billing
period, area and per-apartment charges, metered water and heat with their readings, late interest, and the
apartment account's previous balance and payments received."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from urbaneta.adapters.pdf import InvoiceDocument, PdfLine, render_invoice
from urbaneta.domain.organization import Organization
from urbaneta.i18n import texts

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "invoices"


@dataclass(frozen=True)
class Sample:
    language: str
    association: Organization
    iban: str
    bank: str
    building: str
    address: str
    recipient: str
    charges: tuple[str, str, str, str, str]  # maintenance, repair fund, cold water, heating, waste


def association(name: str, registry_code: str, vat_number: str | None, address: str, email: str,
                phone: str | None = None, website: str | None = None) -> Organization:
    """A sample association's profile, as `PATCH /organization` would hold it."""
    return Organization(tenant_id="sample", name=name, registry_code=registry_code, vat_number=vat_number,
                        address=address, email=email, phone=phone, website=website)


SAMPLES = (
    Sample("et", association("Korteriühistu Tamme 12", "80123456", "EE101234567", "Tamme tn 12, 10115 Tallinn, Eesti",
                             "juhatus@tamme12.ee", "+372 5123 4567", "tamme12.ee"),
           "EE382200221020145685", "Swedbank", "Tamme 12", "Tamme tn 12, 10115 Tallinn, Eesti", "Mari Mägi",
           ("Haldustasu", "Remondifond", "Külm vesi", "Küte", "Prügivedu")),
    Sample("lv", association("Dzīvokļu īpašnieku biedrība \"Ķiršu 7\"", "40008123456", "LV40008123456",
                             "Ķiršu iela 7, Rīga, LV-1010, Latvija", "valde@kirsu7.lv", "+371 2612 3456"),
           "LV80BANK0000435195001", "Citadele", "Ķiršu 7", "Ķiršu iela 7, LV-1010 Rīga, Latvija", "Jānis Bērziņš",
           ("Apsaimniekošanas maksa", "Uzkrājumu fonds", "Aukstais ūdens", "Apkure", "Atkritumu izvešana")),
    Sample("lt", association("Daugiabučio namo savininkų bendrija \"Žirmūnų 15\"", "304123456", "LT100012345678",
                             "Žirmūnų g. 15, LT-09214 Vilnius, Lietuva", "pirmininkas@zirmunu15.lt"),
           "LT121000011101001000", "Luminor", "Žirmūnų 15", "Žirmūnų g. 15, LT-09214 Vilnius, Lietuva",
           "Rūta Petrauskienė", ("Administravimas", "Kaupiamasis fondas", "Šaltas vanduo", "Šildymas",
                                 "Atliekų išvežimas")),
    Sample("ru", association("Квартирное товарищество «Ласнамяэ 41»", "80234567", None,
                             "Ласнамяэ 41, 13914 Таллинн, Эстония", "pravlenie@lasna41.ee", "+372 5555 0101"),
           "EE471000001020145685", "SEB", "Ласнамяэ 41", "Lasnamäe tn 41, 13914 Tallinn, Eesti",
           "Ольга Смирнова", ("Плата за управление", "Ремонтный фонд", "Холодная вода", "Отопление",
                              "Вывоз мусора")),
    Sample("en", association("Tamme 12 Apartment Association", "80123456", "EE101234567",
                             "Tamme tn 12, 10115 Tallinn, Estonia", "board@tamme12.ee", "+372 5123 4567"),
           "EE382200221020145685", "Swedbank", "Tamme 12", "Tamme tn 12, 10115 Tallinn, Estonia", "Anna Smith",
           ("Maintenance fee", "Repair fund", "Cold water", "Heating", "Waste collection")),
)


def _line(name: str, quantity: str, unit: str, price: str, vat: str = "0", **extra: object) -> PdfLine:
    from urbaneta.domain.billing import line_amount_cents, vat_cents

    amount = line_amount_cents(Decimal(quantity), Decimal(price))
    return PdfLine(name, Decimal(quantity), unit, Decimal(price), amount, Decimal(vat),
                   vat_cents(amount, Decimal(vat)), **extra)  # type: ignore[arg-type]


def document(sample: Sample) -> InvoiceDocument:
    maintenance, fund, water, heat, waste = sample.charges
    lines = [
        _line(maintenance, "54.3", "m²", "0.62", "22"),
        _line(fund, "54.3", "m²", "0.40"),
        _line(water, "4.312", "m³", "3.05", "22", previous_reading=Decimal("1283.440"),
              current_reading=Decimal("1287.752")),
        _line(heat, "0.742", "MWh", "98.50", "22", previous_reading=Decimal("35.118"),
              current_reading=Decimal("35.860")),
        _line(waste, "2", "person", "4.10", "22"),
        _line("", "12", "day", "0.048", kind="late_interest", interest_through=date(2025, 2, 1)),
    ]
    subtotal, vat = sum(ln.amount_cents for ln in lines), sum(ln.vat_cents for ln in lines)
    return InvoiceDocument(
        credit_note=False, number="2025-000142", reference_number="1234561", issue_date=date(2025, 2, 1),
        due_date=date(2025, 2, 15), period_start=date(2025, 1, 1), period_end=date(2025, 1, 31), currency="EUR",
        association=sample.association, iban=sample.iban, bank_name=sample.bank, building_name=sample.building,
        building_address=sample.address, apartment_number="14", recipient_name=sample.recipient,
        recipient_email="resident@example.com", subtotal_cents=subtotal, vat_total_cents=vat,
        total_cents=subtotal + vat, lines=lines, previous_balance_cents=8_912, payments_received_cents=8_912,
        total_to_pay_cents=subtotal + vat)


def render(out: Path = OUT) -> list[Path]:
    import pypdfium2 as pdfium

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in SAMPLES:
        pdf_bytes = render_invoice(document(sample), texts(sample.language))
        pdf = pdfium.PdfDocument(pdf_bytes)
        for index in range(len(pdf)):
            path = out / f"invoice-{sample.language}{'' if index == 0 else f'-{index + 1}'}.png"
            pdf[index].render(scale=1.5).to_pil().save(path, optimize=True)
            written.append(path)
    return written


if __name__ == "__main__":
    for path in render(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
