"""Builders for realistic supply chains in tests: terse rows, full documents on request."""

from __future__ import annotations

from datetime import date, timedelta

D = date.fromisoformat


def fac(fid, country, ftype="factory", **kw):
    return {"facility_id": fid, "name": f"{fid} works", "country": country, "facility_type": ftype, **kw}


def item(iid, unit="kg", hts=None, description=None):
    return {"item_id": iid, "description": description or iid.lower(), "unit": unit, "hts": hts}


def lot(lid, iid, fid, qty, produced, origin=None, value=None):
    return {"lot_id": lid, "item_id": iid, "facility_id": fid, "quantity": qty, "produced_on": D(produced),
            "origin_country": origin, "unit_value_usd": value}


def proc(pid, fid, ptype, completed, started=None):
    return {"process_id": pid, "facility_id": fid, "process_type": ptype, "completed_on": D(completed),
            "started_on": D(started) if started else None}


def io(pid, role, lid, qty):
    return {"process_id": pid, "role": role, "lot_id": lid, "quantity": qty}


def ship(sid, lid, qty, frm, to, shipped, arrived=None):
    return {"shipment_id": sid, "lot_id": lid, "quantity": qty, "from_facility_id": frm, "to_facility_id": to,
            "shipped_on": D(shipped), "arrived_on": D(arrived) if arrived else None, "transport_mode": "sea",
            "bill_of_lading": f"BL-{sid}"}


def entry(num, lid, qty, when, hts, declared, **kw):
    return {"entry_number": num, "lot_id": lid, "quantity": qty, "entry_date": D(when), "hts": hts,
            "declared_origin": declared, **kw}


def doc(did, dtype, ctype, cid, issued=None, stated=None):
    return {"document_id": did, "doc_type": dtype, "covers_type": ctype, "covers_id": cid,
            "reference_no": f"REF-{did}", "issuer": "issuer", "issued_on": D(issued) if issued else None,
            "stated_origin": stated}


def documented(data: dict) -> dict:
    """Add every document the default evidence rules require, dated a day before the first entry."""
    first = min(e["entry_date"] for e in data["Entries"])
    day = (first - timedelta(days=1)).isoformat()
    docs = list(data.get("Documents", []))
    n = len(docs)

    def add(dtype, ctype, cid, stated=None):
        nonlocal n
        n += 1
        docs.append(doc(f"AUTO-{n}", dtype, ctype, cid, day, stated))

    made = {r["lot_id"] for r in data.get("ProcessLots", []) if r["role"] == "output"}
    consumers = {r["process_id"] for r in data.get("ProcessLots", []) if r["role"] == "input"}
    for e in data["Entries"]:
        for t in ("commercial_invoice", "packing_list", "bill_of_lading"):
            add(t, "entry", e["entry_number"])
    for s in {s["shipment_id"] for s in data.get("Shipments", [])}:
        add("bill_of_lading", "shipment", s)
        add("commercial_invoice", "shipment", s)
    for p in data.get("Processes", []):
        add("production_record", "process", p["process_id"])
    for lt in data["Lots"]:
        raw = lt["lot_id"] not in made or not any(
            r["process_id"] in consumers for r in data.get("ProcessLots", [])
            if r["lot_id"] == lt["lot_id"] and r["role"] == "output")
        if raw:
            add("mill_certificate", "lot", lt["lot_id"])
    data["Documents"] = docs
    return data
