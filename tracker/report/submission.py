"""The submission for CBP: facts and numbered exhibits, never flags or internal advice.

CBP reviewers (CF-28 requests, focused assessments, EAPA investigations) ask
for the chain told as a book: a narrative per entry, an exhibit index, numbered
production and shipment steps that cite the exhibits proving them, the mass
balance of each process and the certificates. Everything here is built from
the records; nothing from the red flags, their advice texts
(`schemas/flags.toml`), the database or the rule set's name.

Editions (a layout's `[confidential] fields` says which kinds of fact are
business-confidential, 19 CFR 165.4 for EAPA):

- `confidential`: every page marked BUSINESS CONFIDENTIAL, confidential
  values enclosed in [brackets];
- `public`: confidential values replaced by bracketed redactions; countries,
  dates, process types and document types stay readable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from ..canonical import decimal_text
from ..origin import process_class
from ..values import country_name
from .build import Package
from .regime_text import LAW_TEXT, duty_origins, marking_of, regimes_words
from .rows import _story_order, sheet_rows

__all__ = ["Edition", "Exhibit", "Facts", "facts_of", "EDITIONS", "CONFIDENTIAL_KINDS"]

EDITIONS = ("confidential", "public")
CONFIDENTIAL_KINDS = ("name", "address", "quantity", "value", "founding_date")
# Supplier identifiers the public edition replaces with neutral aliases, consistent through the
# document ("[Facility A]", "[Document 3]"): ids and numbers name the supplier as surely as its name.
ALIAS_KINDS = ("company", "facility", "lot", "process", "shipment", "reference_no", "bill_of_lading")
_ALIAS_LABEL = {"company": "Company", "facility": "Facility", "lot": "Lot", "process": "Process",
                "shipment": "Shipment", "reference_no": "Document", "bill_of_lading": "B/L"}
CERTIFICATES = ("certificate_of_origin", "mill_certificate")
# Section 232 (steel: HTS chapters 72, 73; aluminium: 76) turns on where the metal was first
# made: melted and poured (steel) or smelted and cast (aluminium), as a mill certificate states.
_SECTION_232 = {"72": "melted and poured", "73": "melted and poured", "76": "smelted and cast"}


@dataclass(frozen=True)
class Edition:
    """How confidential values are shown: as they are (internal review), in brackets, or redacted."""
    name: str = "internal"  # internal | confidential | public
    confidential: frozenset[str] = frozenset()
    aliased: frozenset[str] = frozenset()  # identifiers the public edition replaces with aliases

    def mark(self, kind: str, value: Any) -> str:
        text = "" if value is None else str(value)
        if not text or self.name == "internal" or kind not in self.confidential:
            return text
        return f"[{text}]" if self.name == "confidential" else f"[{kind.replace('_', ' ')} redacted]"

    def qty(self, q: Decimal | None, unit: str | None = None) -> str:
        if q is None:
            return ""
        whole, _, frac = decimal_text(q).partition(".")
        number = f"{int(whole):,}" + (f".{frac}" if frac else "")
        return self.mark("quantity", number) + (f" {unit}" if unit else "")

    @property
    def short_legend(self) -> str:
        """For the head of every printed page."""
        return {"confidential": "BUSINESS CONFIDENTIAL. [ ]: confidential information",
                "public": "PUBLIC VERSION. [ ]: confidential information removed"}.get(self.name, "")

    @property
    def legend(self) -> str:
        if self.name == "confidential":
            return "BUSINESS CONFIDENTIAL. Confidential information is enclosed in [brackets]."
        if self.name == "public":
            return "PUBLIC VERSION. Business confidential information has been removed where shown in [brackets]."
        return ""


@dataclass
class Exhibit:
    number: int
    doc: Any
    file: Path | None  # the held file, verified against its SHA-256; None when no copy is held
    entries: list[str] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)  # every document row recording this paper (doc is the first)
    pages: int = 0  # pages in the binder, once it is laid out
    first_page: int | None = None  # its first Bates number


@dataclass
class StepFact:
    entry_number: str
    step: int
    on: date | None
    country: str | None
    facility_id: str
    event: str
    docs: list[Any]
    subject: str  # process:P, lot:L, shipment:S or entry:E


@dataclass
class Facts:
    """Everything the submission shows, numbered once for the workbook and the binder alike."""
    pkg: Package
    edition: Edition
    bates_prefix: str
    steps: list[StepFact]
    exhibits: list[Exhibit]
    by_document: dict[str, Exhibit]
    step_of: dict[tuple[str, str], int]  # (entry, subject) -> step number
    aliases: dict[str, str] = field(default_factory=dict)  # public edition: identifier -> "[Facility A]"
    _pattern: Any = None

    def scrub(self, value: Any) -> Any:
        """Text with every aliased identifier replaced by its alias (public edition); as it is otherwise."""
        if not self.aliases or not isinstance(value, str):
            return value
        if self._pattern is None:
            import re

            ids = sorted(self.aliases, key=lambda k: (-len(k), k))
            self._pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w]|-\w)")
        return self._pattern.sub(lambda m: self.aliases[m.group(1)], value)

    def cite(self, docs: Iterable[Any]) -> str:
        numbers = sorted({self.by_document[d.document_id].number for d in docs})
        if not numbers:
            return ""
        return ("Exhibit " if len(numbers) == 1 else "Exhibits ") + ", ".join(map(str, numbers))

    def bates(self, n: int) -> str:
        return f"{self.bates_prefix}{n:06d}"

    def pages_of(self, ex: Exhibit) -> str:
        if ex.file is None:
            return "not attached: no copy held"
        if ex.first_page is None:
            return "attached"
        last = ex.first_page + max(ex.pages, 1) - 1
        return self.bates(ex.first_page) + ("" if last == ex.first_page else f" to {self.bates(last)}")


def _label(doc_type: str) -> str:
    return doc_type.replace("_", " ").capitalize()


def _class_text(klass: str, ruling: str | None) -> str:
    if klass == "substantial":
        return "a substantial transformation" + (f" (ruling {ruling})" if ruling else "")
    if klass == "minor":
        return "a minor operation, which does not change origin" + (f" (ruling {ruling})" if ruling else "")
    return "no change to the goods" + (f" (ruling {ruling})" if ruling else "")


def _place(pkg: Package, ed: Edition, fid: str) -> str:
    f = pkg.d.chain.facilities[fid]
    return f"{fid} ({ed.mark('name', f.name)}), {country_name(f.country)}"


def _item(pkg: Package, lot_id: str) -> str:
    chain = pkg.d.chain
    return chain.items[chain.lots[lot_id].item_id].description


def _lots(pkg: Package, ed: Edition, rows: Iterable[Any]) -> str:
    """Lots with quantities; past six, lots of one item and unit are summed (like with like) and counted."""
    chain = pkg.d.chain
    rows = list(rows)
    if len(rows) <= 6:
        return "; ".join(f"{ed.qty(pl.quantity, chain.unit_of(pl.lot_id))} {_item(pkg, pl.lot_id)} (lot {pl.lot_id})"
                         for pl in rows)
    groups: dict[tuple[str, str | None], list] = defaultdict(list)
    for pl in rows:
        groups[(chain.lots[pl.lot_id].item_id, chain.unit_of(pl.lot_id))].append(pl)
    return "; ".join(f"{ed.qty(sum((pl.quantity for pl in pls), Decimal(0)), unit)} {chain.items[item].description} "
                     f"in {len(pls):,} lots ({', '.join(pl.lot_id for pl in pls[:3])}, ...)"
                     for (item, unit), pls in groups.items())


def _entry_steps(pkg: Package, ed: Edition, r: Any) -> Iterable[StepFact]:
    """The entry's production and shipment steps, oldest first, each with its documents."""
    chain, up, e = pkg.d.chain, r.context.upstream, r.entry
    # One step per shipment (shipment_id), after the last of the lots it carried: a container of
    # stators, rotors and housings is one shipment, not three.
    legs: dict[str, list] = defaultdict(list)
    for s in up.shipments:
        legs[s.shipment_id].append(s)
    ships: dict[str, list[str]] = defaultdict(list)
    story = _story_order(chain, up)
    rank = {lot: i for i, lot in enumerate(story)}
    for sid, rows in legs.items():
        last = max((r.lot_id for r in rows), key=lambda lot: rank.get(lot, -1))
        ships[last].append(sid)
    done: set[str] = set()
    for lot_id in story:
        lot = chain.lots[lot_id]
        pid = chain.made_by.get(lot_id)
        if pid and pid not in done:
            done.add(pid)
            p = chain.processes[pid]
            klass, ruling = process_class(chain, pid, lot.item_id)
            when = (f"from {p.started_on.isoformat()} to {p.completed_on.isoformat()}"
                    if p.started_on and p.started_on != p.completed_on else f"on {p.completed_on.isoformat()}")
            inputs = chain.inputs_of.get(pid, ())
            made_from = f" from {_lots(pkg, ed, inputs)}" if inputs else ""
            yield StepFact(e.entry_number, 0, p.completed_on, chain.country_of(p.facility_id), p.facility_id,
                           f"{p.process_type.replace('_', ' ').capitalize()} (process {pid}) at "
                           f"{_place(pkg, ed, p.facility_id)}, {when}: {_lots(pkg, ed, chain.outputs_of[pid])} "
                           f"made{made_from}. This is {_class_text(klass, ruling)}.",
                           list(chain.documents_on.get(("process", pid), ())), f"process:{pid}")
        elif not pid:
            claim = (f"origin stated by the producer: {country_name(lot.origin_country)}" if lot.origin_country
                     else "no origin stated")
            made = f" produced on {lot.produced_on.isoformat()}" if lot.produced_on else ""
            yield StepFact(e.entry_number, 0, lot.produced_on, chain.country_of(lot.facility_id), lot.facility_id,
                           f"Raw material: {ed.qty(lot.quantity, chain.unit_of(lot_id))} {_item(pkg, lot_id)} "
                           f"(lot {lot_id}){made} at {_place(pkg, ed, lot.facility_id)} ({claim}).",
                           list(chain.documents_on.get(("lot", lot_id), ())), f"lot:{lot_id}")
        for sid in ships.get(lot_id, ()):
            rows = legs[sid]
            s = rows[0]
            how = f" by {s.transport_mode}" if s.transport_mode else ""
            bls = list(dict.fromkeys(r.bill_of_lading for r in rows if r.bill_of_lading))
            bl = f", bill of lading {', '.join(bls)}" if bls else ""
            arrived = f", arrived {s.arrived_on.isoformat()}" if s.arrived_on else ""
            goods = "; ".join(f"{ed.qty(r.quantity, chain.unit_of(r.lot_id))} {_item(pkg, r.lot_id)} (lot {r.lot_id})"
                              for r in rows)
            yield StepFact(e.entry_number, 0, s.shipped_on, chain.country_of(s.from_facility_id), s.from_facility_id,
                           f"Shipment {sid}: {goods} shipped{how} on {s.shipped_on.isoformat()} "
                           f"from {_place(pkg, ed, s.from_facility_id)} to {_place(pkg, ed, s.to_facility_id)}"
                           f"{bl}{arrived}.",
                           list(chain.documents_on.get(("shipment", sid), ())), f"shipment:{sid}")
    port = f" at port {e.port_of_entry}" if e.port_of_entry else ""
    yield StepFact(e.entry_number, 0, e.entry_date, "US", "",
                   f"US customs entry {e.entry_number}{port} on {e.entry_date.isoformat()}: "
                   f"{ed.qty(e.quantity, chain.unit_of(e.lot_id))} {_item(pkg, e.lot_id)} (lot {e.lot_id}), "
                   f"HTS {e.hts}, declared country of origin {country_name(e.declared_origin)}.",
                   list(chain.documents_on.get(("entry", e.entry_number), ())), f"entry:{e.entry_number}")


def facts_of(pkg: Package) -> Facts:
    """Number the steps and the exhibits: exhibits in the order the steps first cite them, then any
    other document on the routes; computed once per package (in its edition)."""
    edition = pkg.edition or Edition()
    cached = pkg.cache.get("facts")
    if cached is not None and cached.edition == edition:
        return cached
    from .package import held_documents

    steps: list[StepFact] = []
    step_of: dict[tuple[str, str], int] = {}
    order: dict[str, Any] = {}
    entries_of: dict[str, list[str]] = defaultdict(list)
    for r in pkg.results:
        n = 0
        for s in _entry_steps(pkg, edition, r):
            n += 1
            s.step = n
            step_of.setdefault((s.entry_number, s.subject), n)
            steps.append(s)
            for d in s.docs:
                order.setdefault(d.document_id, d)
        docs = list(r.context.upstream.documents)
        cert = r.preference.certificate if r.preference else None
        if cert and all(d.document_id != cert for d in docs):  # the preference certificate is always an exhibit
            docs += [d for ds in pkg.d.chain.documents_on.values() for d in ds if d.document_id == cert][:1]
        for d in docs:
            order.setdefault(d.document_id, d)
            if r.entry.entry_number not in entries_of[d.document_id]:
                entries_of[d.document_id].append(r.entry.entry_number)
    held = {doc.document_id: src for doc, src in held_documents(pkg, pkg.d.evidence_store)[0]}
    # One exhibit per paper: document rows of one type, number and issuer are one document recorded
    # against several lots or shipments (a certificate covering three lots), never three exhibits.
    papers: dict[Any, list[Any]] = {}
    for d in order.values():
        papers.setdefault(paper_of(d), []).append(d)
    exhibits = []
    for i, rows in enumerate(papers.values(), start=1):
        file = next((held[d.document_id] for d in rows if held.get(d.document_id)), None)
        entries = list(dict.fromkeys(n for d in rows for n in entries_of[d.document_id]))
        first = next((d for d in rows if held.get(d.document_id)), rows[0])
        exhibits.append(Exhibit(i, first, file, entries, rows))
    facts = Facts(pkg, edition, pkg.bates_prefix, steps, exhibits,
                  {d.document_id: x for x in exhibits for d in x.rows}, step_of)
    if edition.name == "public" and edition.aliased:
        facts.aliases = _aliases(pkg, exhibits, edition.aliased)
    pkg.cache["facts"] = facts
    return facts


def _letters(n: int) -> str:
    """A, B, ... Z, AA, ...: the letter of the `n`th alias (0-based), as spreadsheets letter columns."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(n + 1)


def _aliases(pkg: Package, exhibits: list[Exhibit], kinds: frozenset[str]) -> dict[str, str]:
    """Every supplier identifier of the routes -> its alias: facilities and companies by letter, the
    rest by number; a document's number (and its row ids) by its exhibit number."""
    from .chart import entry_facility

    chain = pkg.d.chain
    found: dict[str, dict[str, None]] = {k: {} for k in ALIAS_KINDS}
    for r in pkg.results:
        up = r.context.upstream
        facs = list(up.facilities) + [s.to_facility_id for s in up.shipments] + [entry_facility(r)]
        for fid in facs:
            found["facility"][fid] = None
            company = chain.facilities[fid].company_id
            if company:
                found["company"][company] = None
        for lot in [*up.lots, r.entry.lot_id]:
            found["lot"][lot] = None
        for pid in up.processes:
            found["process"][pid] = None
        for s in up.shipments:
            found["shipment"][s.shipment_id] = None
            if s.bill_of_lading:
                found["bill_of_lading"][s.bill_of_lading] = None
    out: dict[str, str] = {}
    for kind in ("company", "facility", "lot", "process", "shipment", "bill_of_lading"):
        if kind not in kinds:
            continue
        for i, ident in enumerate(sorted(found[kind])):
            mark = _letters(i) if kind in ("company", "facility") else str(i + 1)
            out.setdefault(ident, f"[{_ALIAS_LABEL[kind]} {mark}]")
    if "reference_no" in kinds:
        for x in exhibits:
            for d in x.rows:
                for ident in (d.reference_no, d.document_id):
                    if ident:
                        out.setdefault(ident.strip(), f"[Document {x.number}]")
    return out


def scrubbed(fn):
    """A submission sheet's rows with the public edition's aliases in every text."""
    import functools

    @functools.wraps(fn)
    def rows(pkg: Package) -> Iterable[dict]:
        facts = facts_of(pkg)
        for row in fn(pkg):
            yield {k: facts.scrub(v) for k, v in row.items()} if facts.aliases else row
    return rows


def paper_of(doc: Any) -> tuple:
    """What makes two document rows one paper: the same type, number and issuer (a row with no
    number is a paper of its own)."""
    if not doc.reference_no:
        return ("row", doc.document_id)
    return (doc.doc_type, doc.reference_no.strip(), (doc.issuer or "").strip())


# --- what each document covers, in words ---------------------------------------------------------

def covers_text(pkg: Package, doc: Any) -> str:
    chain, kind, ident = pkg.d.chain, doc.covers_type, doc.covers_id
    if kind == "shipment":
        ships = pkg.cache.get("shipments")
        if ships is None:  # shipment_id -> its rows, one per lot carried
            ships = pkg.cache["shipments"] = defaultdict(dict)
            for r in pkg.results:
                for s in r.context.upstream.shipments:
                    ships[s.shipment_id].setdefault(s.lot_id, s)
        rows = list(ships.get(ident, {}).values())
        if rows:
            lots = ", ".join(s.lot_id for s in rows)
            return (f"shipment {ident} of lot{'s' if len(rows) > 1 else ''} {lots} from {rows[0].from_facility_id} "
                    f"to {rows[0].to_facility_id}")
    if kind == "process" and ident in chain.processes:
        p = chain.processes[ident]
        return f"process {ident}: {p.process_type.replace('_', ' ')} at {p.facility_id}"
    if kind == "lot" and ident in chain.lots:
        return f"lot {ident}: {_item(pkg, ident)}"
    if kind == "entry":
        return f"US entry {ident}"
    return f"{kind} {ident}"


# --- the narrative -------------------------------------------------------------------------------

def _origin_text(facts: Facts, r: Any) -> str:
    """The marking origin with its rule and basis; where the regimes split, the origin Section 301
    and AD/CVD duties follow and why; a claimed preference with its certificate."""
    marking = marking_of(r)
    if marking is None or (marking.law == "substantial" and marking.origin == r.basis.country):
        text = _substantial_text(facts, r)
    else:
        text = _marking_text(facts, r, marking)
    for keys, ro in duty_origins(r):
        words = regimes_words(keys)
        if ro.origin is None:
            text += (f" For {words} duties the origin is not established by the records held "
                     f"({ro.rule}: {ro.basis}).")
            continue
        why = ("substantial transformation (19 CFR 134.1(b)) decides the origin for these duties even for goods "
               "of a USMCA country; the Part 102 rules serve marking and the preference programs only "
               "(CBP HQ H301619)" if marking is not None and marking.law == "part102" else f"{ro.rule} decides it")
        text += (f" For {words} duties the country of origin is {country_name(ro.origin)}, not "
                 f"{country_name(marking.origin) if marking else 'the marking origin'}, because {why}. Under {ro.rule}: "
                 f"{_readable(ro.basis)}. {words} duties are therefore owed as for goods of "
                 f"{country_name(ro.origin)}.")
    pref = r.preference
    if pref is not None:
        text += f" The entry claims {pref.program} ({pref.citation})"
        cert = facts.by_document.get(pref.certificate) if pref.certificate else None
        if cert is not None:
            kind = f", {pref.kind}" if pref.kind else ""
            text += f" on the certificate of origin at Exhibit {cert.number}{kind}"
        elif pref.certificate is None:
            text += "; no certificate of origin is held"
        origin = country_name(marking.origin if marking else r.computed_origin) or "not established"
        parties = ", ".join(country_name(c) for c in pref.parties)
        text += (f". The marking origin, {origin}, is {'' if pref.eligible else 'not '}a party to {pref.program} "
                 f"({parties}).")
    if r.computed_origin and r.computed_origin != r.entry.declared_origin:
        text += (f" The entry declared {country_name(r.entry.declared_origin)}; the records show "
                 f"{country_name(r.computed_origin)}.")
    return text


def _readable(basis: str) -> str:
    """A regime's basis as the determination words it, process types in words."""
    return basis.replace("_", " ")


def _marking_text(facts: Facts, r: Any, m: Any) -> str:
    """The marking origin decided by Part 102 or 102.21 (determination-v2 §3, §4)."""
    law = LAW_TEXT.get(m.law, m.rule)
    if m.origin is None or m.status != "resolved":
        missing = f" What would resolve it: {'; '.join(m.missing)}." if m.missing else ""
        shown = (f" Until then substantial transformation gives {country_name(m.origin)}." if m.origin else "")
        return (f"The country of origin for marking (19 CFR 134) and the country to declare on entry is decided "
                f"by {law}; under {m.rule} it is not yet established: {_readable(m.basis)}.{missing}{shown}")
    tests = "; ".join(f"lot {t.lot_id} ({country_name(t.country) or 'origin unknown'}), HTS {t.hts_in}: "
                      f"{'shifts' if t.shifted else 'does not shift'} ({t.detail})" for t in m.inputs[:10])
    more = f" and {len(m.inputs) - 10:,} more" if len(m.inputs) > 10 else ""
    return (f"The country of origin for marking (19 CFR 134) and the country to declare on entry is "
            f"{country_name(m.origin)}, under {m.rule}, applying {law}: {_readable(m.basis)}."
            + (f" Each non-originating input tested: {tests}{more}." if tests else ""))


def _substantial_text(facts: Facts, r: Any) -> str:
    pkg, ed, b = facts.pkg, facts.edition, r.basis
    rule = ("Under 19 CFR 134.1(b) the country of origin is the country of manufacture, production or growth "
            "of the article; work done in a further country changes the origin only when it substantially "
            "transforms the article into a new and different article of commerce with a name, character and "
            "use distinct from those of the article from which it was made.")
    step = facts.step_of.get((r.entry.entry_number, f"process:{b.process_id}")) if b.process_id else None
    at = f" (Step {step})" if step else ""
    if b.rule in ("process_class", "ruling"):
        ruling = f", as CBP held for this article and operation in ruling {b.ruling_id}" if b.rule == "ruling" else ""
        when = f" on {b.on.isoformat()}" if b.on else ""
        text = (f"{rule} The last substantial transformation of these goods was "
                f"{b.process_type.replace('_', ' ')} at {_place(pkg, ed, b.facility_id)}{when}{at}{ruling}. "
                f"The country of origin is {country_name(b.country)}.")
    elif b.rule == "claimed_origin":
        step = facts.step_of.get((r.entry.entry_number, f"lot:{b.lot_id}"))
        text = (f"{rule} The goods go back to lot {b.lot_id}, produced in {country_name(b.country)}"
                f"{f' (Step {step})' if step else ''} and not made there from recorded inputs; the producer "
                f"states its origin as {country_name(b.country)}. The country of origin is "
                f"{country_name(b.country)}.")
    else:
        text = (f"{rule} The records held do not show where lot {b.lot_id}, from which the goods were made, was "
                f"produced; the country of origin is not established by them.")
    later = []
    chain = pkg.d.chain
    for lot in r.context.line:
        if lot == b.lot_id:
            break
        pid = chain.made_by.get(lot)
        if pid:
            p = chain.processes[pid]
            later.append(f"{p.process_type.replace('_', ' ')} in {country_name(chain.country_of(p.facility_id))}")
    if later:
        text += (f" The later operations ({', '.join(reversed(later))}) did not substantially transform the "
                 f"goods and do not change their origin.")
    return text


@sheet_rows("entry_number", "topic", "text")
@scrubbed
def summary_rows(pkg: Package) -> Iterable[dict]:
    """The cover narrative: per entry, the goods, how and where they were made, the route, the
    origin and the rule it rests on, and the documents that prove each step."""
    facts = facts_of(pkg)
    chain, ed = pkg.d.chain, facts.edition
    if ed.legend:
        yield {"entry_number": "All", "topic": "Edition", "text": ed.legend}
    for r in pkg.results:
        e, number = r.entry, r.entry.entry_number
        port = f" at port {e.port_of_entry}" if e.port_of_entry else ""
        by = f" by {e.importer}" if e.importer else ""
        program = f", claiming {e.preference_program}" if e.preference_program else ""
        yield {"entry_number": number, "topic": "The goods",
               "text": f"Entry {number} (entry line lot {e.lot_id}) was entered{by}{port} on "
                       f"{e.entry_date.isoformat()}: {ed.qty(e.quantity, chain.unit_of(e.lot_id))} of "
                       f"{_item(pkg, e.lot_id)}, HTS {e.hts}, declared country of origin "
                       f"{country_name(e.declared_origin)}{program}."}
        made = []
        for lot in reversed(r.context.line):
            pid = chain.made_by.get(lot)
            step = facts.step_of.get((number, f"process:{pid}" if pid else f"lot:{lot}"))
            if pid:
                p = chain.processes[pid]
                ins = "; ".join(f"{_item(pkg, pl.lot_id)} (lot {pl.lot_id}, "
                                f"{country_name(pkg.d.origins[pl.lot_id].country) or 'origin unknown'})"
                                for pl in chain.inputs_of.get(pid, ()))
                made.append(f"Lot {lot} ({_item(pkg, lot)}) was made by "
                            f"{p.process_type.replace('_', ' ')} at {_place(pkg, ed, p.facility_id)}, completed "
                            f"{p.completed_on.isoformat()} (Step {step})" + (f", from {ins}." if ins else "."))
            else:
                lt = chain.lots[lot]
                made.append(f"Lot {lot} ({_item(pkg, lot)}) was produced at "
                            f"{_place(pkg, ed, lt.facility_id)} (Step {step}).")
        others = [f"{lot} ({country_name(c) or 'origin unknown'})" for lot, c in r.other_origin_inputs]
        if others:
            more = f" and {len(others) - 10:,} more (see the steps)" if len(others) > 10 else ""
            made.append(f"Inputs of other origins: {', '.join(others[:10])}{more}.")
        yield {"entry_number": number, "topic": "How and where they were made", "text": " ".join(made)}
        entry_steps = [s for s in facts.steps if s.entry_number == number]
        ships = len({s.subject for s in entry_steps if s.subject.startswith("shipment:")})
        yield {"entry_number": number, "topic": "Route",
               "text": f"The goods and their inputs moved {' > '.join(country_name(c) for c in r.route)} in "
                       f"{ships} shipment{'s' if ships != 1 else ''}; Steps 1 to {len(entry_steps)} list every "
                       f"production and shipment step, oldest first, and the supply-chain chart draws them."}
        yield {"entry_number": number, "topic": "Country of origin", "text": _origin_text(facts, r)}
        cited = sorted({facts.by_document[d.document_id].number for s in entry_steps for d in s.docs})
        docs = [x for x in facts.exhibits if number in x.entries]
        attached = sum(1 for x in docs if x.file is not None)
        twice = [x for x in docs if len(x.rows) > 1]
        text = (f"{len(docs)} documents cover this entry's goods and their inputs ({attached} attached); each step "
                f"cites the exhibits that prove it" + (f" (Exhibits {_ranges(cited)})." if cited else "."))
        if twice:
            text += " " + "; ".join(f"Exhibit {x.number} is one document, recorded {len(x.rows)} times in the "
                                    f"records, once for each of the {_covered(x)} it covers" for x in twice) + "."
        metal = _SECTION_232.get(e.hts[:2])
        certs = [x for x in docs if x.doc.doc_type == "mill_certificate" and x.doc.stated_origin]
        if metal and certs:
            text += " Section 232: " + "; ".join(
                f"the mill certificate, Exhibit {x.number}, states that the metal of {covers_text(pkg, x.doc)} was "
                f"{metal} in {country_name(x.doc.stated_origin)}" for x in certs) + "."
        yield {"entry_number": number, "topic": "Documents", "text": text}


def _covered(x: Exhibit) -> str:
    """What the rows of one paper cover, counted: "3 lots", "1 shipment and 1 entry"."""
    counts: dict[str, int] = defaultdict(int)
    for d in x.rows:
        counts[d.covers_type] += 1
    plural = {"lot": "lots", "shipment": "shipments", "process": "processes", "entry": "entries"}
    return " and ".join(f"{n} {plural.get(k, k + 's') if n > 1 else k}" for k, n in counts.items())


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(start) if start == n else f"{start} to {n}")
            start = None
    return ", ".join(out)


# --- the tables ----------------------------------------------------------------------------------

@sheet_rows("exhibit", "doc_type", "reference_no", "issuer", "issued_on", "covers", "entries", "pages", "file",
            "sha256")
@scrubbed
def exhibit_rows(pkg: Package) -> Iterable[dict]:
    """The exhibit index: every document on the routes, numbered, with its pages in the binder."""
    facts = facts_of(pkg)
    for x in facts.exhibits:
        d = x.doc
        covers = "; ".join(dict.fromkeys(covers_text(pkg, row) for row in x.rows))
        if len(x.rows) > 1:
            covers += f" (one document, recorded {len(x.rows)} times in the records, once for each)"
        yield {"exhibit": x.number, "doc_type": _label(d.doc_type), "reference_no": d.reference_no,
               "issuer": facts.edition.mark("name", d.issuer), "issued_on": d.issued_on,
               "covers": covers, "entries": ", ".join(x.entries), "pages": facts.pages_of(x),
               "file": Path(d.file).name if d.file and x.file else "", "sha256": d.sha256 if x.file else ""}


@sheet_rows("entry_number", "step", "date", "country", "facility_id", "event", "exhibits")
@scrubbed
def step_rows(pkg: Package) -> Iterable[dict]:
    """Numbered production and shipment steps, oldest first, each citing its exhibits."""
    facts = facts_of(pkg)
    for s in facts.steps:
        yield {"entry_number": s.entry_number, "step": s.step, "date": s.on, "country": country_name(s.country),
               "facility_id": s.facility_id, "event": s.event, "exhibits": facts.cite(s.docs)}


def _yield_text(ins: Decimal, outs: Decimal, in_unit: str | None, out_unit: str | None, alone: bool) -> str:
    """What one unit of output took of this input (a bill of materials in figures); a percentage
    yield too when the input is the only one in the output's unit."""
    if not ins or not outs:
        return ""
    text = f"{ins / outs:.4g} {in_unit} per {out_unit}"
    if alone and in_unit == out_unit:
        text += f" (yield {outs / ins * 100:.1f}%)"
    return text


@sheet_rows("entry_number", "step", "process", "facility_id", "country", "input_item", "quantity_in",
            "output_item", "quantity_out", "implied_yield", "exhibits")
@scrubbed
def yield_rows(pkg: Package) -> Iterable[dict]:
    """Per process, each input item against each output item, with the yield it implies.

    Unlike items or units are never added: 1,464,000 cells and 24,000 sheets of
    glass are two rows, each with its own yield (a bill of materials in
    figures), never one total.
    """
    facts = facts_of(pkg)
    chain, ed = pkg.d.chain, facts.edition
    for r in pkg.results:
        number = r.entry.entry_number
        procs = sorted(r.context.upstream.processes,
                       key=lambda p: (facts.step_of.get((number, f"process:{p}"), 0), p))
        for pid in procs:
            p = chain.processes[pid]

            def by_item(rows) -> dict[tuple[str, str | None], Decimal]:
                out: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
                for pl in rows:
                    out[(chain.lots[pl.lot_id].item_id, chain.unit_of(pl.lot_id))] += pl.quantity
                return out

            outs, ins = by_item(chain.outputs_of.get(pid, ())), by_item(chain.inputs_of.get(pid, ()))
            for (out_item, out_unit), out_q in outs.items():
                for (in_item, in_unit), in_q in (ins.items() or [((None, None), None)]):
                    yield {"entry_number": number, "step": facts.step_of.get((number, f"process:{pid}")),
                           "process": f"{pid}: {p.process_type.replace('_', ' ')}", "facility_id": p.facility_id,
                           "country": country_name(chain.country_of(p.facility_id)),
                           "input_item": chain.items[in_item].description if in_item else "(no recorded inputs)",
                           "quantity_in": ed.qty(in_q, in_unit),
                           "output_item": chain.items[out_item].description, "quantity_out": ed.qty(out_q, out_unit),
                           "implied_yield": _yield_text(in_q, out_q, in_unit, out_unit,
                                                        sum(1 for _, u in ins if u == in_unit) == 1) if in_q else "",
                           "exhibits": facts.cite(chain.documents_on.get(("process", pid), ()))}


@sheet_rows("facility_id", "name", "country", "facility_type", "address", "operator", "established_on",
            "activities")
@scrubbed
def party_rows(pkg: Package) -> Iterable[dict]:
    """Every facility on the routes: where, who operates it, since when, and what happened there."""
    facts = facts_of(pkg)
    chain, ed = pkg.d.chain, facts.edition
    did: dict[str, set[str]] = defaultdict(set)
    for r in pkg.results:
        for pid in r.context.upstream.processes:
            p = chain.processes[pid]
            did[p.facility_id].add(p.process_type.replace("_", " "))
        for s in r.context.upstream.shipments:
            did[s.from_facility_id].add("shipped goods")
            did[s.to_facility_id].add("received goods")
        for lot in r.context.upstream.lots:
            if lot not in chain.made_by:
                did[chain.lots[lot].facility_id].add("produced raw material")
    for fid in sorted({f for r in pkg.results for f in r.context.upstream.facilities}):
        f = chain.facilities[fid]
        op = chain.companies.get(f.company_id) if f.company_id else None
        yield {"facility_id": fid, "name": ed.mark("name", f.name), "country": country_name(f.country),
               "facility_type": f.facility_type, "address": ed.mark("address", f.address),
               "operator": ed.mark("name", op.name) if op else "",
               "established_on": ed.mark("founding_date", f.established_on.isoformat()) if f.established_on and
               "founding_date" in ed.confidential and ed.name != "internal" else f.established_on,
               "activities": ", ".join(sorted(did.get(fid, ())))}


@sheet_rows("exhibit", "doc_type", "reference_no", "issuer", "issued_on", "covers", "states")
@scrubbed
def certificate_rows(pkg: Package) -> Iterable[dict]:
    """Certificates of origin and mill certificates, and the country each states."""
    facts = facts_of(pkg)
    for x in facts.exhibits:
        d = x.doc
        if d.doc_type not in CERTIFICATES:
            continue
        if d.doc_type == "mill_certificate":
            states = f"country of melt (and pour or cast): {country_name(d.stated_origin)}" if d.stated_origin \
                else "no country stated"
        else:
            states = f"country of origin: {country_name(d.stated_origin)}" if d.stated_origin else "no country stated"
        yield {"exhibit": x.number, "doc_type": _label(d.doc_type), "reference_no": d.reference_no,
               "issuer": facts.edition.mark("name", d.issuer), "issued_on": d.issued_on,
               "covers": "; ".join(dict.fromkeys(covers_text(pkg, row) for row in x.rows)), "states": states}
