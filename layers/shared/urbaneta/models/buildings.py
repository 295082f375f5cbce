"""Requests and responses of buildings, apartments and charges (API.md "Buildings, apartments, charges").

Numbers on the wire are JSON numbers (a string such as ``"52.5"`` is refused as the wrong type); inside they
are ``Decimal``. A charge's ``unitPrice`` takes up to 4 decimals (``0.0345`` EUR/kWh), except for
``shared_by_area`` where it is a building total in money (2 decimals).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)

from urbaneta.domain.buildings import Apartment, BillReadings, Building, Charge, ChargeType
from urbaneta.domain.iban import compact as compact_iban
from urbaneta.domain.iban import iban_problem
from urbaneta.domain.languages import Language
from urbaneta.domain.meters import MeterType
from urbaneta.errors import ValidationFailed
from urbaneta.models.common import (
    AS_NUMBER,
    NUMBER_OUT,
    ApiModel,
    Metadata,
    Name,
    ResponseModel,
    number_schema,
    single_line,
)
from urbaneta.models.reminders import ReminderLevelOut, Reminders

Number = Annotated[Decimal, NUMBER_OUT]
"""A decimal quantity in a response, on the wire as a JSON number."""


Area = Annotated[Decimal, Field(gt=0, le=100_000, decimal_places=2, max_digits=9), AS_NUMBER, NUMBER_OUT,
                 number_schema(exclusiveMinimum=0, maximum=100_000, multipleOf=0.01)]
VatRate = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2, max_digits=5), AS_NUMBER, NUMBER_OUT,
                    number_schema(minimum=0, maximum=100, multipleOf=0.01)]
UnitPrice = Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=4, max_digits=16), AS_NUMBER, NUMBER_OUT,
                      number_schema(minimum=0, maximum=10_000_000, multipleOf=0.0001)]
DailyRate = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4, max_digits=5), AS_NUMBER, NUMBER_OUT,
                      number_schema(minimum=0, maximum=1, multipleOf=0.0001)]

Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(single_line)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
InvoicePrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{0,19}$")]
ApartmentNumber = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z ./_-]{0,19}$")]
DueDays = Annotated[StrictInt, Field(ge=0, le=365)]
ResidentsCount = Annotated[StrictInt, Field(ge=0, le=1000)]


def _check_iban(value: str) -> str:
    problem = iban_problem(value)
    if problem:
        raise ValueError(problem)
    return compact_iban(value)


Iban = Annotated[str, AfterValidator(_check_iban)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be null")
    return value


# ---- requests ------------------------------------------------------------------------------------------------


class AddressIn(ApiModel):
    street: Name
    city: Text100
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    country: Text100


class AddressPatch(ApiModel):
    street: Name | None = None
    city: Text100 | None = None
    postal_code: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    country: Text100 | None = None

    _nulls = field_validator("street", "city", "postal_code", "country")(_not_null)


BILL_READINGS = ("Which meter readings invoices bill: `submitted` (default: every submitted reading except flagged "
                 "ones awaiting review) or `confirmed` (only confirmed readings). A reading left out is reported in "
                 "the generation job like a missing one.")
class BillingIn(ApiModel):
    due_days: DueDays = 14
    vat_rate: VatRate = Field(default=Decimal(0), json_schema_extra={"default": 0})
    iban: Iban | None = None
    bank_name: Text100 | None = None
    invoice_prefix: InvoicePrefix | None = None
    late_interest_daily_rate: DailyRate | None = None
    reminders: Reminders = Field(default_factory=list)
    bill_readings: BillReadings = Field(default="submitted", description=BILL_READINGS)


class BillingPatch(ApiModel):
    """Null clears ``iban``, ``bankName``, ``invoicePrefix`` and ``lateInterestDailyRate``."""

    due_days: DueDays | None = None
    vat_rate: VatRate | None = None
    iban: Iban | None = None
    bank_name: Text100 | None = None
    invoice_prefix: InvoicePrefix | None = None
    late_interest_daily_rate: DailyRate | None = None
    reminders: Reminders | None = None
    bill_readings: BillReadings | None = Field(default=None, description=BILL_READINGS)

    _nulls = field_validator("due_days", "vat_rate", "reminders", "bill_readings")(_not_null)


# fields whose explicit null means "clear it"; every other field refuses null
CLEARABLE_BILLING = frozenset({"iban", "bank_name", "invoice_prefix", "late_interest_daily_rate"})


class BuildingCreate(ApiModel):
    name: Name
    address: AddressIn
    currency: Currency = "EUR"
    billing: BillingIn = Field(default_factory=BillingIn)
    metadata: Metadata = Field(default_factory=dict)


class BuildingPatch(ApiModel):
    name: Name | None = None
    address: AddressPatch | None = None
    currency: Currency | None = None
    billing: BillingPatch | None = None
    metadata: Metadata | None = None

    _nulls = field_validator("name", "address", "currency", "billing", "metadata")(_not_null)


class BuildingDelete(ApiModel):
    password: Annotated[str, StringConstraints(max_length=1024, strip_whitespace=False)] | None = Field(
        default=None, description="The caller's own password (missing or wrong: 403)")


PAUSED = "True: no reminder goes out for the apartment's invoices (e.g. a payment plan); false resumes them"
LANGUAGE = ("The language of the apartment's invoices, e-mails and pages (et, lv, lt, ru, en); null: the "
            "organisation's default language")


class ApartmentCreate(ApiModel):
    number: ApartmentNumber = Field(description="Unique in the building (case-insensitive), e.g. 12A")
    area: Area = Field(description="m², greater than 0, at most 2 decimals")
    residents_count: ResidentsCount = 0
    owner_name: Name | None = None
    email: EmailStr | None = None
    language: Language | None = Field(default=None, description=LANGUAGE)
    metadata: Metadata = Field(default_factory=dict)


class ApartmentPatch(ApiModel):
    number: ApartmentNumber | None = None
    area: Area | None = None
    residents_count: ResidentsCount | None = None
    owner_name: Name | None = None
    email: EmailStr | None = None
    language: Language | None = Field(default=None, description=LANGUAGE)
    metadata: Metadata | None = None
    reminders_paused: StrictBool | None = Field(default=None, description=PAUSED)

    _nulls = field_validator("number", "area", "residents_count", "metadata", "reminders_paused")(_not_null)


def check_charge(type_: str, meter_type: str | None, unit_price: Decimal) -> None:
    """A charge is consistent: ``meterType`` exactly for ``metered``; a ``shared_by_area`` total in cents."""
    if type_ == "metered" and meter_type is None:
        raise ValidationFailed.one("meterType", "is required for a metered charge")
    if type_ != "metered" and meter_type is not None:
        raise ValidationFailed.one("meterType", "is only for metered charges")
    if type_ == "shared_by_area" and unit_price != unit_price.quantize(Decimal("0.01")):
        raise ValidationFailed.one("unitPrice", "is a building total for shared_by_area: at most 2 decimals")


# the consistency rules of check_charge, stated in the schema for clients and generated tests
_CHARGE_RULES: dict[str, Any] = {
    "allOf": [
        {"if": {"properties": {"type": {"const": "metered"}}, "required": ["type"]},
         "then": {"required": ["meterType"], "properties": {"meterType": {"type": "string"}}},
         "else": {"properties": {"meterType": {"type": "null"}}}},
        {"if": {"properties": {"type": {"const": "shared_by_area"}}, "required": ["type"]},
         "then": {"properties": {"unitPrice": {"multipleOf": 0.01}}}},
    ]
}


class ChargeCreate(ApiModel):
    model_config = ConfigDict(json_schema_extra=_CHARGE_RULES)

    name: Text100
    type: ChargeType
    unit_price: UnitPrice = Field(description="Major units, up to 4 decimals (0.0345 EUR/kWh); shared_by_area: "
                                                "the building total, at most 2 decimals")
    vat_rate: VatRate | None = Field(default=None, description="Percent; null: the building's VAT rate")
    meter_type: MeterType | None = Field(default=None, description="Required for, and only for, metered charges")


class ChargePatch(ApiModel):
    name: Text100 | None = None
    type: ChargeType | None = None
    unit_price: UnitPrice | None = None
    vat_rate: VatRate | None = None
    meter_type: MeterType | None = None

    _nulls = field_validator("name", "type", "unit_price")(_not_null)


# ---- responses -----------------------------------------------------------------------------------------------


class AddressOut(ResponseModel):
    street: str
    city: str
    postal_code: str
    country: str


class BillingOut(ResponseModel):
    due_days: int
    vat_rate: Number
    iban: str | None
    bank_name: str | None
    invoice_prefix: str | None
    late_interest_daily_rate: Number | None
    reminders: list[ReminderLevelOut]
    bill_readings: BillReadings


class BuildingOut(ResponseModel):
    id: str
    name: str
    address: AddressOut
    currency: str
    billing: BillingOut
    metadata: dict[str, str]
    status: Literal["active", "archived"]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, b: Building) -> BuildingOut:
        return cls(
            id=b.id, name=b.name, currency=b.currency, metadata=b.metadata, status=b.status,
            created_at=b.created_at, updated_at=b.updated_at,
            address=AddressOut(street=b.address.street, city=b.address.city, postal_code=b.address.postal_code,
                               country=b.address.country),
            billing=BillingOut(due_days=b.billing.due_days, vat_rate=b.billing.vat_rate, iban=b.billing.iban,
                               bank_name=b.billing.bank_name, invoice_prefix=b.billing.invoice_prefix,
                               late_interest_daily_rate=b.billing.late_interest_daily_rate,
                               reminders=ReminderLevelOut.all(b.billing.reminders),
                               bill_readings=b.billing.bill_readings),
        )


class ApartmentOut(ResponseModel):
    id: str
    building_id: str
    number: str
    area: Number
    residents_count: int
    owner_name: str | None
    email: str | None
    language: Language | None = Field(description="The residents' language; null: the organisation's default")
    reference_number: str = Field(description="Permanent 7-3-1 payment reference of the apartment")
    reminders_paused: bool = Field(description=PAUSED)
    metadata: dict[str, str]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, a: Apartment) -> ApartmentOut:
        return cls(
            id=a.id, building_id=a.building_id, number=a.number, area=a.area, residents_count=a.residents_count,
            owner_name=a.owner_name, email=a.email, language=a.language, reference_number=a.reference_number,
            reminders_paused=a.reminders_paused, metadata=a.metadata,
            created_at=a.created_at, updated_at=a.updated_at,
        )


class ChargeOut(ResponseModel):
    id: str
    building_id: str
    name: str
    type: ChargeType
    unit_price: Number = Field(description="Major units, up to 4 decimals; shared_by_area: the building total")
    vat_rate: Number | None = Field(description="Percent; null: the building's VAT rate")
    meter_type: MeterType | None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, c: Charge) -> ChargeOut:
        return cls(
            id=c.id, building_id=c.building_id, name=c.name, type=c.type, unit_price=c.unit_price,
            vat_rate=c.vat_rate, meter_type=c.meter_type, created_at=c.created_at, updated_at=c.updated_at,
        )
