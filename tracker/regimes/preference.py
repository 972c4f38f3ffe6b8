"""Preference programs and certificates of origin (determination-v2 §5).

`preference_program` on an entry is a code from the programs vocabulary
(schemas/programs.toml, with each program's parties). tracker does not
decide qualification under product-specific rules; it checks what can be
checked:

- the certificate: a `certificate_of_origin` with that `program` covering the
  entry, or a blanket one (with `blanket_from` and `blanket_to`) covering the
  entry's lot, the facility that made it or the supplier company, whose
  period contains the entry date;
- USMCA (Annex 5-A; 19 CFR 182.12): certified by the importer, exporter or
  producer; the minimum data elements present (certifier role, certifier as
  `issuer`, exporter, producer, importer, HTS to six digits, origin criterion
  A-D, the blanket period when the certificate covers several shipments,
  signed, and the date as `issued_on`); a blanket period of at most 12
  months containing the entry date; signed on or before the entry date;
- KORUS (19 CFR 10.1004) and CAFTA-DR (19 CFR 10.584): certified by the
  importer, exporter or producer; parties, HTS, the rule of origin relied on,
  date; blanket at most 12 months; CAFTA-DR needs none for a commercial entry
  of USD 2,500 or less;
- the goods: the marking origin is one of the program's parties.

A non-preferential certificate issued by an exporting-country authority or
chamber of commerce weighs more than a self-declared statement: every
certificate says which kind it is (`certificate_kind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..chain import SupplyChain
from ..schemas import programs

__all__ = ["Preference", "check_preference", "certificate_kind", "covering_certificates", "add_months"]

_KIND = {"importer": "self-declared (importer)", "exporter": "self-declared (exporter)",
         "producer": "self-declared (producer)", "authority": "issued by a government authority",
         "chamber": "issued by a chamber of commerce"}
_ELEMENT = {"certifier_role": "the certifier's role", "issuer": "the certifier (issuer)", "exporter": "the exporter",
            "producer": "the producer", "importer": "the importer", "hts": "the HTS number",
            "origin_criterion": "the origin criterion", "signed": "a signature",
            "issued_on": "the date"}


@dataclass
class Preference:
    program: str
    citation: str
    parties: tuple[str, ...]
    certificate: str | None = None  # document_id of the certificate relied on
    certifier_role: str | None = None
    kind: str | None = None  # self-declared or issued by an authority or chamber
    eligible: bool = True  # the marking origin is a party
    problems: list[str] = field(default_factory=list)  # what is wrong with the certificate
    checklist: list[tuple[str, bool, str]] = field(default_factory=list)  # (element, ok, detail)

    def to_dict(self) -> dict:
        return {"program": self.program, "certificate": self.certificate, "certifier_role": self.certifier_role,
                "kind": self.kind, "eligible": self.eligible, "problems": list(self.problems)}


def certificate_kind(doc: Any) -> str:
    """Self-declared (importer, exporter, producer) or issued by an authority or a chamber."""
    return _KIND.get(getattr(doc, "certifier_role", None) or "", "certifier not stated")


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def covering_certificates(chain: SupplyChain, entry: Any, facilities: list[str]) -> list[Any]:
    """Certificates of origin on the entry itself, or blanket ones on its lot, the
    facilities that made it or their operators."""
    subjects = [("entry", entry.entry_number), ("lot", entry.lot_id)]
    subjects += [("facility", f) for f in facilities]
    subjects += [("company", chain.facilities[f].company_id) for f in facilities
                 if f in chain.facilities and chain.facilities[f].company_id]
    out, seen = [], set()
    for s in subjects:
        for d in chain.documents_on.get(s, ()):
            if d.doc_type != "certificate_of_origin" or d.document_id in seen:
                continue
            if s[0] != "entry" and not (d.blanket_from or d.blanket_to):
                continue  # a single-shipment certificate on a lot may be for another entry of it
            seen.add(d.document_id)
            out.append(d)
    return out


def check_preference(chain: SupplyChain, entry: Any, marking_origin: str | None,
                     facilities: list[str]) -> Preference | None:
    """The preference claimed on an entry line, checked; None when none is claimed."""
    code = entry.preference_program
    if not code:
        return None
    spec = programs().get(code)
    if spec is None:  # a v1 database may hold free text from before the vocabulary
        return Preference(code, "", (), eligible=False, problems=[f"{code!r} is not a known program"])
    pref = Preference(code, spec["citation"], tuple(spec["parties"]))
    pref.eligible = marking_origin in spec["parties"]
    certs = covering_certificates(chain, entry, facilities)
    mine = [d for d in certs if d.program == code]
    if not mine:
        waiver = spec.get("waiver_value_usd")
        if waiver is not None and entry.value_usd is not None and entry.value_usd <= waiver:
            return pref  # e.g. CAFTA-DR: no certification for a commercial entry of USD 2,500 or less
        others = [d for d in certs if d.program != code]
        if others:
            d = others[0]
            pref.certificate, pref.certifier_role, pref.kind = d.document_id, d.certifier_role, certificate_kind(d)
            pref.problems.append(f"certificate {d.document_id} names program {d.program or '(none)'}, "
                                 f"not {code}")
        elif spec.get("certificate"):
            pref.problems.append(f"no {code} certificate of origin covers entry {entry.entry_number} "
                                 f"({spec['citation']})")
        return pref
    # Prefer a certificate on the entry itself, then the one that covers the date.
    mine.sort(key=lambda d: (d.covers_type != "entry", not _period_holds(d, entry.entry_date), d.document_id))
    d = mine[0]
    pref.certificate, pref.certifier_role, pref.kind = d.document_id, d.certifier_role, certificate_kind(d)
    if spec.get("certificate"):
        _check_certificate(d, entry, spec, pref)
    return pref


def _period_holds(d: Any, on: date) -> bool:
    return (d.blanket_from is None or d.blanket_from <= on) and (d.blanket_to is None or on <= d.blanket_to)


def _check_certificate(d: Any, entry: Any, spec: dict, pref: Preference) -> None:
    allowed = spec.get("certifiers", [])

    def item(name: str, ok: bool, detail: str) -> None:
        pref.checklist.append((name, ok, detail))
        if not ok:
            pref.problems.append(f"certificate {d.document_id}: {detail}")

    for element in spec.get("elements", []):
        value = getattr(d, element, None)
        present = value == "yes" if element == "signed" else value not in (None, "")
        item(_ELEMENT[element], present, f"{_ELEMENT[element]}: {value}" if present else
             f"{_ELEMENT[element]} is missing")
    if d.certifier_role:
        ok = d.certifier_role in allowed
        item("certifier allowed", ok, f"certified by the {d.certifier_role}" +
             ("" if ok else f", but {pref.program} allows only the {', '.join(allowed)}"))
    if d.blanket_from or d.blanket_to:
        if not (d.blanket_from and d.blanket_to):
            item("blanket period", False, "the blanket period needs both blanket_from and blanket_to")
        else:
            months = spec.get("blanket_months")
            if months:
                ok = d.blanket_to < add_months(d.blanket_from, months)
                item("blanket period length", ok, f"blanket period {d.blanket_from} to {d.blanket_to}" +
                     ("" if ok else f" is longer than {months} months"))
            ok = _period_holds(d, entry.entry_date)
            item("blanket period covers the entry", ok, f"the blanket period {d.blanket_from} to {d.blanket_to} "
                 f"{'contains' if ok else 'does not contain'} the entry date {entry.entry_date}")
    if d.issued_on:
        ok = d.issued_on <= entry.entry_date
        item("signed by the entry date", ok, f"dated {d.issued_on}" +
             ("" if ok else f", after the entry date {entry.entry_date}"))
