"""Synthetic supplier workbooks of a given size, for benchmarks and for trying tracker at scale.

The shape follows real importers' data: raw material lots at mills, mines and
farms with claimed origins; substantial processing into finished goods;
shipments straight to the US, through ports, or through a third country
where the goods are only stored (transshipment) or repacked and relabelled
(minor processing); blends of inputs from several countries; a few plants
that report more than they can make; and documents for most steps. Seeded:
a size and seed always give the same data.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .schemas import sheet_headers, workbook_layout

__all__ = ["Synthetic", "generate", "write_xlsx", "write_csv", "DEEP_ENTRY"]

DEEP_ENTRY = "E-DEEP"

# (family, raw item, raw unit, raw HTS, finished item, unit, HTS, making process)
FAMILIES = [
    ("aluminium", "AL-BILLET", "kg", "7601.20", "AL-PROFILE", "kg", "7604.29.1000", "extrusion"),
    ("solar", "PV-WAFER", "pcs", "3818.00", "PV-CELL", "pcs", "8541.42.0010", "cell_fabrication"),
    ("plywood", "VENEER", "m3", "4408.90", "HW-PLYWOOD", "m3", "4412.33.0620", "manufacturing"),
    ("cabinets", "LUMBER", "m3", "4407.29", "CABINET", "pcs", "9403.40.9060", "manufacturing"),
    ("honey", "RAW-HONEY", "kg", "0409.00", "HONEY", "kg", "0409.00.0010", "mixing_dilution"),
    ("hangers", "WIRE-ROD", "kg", "7213.91", "HANGER", "pcs", "7326.20.0020", "manufacturing"),
    ("fasteners", "STEEL-ROD", "kg", "7213.91", "BOLT", "kg", "7318.15.2095", "machining"),
    ("controls", "PCB", "pcs", "8534.00", "CONTROLLER", "pcs", "8537.10.9170", "complex_assembly"),
]
MAKERS = ["CN"] * 9 + ["VN", "VN", "MY", "TH", "IN", "MX", "ID", "TW", "KR", "TR"]
THIRD = ["VN", "MY", "TH", "ID", "KH"]
PORTS = ["SG", "HK", "AE", "KR"]


@dataclass
class Synthetic:
    rows: dict[str, list[list]] = field(default_factory=lambda: {s.name: [] for s in workbook_layout()})

    def add(self, sheet: str, *values) -> None:
        self.rows[sheet].append(list(values))

    @property
    def total(self) -> int:
        return sum(len(r) for r in self.rows.values())


def generate(rows: int, seed: int = 7, deep: int = 0) -> Synthetic:
    """About `rows` rows over all sheets; with `deep`, one more entry (E-DEEP) with that many upstream lots."""
    rng = random.Random(seed)
    out = Synthetic()
    n = {"lot": 0, "proc": 0, "ship": 0, "doc": 0}
    facilities: dict[tuple[str, str], list[str]] = {}

    def next_id(kind: str, prefix: str) -> str:
        n[kind] += 1
        return f"{prefix}{n[kind]:07d}"

    def facility(country: str, ftype: str, pool: int = 6, capacity: int | None = None, unit: str | None = None,
                 small: bool = False) -> str:
        ids = facilities.setdefault((country, ftype), [])
        if len(ids) < pool or small:
            fid = f"{country}-{ftype[:3].upper()}-{len(ids) + 1:04d}"
            established = date(1995 + rng.randrange(28), 1 + rng.randrange(12), 1)
            cap = capacity if capacity is not None else None
            out.add("Facilities", fid, f"{country} {ftype} {len(ids) + 1}", country, ftype, None, None,
                    established, cap, unit if cap is not None else None)
            ids.append(fid)
            return fid
        return rng.choice(ids)

    def doc(dtype: str, covers: str, cid: str, when: date, stated: str | None = None, p: float = 0.92) -> None:
        if rng.random() < p:
            did = next_id("doc", "D")
            out.add("Documents", did, dtype, covers, cid, f"R-{did}", "issuer", when, stated, None, None)

    def lot(item: str, fid: str, qty: int, when: date, origin: str | None, value: float) -> str:
        lid = next_id("lot", "L")
        out.add("Lots", lid, item, fid, qty, when, origin, value)
        return lid

    def process(fid: str, ptype: str, when: date, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]]):
        pid = next_id("proc", "P")
        out.add("Processes", pid, fid, ptype, when, when - timedelta(days=2), f"{ptype} run {pid}")
        for lid, q in inputs:
            out.add("ProcessLots", pid, "input", lid, q)
        for lid, q in outputs:
            out.add("ProcessLots", pid, "output", lid, q)
        doc("production_record", "process", pid, when)
        return pid

    def ship(lid: str, qty: int, frm: str, to: str, when: date, days: int = 20) -> date:
        sid = next_id("ship", "S")
        arrived = when + timedelta(days=days)
        out.add("Shipments", sid, lid, qty, frm, to, when, arrived, "sea", f"BL{sid}")
        doc("bill_of_lading", "shipment", sid, when)
        doc("commercial_invoice", "shipment", sid, when)
        return arrived

    us_dc = ["US-DC-LAX", "US-DC-SAV", "US-DC-NWK"]
    for fid in us_dc:
        out.add("Facilities", fid, f"Importer DC {fid[-3:]}", "US", "warehouse", None, None, None, None, None)
    for fam in FAMILIES:
        out.add("Items", fam[1], f"{fam[0]} raw material", fam[2], fam[3])
        out.add("Items", fam[4], f"{fam[0]} finished goods", fam[5], fam[6])

    chain_no = 0
    while out.total < rows - 6 * deep:  # the deep entry adds about six rows a lot
        chain_no += 1
        fam = rng.choice(FAMILIES)
        _, raw_item, raw_unit, _, item, unit, hts, making = fam
        maker = rng.choice(MAKERS)
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(900))
        factory = facility(maker, "factory", pool=max(4, chain_no // 40))
        scenario = rng.random()
        inputs = []
        for k in range(rng.randint(1, 3)):
            raw_country = maker if rng.random() < 0.8 else rng.choice(["CN", "CN", "AU", "BR", "IN"])
            mill = facility(raw_country, "mill")
            q = rng.randint(50, 500) * 100
            lid = lot(raw_item, mill, q, start + timedelta(days=k), raw_country, round(rng.uniform(0.5, 5), 2))
            doc("mill_certificate", "lot", lid, start, raw_country, p=0.88)
            ship(lid, q, mill, factory, start + timedelta(days=3), days=5)
            inputs.append((lid, q))
        made_on = start + timedelta(days=20)
        qty = sum(q for _, q in inputs) * 95 // 100
        klass_process = making
        if scenario > 0.95:  # a plant that reports more output than it can make
            factory = facility(maker, "factory", capacity=max(1, qty // 3), unit=unit, small=True)
            for lid, q in inputs:
                ship(lid, q, mill, factory, start + timedelta(days=4), days=4)
        finished = lot(item, factory, qty, made_on, None, round(rng.uniform(2, 50), 2))
        process(factory, klass_process, made_on, inputs, [(finished, qty)])
        declared, at, when = maker, factory, made_on + timedelta(days=3)
        if scenario < 0.10:  # transshipment: only stored in a third country
            third = rng.choice([c for c in THIRD if c != maker])
            wh = facility(third, "warehouse")
            when = ship(finished, qty, at, wh, when) + timedelta(days=6)
            declared, at = third, wh
        elif scenario < 0.20:  # minor processing in a third country
            third = rng.choice([c for c in THIRD if c != maker])
            plant = facility(third, "factory")
            arrived = ship(finished, qty, at, plant, when)
            repacked = lot(item, plant, qty, arrived + timedelta(days=4), None, round(rng.uniform(2, 50), 2))
            process(plant, rng.choice(["repackaging", "labeling", "coating_painting"]), arrived + timedelta(days=4),
                    [(finished, qty)], [(repacked, qty)])
            declared, at, finished, when = third, plant, repacked, arrived + timedelta(days=7)
        elif scenario < 0.28:  # through a port
            port = facility(rng.choice(PORTS), "port", pool=3)
            when = ship(finished, qty, at, port, when, days=6) + timedelta(days=2)
            at = port
        elif scenario < 0.35:  # blended with a second input of another origin
            other = rng.choice(["VN", "TH", "AR", "MX"])
            farm = facility(other, "farm")
            q2 = qty // rng.randint(2, 4)
            extra = lot(item, farm, q2, made_on, other, round(rng.uniform(2, 50), 2))
            doc("certificate_of_origin", "lot", extra, made_on, other)
            ship(extra, q2, farm, factory, made_on + timedelta(days=1), days=3)
            blend = lot(item, factory, qty + q2, made_on + timedelta(days=6), None, round(rng.uniform(2, 50), 2))
            process(factory, "mixing_dilution", made_on + timedelta(days=6), [(finished, qty), (extra, q2)],
                    [(blend, qty + q2)])
            finished, qty, when = blend, qty + q2, made_on + timedelta(days=8)
        dc = rng.choice(us_dc)
        arrived = ship(finished, qty, at, dc, when, days=rng.randint(14, 35))
        number = f"E{chain_no:08d}"
        entry_date = arrived + timedelta(days=rng.randint(1, 5))
        out.add("Entries", number, finished, qty, entry_date, hts, declared, "Synthetic Imports LLC", "2704", None,
                qty * 10)
        for t in ("commercial_invoice", "packing_list", "bill_of_lading"):
            doc(t, "entry", number, entry_date, p=0.96)
        if rng.random() < 0.5:
            doc("certificate_of_origin", "entry", number, entry_date, declared, p=1)
    if deep:
        _deep_entry(out, rng, deep, next_id, lot, process, ship, doc)
    return out


def _deep_entry(out: Synthetic, rng, deep: int, next_id, lot, process, ship, doc) -> None:
    """One honey blend with `deep` raw lots upstream, blended in two stages."""
    groups = max(1, int(math.sqrt(deep)))
    packer = "VN-PACK-DEEP"
    out.add("Facilities", packer, "Deep blend packer", "VN", "factory", None, None, date(2005, 1, 1), None, None)
    farms = []
    for c in ("CN", "VN", "AR", "TH"):
        fid = f"{c}-FARM-DEEP"
        out.add("Facilities", fid, f"{c} apiary co-op", c, "farm", None, None, None, None, None)
        farms.append((c, fid))
    start = date(2024, 1, 1)
    blends = []
    per_group = [deep // groups + (1 if g < deep % groups else 0) for g in range(groups)]
    for g, size in enumerate(per_group):
        inputs = []
        for _ in range(size):
            c, farm = rng.choice(farms)
            q = rng.randint(200, 900)
            lid = lot("RAW-HONEY", farm, q, start, c, round(rng.uniform(1.5, 4.0), 2))
            doc("certificate_of_origin", "lot", lid, start, c, p=1)
            ship(lid, q, farm, packer, start + timedelta(days=2), days=5)
            inputs.append((lid, q))
        total = sum(q for _, q in inputs)
        blend = lot("HONEY", packer, total, start + timedelta(days=15), None, 4.5)
        process(packer, "mixing_dilution", start + timedelta(days=15), inputs, [(blend, total)])
        blends.append((blend, total))
    total = sum(q for _, q in blends)
    final = lot("HONEY", packer, total, start + timedelta(days=20), None, 5.0)
    process(packer, "mixing_dilution", start + timedelta(days=20), blends, [(final, total)])
    arrived = ship(final, total, packer, "US-DC-SAV", start + timedelta(days=22), days=25)
    out.add("Entries", DEEP_ENTRY, final, total, arrived + timedelta(days=2), "0409.00.0010", "VN",
            "Synthetic Imports LLC", "1703", None, total * 6)
    for t in ("commercial_invoice", "packing_list", "bill_of_lading", "certificate_of_origin"):
        doc(t, "entry", DEEP_ENTRY, arrived + timedelta(days=2), "VN" if t == "certificate_of_origin" else None, p=1)


def write_xlsx(data: Synthetic, path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, header in sheet_headers().items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in data.rows[name]:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(data: Synthetic, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header in sheet_headers().items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows([["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row]
                         for row in data.rows[name]])
    return folder
