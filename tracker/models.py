"""Every table of the tracker, in sqlmodel.

One table per sheet of supplier-workbook-v1, keyed by the supplier's own ids,
plus the import batches and the audit trail. Every supplier row remembers
where it came from (`batch_id`, `source_sheet`, `source_row`) and keeps the
columns the workbook had beyond the spec in `extra`.

The models stay dialect-neutral: the same tables run on SQLite and PostgreSQL.
Quantities are exact decimals on both (`Quantity`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.types import Numeric, TypeDecorator
from sqlmodel import Field, SQLModel

from .canonical import decimal_text

__all__ = ["Quantity", "ImportBatch", "Company", "Facility", "Item", "Lot", "Process",
           "ProcessLot", "Shipment", "Entry", "Document", "TradeMeasure", "Ruling",
           "AuditRecord", "Meta", "SUPPLIER_TABLES", "table_for", "SupplyRequest", "RequestItem"]

SCHEMA_VERSION = 2


class Quantity(TypeDecorator):
    """An exact decimal on every engine.

    PostgreSQL keeps NUMERIC natively. SQLite has no decimal type and would
    round through a float, so there the value is stored as its exact text.
    """

    impl = Numeric(24, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, 6))

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return decimal_text(Decimal(value))
        return value

    def process_result_value(self, value: Any, dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)  # SQLite holds the exact text decimal_text() wrote


def _qty(**kw) -> Any:
    return Field(sa_type=Quantity, **kw)


def _ref(target: str, **kw) -> Any:
    return Field(sa_column_args=[ForeignKey(target)], **kw)


class Sourced(SQLModel):
    """Where a supplier row came from, and the columns beyond the spec it had."""

    batch_id: Optional[int] = Field(default=None, foreign_key="import_batch.id", index=True)
    source_sheet: Optional[str] = None
    source_row: Optional[int] = None
    extra: dict = Field(default_factory=dict, sa_type=JSON)


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    id: Optional[int] = Field(default=None, primary_key=True)
    file_name: str
    file_sha256: str = Field(index=True)
    imported_at: str  # ISO 8601 UTC; text so it hashes the same on every engine
    actor: str
    summary: dict = Field(default_factory=dict, sa_type=JSON)


class Company(Sourced, table=True):
    __tablename__ = "company"
    company_id: str = Field(primary_key=True)
    name: str
    country: str
    parent_company_id: Optional[str] = _ref("company.company_id", default=None)
    address: Optional[str] = None


class Facility(Sourced, table=True):
    __tablename__ = "facility"
    facility_id: str = Field(primary_key=True)
    name: str
    country: str = Field(index=True)
    facility_type: str
    company_id: Optional[str] = _ref("company.company_id", default=None)
    address: Optional[str] = None
    established_on: Optional[date] = None
    annual_capacity: Optional[Decimal] = _qty(default=None)
    capacity_unit: Optional[str] = None


class Item(Sourced, table=True):
    __tablename__ = "item"
    item_id: str = Field(primary_key=True)
    description: str
    unit: str
    hts: Optional[str] = None


class Lot(Sourced, table=True):
    __tablename__ = "lot"
    lot_id: str = Field(primary_key=True)
    item_id: str = _ref("item.item_id")
    facility_id: str = _ref("facility.facility_id")
    quantity: Decimal = _qty()
    produced_on: Optional[date] = None
    origin_country: Optional[str] = None
    unit_value_usd: Optional[Decimal] = _qty(default=None)
    # Section 232: the metal's own history, which substantial transformation never resets
    melt_pour_country: Optional[str] = None
    smelt_country: Optional[str] = None
    secondary_smelt_country: Optional[str] = None
    cast_country: Optional[str] = None


class Process(Sourced, table=True):
    __tablename__ = "process"
    process_id: str = Field(primary_key=True)
    facility_id: str = _ref("facility.facility_id")
    process_type: str
    completed_on: date
    started_on: Optional[date] = None
    description: Optional[str] = Field(default=None, sa_type=Text)


class ProcessLot(Sourced, table=True):
    __tablename__ = "process_lot"
    __table_args__ = (Index("ix_process_lot_lot", "lot_id", "role"),)
    process_id: str = Field(primary_key=True, foreign_key="process.process_id")
    role: str = Field(primary_key=True)
    lot_id: str = Field(primary_key=True, foreign_key="lot.lot_id")
    quantity: Decimal = _qty()
    essential: Optional[str] = None  # v1.1: "yes" on the input giving the output its essential character


class Shipment(Sourced, table=True):
    __tablename__ = "shipment"
    __table_args__ = (Index("ix_shipment_lot", "lot_id"),)
    shipment_id: str = Field(primary_key=True)
    lot_id: str = Field(primary_key=True, foreign_key="lot.lot_id")
    quantity: Decimal = _qty()
    from_facility_id: str = _ref("facility.facility_id")
    to_facility_id: str = _ref("facility.facility_id")
    shipped_on: date
    arrived_on: Optional[date] = None
    transport_mode: Optional[str] = None
    bill_of_lading: Optional[str] = None


class Entry(Sourced, table=True):
    __tablename__ = "entry"
    entry_number: str = Field(primary_key=True)
    lot_id: str = Field(primary_key=True, foreign_key="lot.lot_id")
    quantity: Decimal = _qty()
    entry_date: date
    hts: str
    declared_origin: str
    importer: Optional[str] = None
    port_of_entry: Optional[str] = None
    preference_program: Optional[str] = None
    value_usd: Optional[Decimal] = _qty(default=None)
    # Section 232: what the entry declared of the metal's history
    melt_pour_country: Optional[str] = None
    smelt_country: Optional[str] = None
    secondary_smelt_country: Optional[str] = None
    cast_country: Optional[str] = None


class Document(Sourced, table=True):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_covers", "covers_type", "covers_id"),)
    document_id: str = Field(primary_key=True)
    doc_type: str
    covers_type: str
    covers_id: str
    reference_no: Optional[str] = None
    issuer: Optional[str] = None
    issued_on: Optional[date] = None
    stated_origin: Optional[str] = None
    file: Optional[str] = None
    sha256: Optional[str] = None
    stored: bool = False  # the file is held in the evidence store under its sha256
    # v1.1: what a certificate of origin says (determination-v2 §5)
    program: Optional[str] = None
    certifier_role: Optional[str] = None
    exporter: Optional[str] = None
    producer: Optional[str] = None
    importer: Optional[str] = None
    hts: Optional[str] = None
    origin_criterion: Optional[str] = None
    blanket_from: Optional[date] = None
    blanket_to: Optional[date] = None
    signed: Optional[str] = None


class TradeMeasure(Sourced, table=True):
    __tablename__ = "trade_measure"
    measure_id: str = Field(primary_key=True)
    hts_prefix: str = Field(primary_key=True)
    kind: str
    country: str
    effective_on: date
    description: Optional[str] = None
    expires_on: Optional[date] = None
    rate: Optional[Decimal] = _qty(default=None)  # percent ad valorem
    heading: Optional[str] = None  # the Chapter 99 heading, 9903.88.03
    source: Optional[str] = None  # Federal Register citation or HTS release
    exclusion: Optional[str] = None  # "yes": excludes the prefix from measure_id


class Ruling(Sourced, table=True):
    __tablename__ = "ruling"
    ruling_id: str = Field(primary_key=True)
    item_id: str = _ref("item.item_id")
    process_type: str
    process_class: str
    note: Optional[str] = Field(default=None, sa_type=Text)
    regime: Optional[str] = None  # v1.1: all (empty) | marking | section_301 | adcvd
    effective_on: Optional[date] = None
    expires_on: Optional[date] = None


class AuditRecord(SQLModel, table=True):
    """One link of the append-only, hash-chained audit trail (see tracker.audit)."""

    __tablename__ = "audit_record"
    # A writer reads the last audited values of the rows it touches by (table, key).
    __table_args__ = (Index("ix_audit_record_table_key", "table_name", "record_key"),)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str
    actor: str
    action: str
    table_name: str = Field(index=True)
    record_key: str
    before: Optional[str] = Field(default=None, sa_type=Text)
    after: Optional[str] = Field(default=None, sa_type=Text)
    batch_id: Optional[int] = None
    prev_hash: str
    hash: str


class SupplyRequest(SQLModel, table=True):
    """A request sent to one supplier for what is missing from its part of the chain
    (`tracker request`): the record that the importer asked, which is itself evidence."""

    __tablename__ = "supply_request"
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    supplier_type: str  # company | facility
    supplier_id: str
    supplier_name: str
    facilities: list = Field(default_factory=list, sa_type=JSON)  # the supplier's facility ids
    entries: list = Field(default_factory=list, sa_type=JSON)  # entry numbers asked about
    rows: dict = Field(default_factory=dict, sa_type=JSON)  # table -> keys of the rows sent pre-filled
    sent_on: date
    due_on: date
    contact: Optional[str] = None
    created_at: str  # ISO 8601 UTC
    actor: str
    file_name: str
    file_sha256: str


class RequestItem(SQLModel, table=True):
    """One thing asked for in a request: a document, a missing fact, or the name of
    the supplier's own supplier. Closed by the import that brings it."""

    __tablename__ = "request_item"
    request_id: int = Field(primary_key=True, foreign_key="supply_request.id")
    item_no: int = Field(primary_key=True)
    kind: str  # document | fact | source
    subject_type: str  # lot | process | shipment | facility | company
    subject_id: str
    detail: str  # document: the doc types, any of, joined by "|"; fact: the column
    text: str  # the request in plain words, as the supplier read it
    status: str = "open"  # open | answered
    answered_at: Optional[str] = None
    answered_batch: Optional[int] = None


class Meta(SQLModel, table=True):
    __tablename__ = "tracker_meta"
    key: str = Field(primary_key=True)
    value: str


# The tables whose every change the audit trail records, in insert order.
SUPPLIER_TABLES = ("company", "facility", "item", "lot", "process", "process_lot", "shipment",
                   "entry", "document", "trade_measure", "ruling")
AUDITED_TABLES = ("import_batch",) + SUPPLIER_TABLES + ("supply_request", "request_item")


def table_for(name: str):
    return SQLModel.metadata.tables[name]
