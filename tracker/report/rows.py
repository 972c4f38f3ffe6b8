"""Row builders: the rows of each table sheet, as dicts keyed by the layout's column keys."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Callable, Iterable

import orjson

from ..audit import describe, evidence_path
from ..canonical import decimal_text
from ..determination import EntryResult
from ..flags import entered_at, lot_balance, missing_documents, output_by_year, process_balance
from ..measures import EVERY_COUNTRY
from ..origin import process_class
from ..schemas import flag_info
from ..values import country_name
from .build import Package

RowBuilder = Callable[[Package], Iterable[dict]]


def sheet_rows(*keys: str) -> Callable[[RowBuilder], RowBuilder]:
    """Declare the column keys a row builder gives, so a layout naming another key is refused
    (a typo would otherwise print an empty column)."""
    def mark(fn: RowBuilder) -> RowBuilder:
        fn.keys = keys  # type: ignore[attr-defined]
        return fn
    return mark


def _qty(q: Decimal | None, unit: str | None = "") -> str:
    if q is None:
        return ""
    whole, _, frac = decimal_text(q).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "") + (f" {unit}" if unit else "")


def _legal_basis(r: EntryResult) -> str:
    b = r.basis
    if b.rule == "process_class":
        return (f"Substantial transformation (19 CFR 134.1(b)): {b.process_type} is a substantial process; "
                f"the goods take the origin of the country where it happened, {country_name(b.country)}.")
    if b.rule == "ruling":
        return (f"Substantial transformation (19 CFR 134.1(b)) as settled for this item by ruling {b.ruling_id}: "
                f"{b.process_type} in {country_name(b.country)} confers origin.")
    if b.rule == "claimed_origin":
        return (f"Claimed origin of a raw input with no recorded inputs ({b.lot_id}): the supplier states "
                f"{country_name(b.country)}; its certificate or mill certificate must support it.")
    return f"No origin can be determined: lot {b.lot_id} has no recorded inputs and no claimed origin."


def _regime_rule(r: EntryResult) -> tuple[str, str]:
    """(Rule, Basis) of the Determination sheet: the marking regime's (computed_origin is the marking
    origin, determination-v2 §1), and every other regime's origin where it differs."""
    from .regime_text import LAW_TEXT, duty_origins, marking_of, regimes_words

    m = marking_of(r)
    if m is None:
        return _legal_basis(r), r.basis.text()
    if m.law == "substantial" and m.origin == r.basis.country:
        rule = _legal_basis(r)
    else:
        rule = f"Marking ({m.rule}, {LAW_TEXT.get(m.law, m.law)}): {country_name(m.origin) or 'not established'}" \
               + ("" if m.status == "resolved" else f", unresolved: {'; '.join(m.missing)}") + "."
    basis = m.basis
    for keys, ro in duty_origins(r):
        why = ", substantial transformation; CBP HQ H301619" if m.law == "part102" else ""
        rule += (f" {regimes_words(keys)}: {country_name(ro.origin) or 'not established'} ({ro.rule}{why}): "
                 f"duties follow this origin.")
        basis += f" | {regimes_words(keys)}: {ro.basis}"
    return rule, basis


def _later_steps(pkg: Package, r: EntryResult) -> str:
    chain, out = pkg.d.chain, []
    for lot in r.context.line:
        if lot == r.basis.lot_id:
            break
        pid = chain.made_by.get(lot)
        if pid:
            p = chain.processes[pid]
            klass, _ = process_class(chain, pid, chain.lots[lot].item_id)
            out.append(f"{p.process_type} at {p.facility_id} ({chain.country_of(p.facility_id)}): {klass}")
    return "; ".join(reversed(out))


@sheet_rows("entry_number", "lot_id", "item", "hts", "entry_date", "declared_origin", "computed_origin",
            "legal_basis", "origin_basis", "later_steps", "other_origin_inputs", "route")
def determination_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    for r in pkg.results:
        e = r.entry
        yield {"entry_number": e.entry_number, "lot_id": e.lot_id,
               "item": chain.items[chain.lots[e.lot_id].item_id].description, "hts": e.hts,
               "entry_date": e.entry_date, "declared_origin": e.declared_origin,
               "computed_origin": r.computed_origin or "unknown", "legal_basis": _regime_rule(r)[0],
               "origin_basis": _regime_rule(r)[1], "later_steps": _later_steps(pkg, r),
               "other_origin_inputs": ", ".join(f"{lot} ({c or 'unknown'})" for lot, c in r.other_origin_inputs),
               "route": " > ".join(r.route)}


def _docs_text(chain, kind: str, ident: str) -> str:
    return "; ".join(f"{d.document_id} {d.doc_type}" + (f" {d.reference_no}" if d.reference_no else "")
                     for d in chain.documents_on.get((kind, ident), ()))


def _story_order(chain, up) -> list[str]:
    """Upstream lots, each after its inputs, and otherwise oldest first."""
    import networkx as nx

    def when(node: str) -> str:
        kind, _, ident = node.partition(":")
        d = chain.lots[ident].produced_on if kind == "lot" else chain.processes[ident].completed_on
        return f"{d.isoformat() if d else '9999'} {node}"

    nodes = [f"lot:{x}" for x in up.lots] + [f"process:{p}" for p in up.processes]
    order = nx.lexicographical_topological_sort(chain.graph.subgraph(nodes), key=when)
    return [n[4:] for n in order if n.startswith("lot:")]


@sheet_rows("entry_number", "step", "date", "facility_id", "facility_name", "country", "event", "lots_in",
            "lots_out", "documents", "main_line")
def route_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    for r in pkg.results:
        up, e = r.context.upstream, r.entry
        order = _story_order(chain, up)
        main = set(r.context.line)
        main_procs = {chain.made_by[x] for x in main if x in chain.made_by}
        ships: dict[str, list] = defaultdict(list)
        for s in up.shipments:
            ships[s.lot_id].append(s)
        step, done = 0, set()

        def row(**kw) -> dict:
            nonlocal step
            step += 1
            fid = kw["facility_id"]
            f = chain.facilities[fid]
            return {"entry_number": e.entry_number, "step": step, "facility_name": f.name,
                    "country": f.country, **kw}

        def lots_text(rows) -> str:
            return "; ".join(f"{pl.lot_id}: {_qty(pl.quantity, chain.unit_of(pl.lot_id))}" for pl in rows)

        for lot_id in order:
            if lot_id not in up.lots:
                continue
            lot = chain.lots[lot_id]
            pid = chain.made_by.get(lot_id)
            if pid and pid not in done:
                done.add(pid)
                p = chain.processes[pid]
                klass, ruling = process_class(chain, pid, lot.item_id)
                yield row(date=p.completed_on, facility_id=p.facility_id,
                          event=f"process {pid}: {p.process_type} ({klass}{', ruling ' + ruling if ruling else ''})"
                                + (f". {p.description}" if p.description else ""),
                          lots_in=lots_text(chain.inputs_of.get(pid, ())), lots_out=lots_text(chain.outputs_of[pid]),
                          documents=_docs_text(chain, "process", pid), main_line="yes" if pid in main_procs else "")
            elif not pid:
                claim = f"claimed origin {lot.origin_country}" if lot.origin_country else "no origin claimed"
                yield row(date=lot.produced_on, facility_id=lot.facility_id,
                          event=f"raw material lot {lot_id} recorded ({claim})", lots_in="",
                          lots_out=f"{lot_id}: {_qty(lot.quantity, chain.unit_of(lot_id))}",
                          documents=_docs_text(chain, "lot", lot_id), main_line="yes" if lot_id in main else "")
            for s in ships.get(lot_id, ()):
                to = chain.facilities[s.to_facility_id]
                how = f" by {s.transport_mode}" if s.transport_mode else ""
                bl = f", B/L {s.bill_of_lading}" if s.bill_of_lading else ""
                arrived = f", arrived {s.arrived_on.isoformat()}" if s.arrived_on else ""
                yield row(date=s.shipped_on, facility_id=s.from_facility_id,
                          event=f"shipment {s.shipment_id}{how} to {to.facility_id} {to.name} ({to.country})"
                                f"{bl}{arrived}",
                          lots_in=f"{s.lot_id}: {_qty(s.quantity, chain.unit_of(s.lot_id))}", lots_out="",
                          documents=_docs_text(chain, "shipment", s.shipment_id),
                          main_line="yes" if s.lot_id in main else "")
        where = chain.facilities[r.context.events[-1].to_facility_id or r.context.events[-1].facility_id] \
            if r.context.events else chain.facilities[chain.lots[e.lot_id].facility_id]
        port = f" at port {e.port_of_entry}" if e.port_of_entry else ""
        yield row(date=e.entry_date, facility_id=where.facility_id,
                  event=f"US customs entry {e.entry_number}{port}: HTS {e.hts}, declared origin {e.declared_origin}",
                  lots_in=f"{e.lot_id}: {_qty(e.quantity, chain.unit_of(e.lot_id))}", lots_out="",
                  documents=_docs_text(chain, "entry", e.entry_number), main_line="yes")


@sheet_rows("facility_id", "name", "country", "facility_type", "address", "operator", "ownership",
            "established_on", "annual_capacity", "capacity_unit", "output", "status")
def facility_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    facilities = sorted({f for r in pkg.results for f in r.context.upstream.facilities})
    years: dict[str, set[int]] = defaultdict(set)
    for r in pkg.results:
        for pid in r.context.upstream.processes:
            p = chain.processes[pid]
            years[p.facility_id].add(p.completed_on.year)
    made = output_by_year(chain)
    for fid in facilities:
        f = chain.facilities[fid]
        op = chain.companies.get(f.company_id) if f.company_id else None
        chain_text, cid, seen = [], f.company_id, set()
        while cid and cid in chain.companies and cid not in seen:
            seen.add(cid)
            c = chain.companies[cid]
            chain_text.append(f"{c.name} ({c.country})")
            cid = c.parent_company_id
        output = {y: made.get((fid, y), Decimal(0)) for y in sorted(years.get(fid, ()))}
        status = ""
        if f.annual_capacity is not None and output:
            over = [y for y, q in output.items() if q > f.annual_capacity]
            status = f"OVER in {', '.join(map(str, over))}" if over else "within capacity"
        yield {"facility_id": fid, "name": f.name, "country": f.country, "facility_type": f.facility_type,
               "address": f.address, "operator": op.name if op else "", "ownership": " owned by ".join(chain_text),
               "established_on": f.established_on, "annual_capacity": f.annual_capacity,
               "capacity_unit": f.capacity_unit,
               "output": "; ".join(f"{y}: {_qty(q, f.capacity_unit)}" for y, q in output.items()) if
               f.annual_capacity is not None else "", "status": status}


@sheet_rows("entry_number", "subject", "facility_id", "unit", "quantity_in", "quantity_out", "detail", "status")
def mass_balance_rows(pkg: Package) -> Iterable[dict]:
    chain = pkg.d.chain
    entered = entered_at(chain)
    for r in pkg.results:
        up, number = r.context.upstream, r.entry.entry_number
        for pid in sorted(up.processes):
            for unit, (ins, outs) in process_balance(chain, pid).items():
                yield {"entry_number": number, "subject": f"process {pid}",
                       "facility_id": chain.processes[pid].facility_id, "unit": unit, "quantity_in": ins,
                       "quantity_out": outs, "detail": "outputs against inputs (2% allowed)",
                       "status": "EXCEEDS" if outs > ins * Decimal("1.02") else "ok"}
        for lot_id in sorted(up.lots):
            unit = chain.unit_of(lot_id)
            for fid, (arrived, ways) in sorted(lot_balance(chain, lot_id, entered.get(lot_id, [])).items()):
                out = sum(ways.values(), Decimal(0))
                yield {"entry_number": number, "subject": f"lot {lot_id}", "facility_id": fid, "unit": unit,
                       "quantity_in": arrived, "quantity_out": out,
                       "detail": ", ".join(f"{k} {_qty(v)}" for k, v in sorted(ways.items())),
                       "status": "EXCEEDS" if out > arrived else "ok"}


@sheet_rows("entry_number", "status", "document_id", "doc_type", "reference_no", "issuer", "issued_on",
            "covers", "stated_origin", "file", "sha256")
def document_rows(pkg: Package) -> Iterable[dict]:
    store = pkg.d.evidence_store
    for r in pkg.results:
        number = r.entry.entry_number
        tampered = {s.split(":", 1)[1] for f in r.flags if f.code == "DOC_TAMPERED" for s in f.subjects}
        for doc in r.context.upstream.documents:
            held = bool(doc.stored and store and evidence_path(store, doc.sha256).is_file())
            status = "TAMPERED" if doc.document_id in tampered else "held" if held else "on record"
            yield {"entry_number": number, "status": status, "document_id": doc.document_id,
                   "doc_type": doc.doc_type, "reference_no": doc.reference_no, "issuer": doc.issuer,
                   "issued_on": doc.issued_on, "covers": f"{doc.covers_type} {doc.covers_id}",
                   "stated_origin": doc.stated_origin, "file": doc.file, "sha256": doc.sha256}
        for (kind, ident), types in sorted(missing_documents(r.context).items()):
            for t in types:
                yield {"entry_number": number, "status": "MISSING", "doc_type": t, "covers": f"{kind} {ident}"}


@sheet_rows("entry_number", "severity", "code", "message", "subjects", "meaning", "answer")
def flag_rows(pkg: Package) -> Iterable[dict]:
    info = flag_info()
    for r in pkg.results:
        for f in r.flags:
            yield {"entry_number": r.entry.entry_number, "severity": f.severity, "code": f.code,
                   "message": f.message, "subjects": ", ".join(f.subjects),
                   "meaning": info[f.code]["meaning"], "answer": info[f.code]["answer"]}


@sheet_rows("entry_number", "measure_id", "kind", "country", "hts_prefix", "effective_on", "applies",
            "description", "federal_register", "note")
def measure_rows(pkg: Package) -> Iterable[dict]:
    for r in pkg.results:
        judged = {id(m) for m in r.measures()}  # covering the origin its regime judges
        for m in r.context.measures:
            applies = ("every country (does not turn on origin)" if m.country == EVERY_COUNTRY else
                       f"the {'Section 301' if m.kind == '301' else 'AD/CVD'} origin" if id(m) in judged else
                       "declared origin" if m.country == r.entry.declared_origin else "another country")
            yield {"entry_number": r.entry.entry_number, "measure_id": m.measure_id, "kind": m.kind,
                   "country": m.country, "hts_prefix": m.hts_prefix, "effective_on": m.effective_on,
                   "applies": applies, "description": m.description, "federal_register": m.federal_register,
                   "note": m.note or "Confirm scope against the order's written description."}


@sheet_rows("seq", "at", "actor", "action", "table", "key", "changes", "prev_hash", "hash")
def audit_rows(pkg: Package) -> Iterable[dict]:
    for rec in pkg.records:
        key = orjson.loads(rec.record_key)
        yield {"seq": rec.seq, "at": rec.at, "actor": rec.actor, "action": rec.action, "table": rec.table_name,
               "key": " / ".join(map(str, key)), "changes": describe(rec.action, rec.before, rec.after), "prev_hash": rec.prev_hash,
               "hash": rec.hash}


@sheet_rows("batch_id", "file_name", "file_sha256", "imported_at", "actor", "records")
def source_rows(pkg: Package) -> Iterable[dict]:
    count: dict[int, int] = defaultdict(int)
    for rec in pkg.records:
        if rec.batch_id is not None:
            count[rec.batch_id] += 1
    for b in pkg.batches:
        yield {"batch_id": b.id, "file_name": b.file_name, "file_sha256": b.file_sha256,
               "imported_at": b.imported_at, "actor": b.actor, "records": count[b.id]}

