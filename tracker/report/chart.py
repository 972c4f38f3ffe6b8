"""The supply-chain chart: every facility upstream of an entry, grouped by country, coloured by meaning."""

from __future__ import annotations

import io
import textwrap
from collections import defaultdict

from openpyxl import Workbook

from ..determination import EntryResult
from ..origin import process_class
from ..values import country_name
from .build import Package
from .regime_text import conferring_facilities, duty_origins, marking_of, regimes_words
from .xlsx import styled_cell, page_setup


# What a box means for the goods: colour, and the legend's words.
ROLES = {
    "origin": ("#C6E0B4", "#38761D", "substantial transformation (confers origin)"),
    "minor": ("#F8CBAD", "#B45F06", "minor processing (no substantial transformation)"),
    "raw": ("#DDEBF7", "#1F4E78", "raw material produced"),
    "pass": ("#E7E6E6", "#666666", "storage or transit only (pass-through)"),
    "us": ("#D9D2E9", "#351C75", "United States (entry)"),
}
_DUTY = "#C00000"  # the outline of the duty origin's step, where the regimes split
_GROUP_OVER = 24  # facilities; above this, one box per country and role


def entry_facility(r: EntryResult) -> str:
    """Where the entered goods were when entered: the end of the route."""
    ev = r.context.events
    if ev:
        return ev[-1].to_facility_id or ev[-1].facility_id
    return r.context.chain.lots[r.entry.lot_id].facility_id


def _model(pkg: Package, r: EntryResult) -> tuple[dict, dict, str | None]:
    """Boxes (facility or group -> country, role, name, lines) and arrows ((from, to) -> shipments)."""
    from .submission import Edition

    chain, up = pkg.d.chain, r.context.upstream
    ed = pkg.edition or Edition()
    scrub = _scrubber(pkg)
    facs = set(up.facilities) | {s.to_facility_id for s in up.shipments} | {entry_facility(r)}
    made: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    klasses: dict[str, set[str]] = defaultdict(set)
    for pid in up.processes:
        p = chain.processes[pid]
        outs = chain.outputs_of.get(pid, ())
        item = chain.lots[outs[0].lot_id].item_id if outs else ""
        klass, _ = process_class(chain, pid, item)
        klasses[p.facility_id].add(klass)
        made[p.facility_id][(p.process_type.replace("_", " "),  # the box's colour says its class
                             chain.items[item].description if item else "")] += 1
    for lot in up.lots:
        if lot not in chain.made_by:
            lt = chain.lots[lot]
            made[lt.facility_id][("raw material", chain.items[lt.item_id].description)] += 1
    e = r.entry
    made[entry_facility(r)][(f"US customs entry {e.entry_number}", f"HTS {e.hts}")] += 1
    # Where the marking origin was conferred (and, where the regimes split, the duty origin).
    basis, duty = conferring_facilities(chain, r)

    def role(fid: str) -> str:
        if chain.country_of(fid) == "US":
            return "us"
        k = klasses.get(fid, set())
        if "substantial" in k:
            return "origin"
        if "minor" in k:
            return "minor"
        if any(what == "raw material" for what, _ in made.get(fid, {})):
            return "raw"
        return "pass"

    boxes: dict[str, dict] = {}
    group = len(facs) > _GROUP_OVER
    key_of = {}
    for fid in sorted(facs):
        f = chain.facilities[fid]
        key = f"{f.country}:{role(fid)}" if group and fid not in (basis, duty) else fid
        key_of[fid] = key
        box = boxes.setdefault(key, {"country": f.country, "role": role(fid), "ids": [], "made": defaultdict(int)})
        box["ids"].append(fid)
        for k, n in made.get(fid, {}).items():
            box["made"][k] += n
    for key, box in boxes.items():
        ids = box["ids"]
        if len(ids) == 1:
            f = chain.facilities[ids[0]]
            box["title"] = f"{ed.mark('name', f.name)} ({ids[0]})"
        else:
            box["title"] = f"{len(ids)} facilities: {ROLES[box['role']][2].split(' (')[0]}"
        lines = []
        for (what, item), n in sorted(box["made"].items(), key=lambda kv: -kv[1]):
            if what == "raw material":
                lines.append(f"raw material: {item}" + (f", {n:,} lots" if n > 1 else ""))
            else:
                lines.append(f"{what}: {item}" + (f", {n:,} runs" if n > 1 else ""))
        box["lines"] = [scrub(t) for t in lines]
        box["title"] = scrub(box["title"])
        box["basis"] = basis in ids
        box["duty"] = duty is not None and duty in ids
    arrows: dict[tuple[str, str], list] = defaultdict(list)
    for s in up.shipments:
        a, b = key_of.get(s.from_facility_id), key_of.get(s.to_facility_id)
        if a and b and a != b:
            arrows[(a, b)].append(s)
    return boxes, arrows, basis


def _scrubber(pkg: Package):
    """The public edition's aliases for identifiers (submission.Facts.scrub), else text as it is."""
    if pkg.edition is None or pkg.edition.name != "public":
        return lambda text: text
    from .submission import facts_of

    return facts_of(pkg).scrub


def _levels(boxes: dict, arrows: dict) -> dict[str, int]:
    """Each box's column: the longest chain of arrows leading to it (cycles folded together)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(boxes)
    g.add_edges_from(arrows)
    dag = nx.condensation(g)
    level: dict[int, int] = {}
    for n in nx.topological_sort(dag):
        level[n] = max((level[p] + 1 for p in dag.predecessors(n)), default=0)
    return {m: level[n] for n in dag.nodes for m in dag.nodes[n]["members"]}


def draw_chart(pkg: Package, r: EntryResult, width: float = 10.0, height: float = 7.0, stamped: bool = False):
    """The supply chain of one entry as a matplotlib figure filling a landscape page.

    Every facility upstream is a box, in a band per country, in columns from
    raw material (left) to the US (right); boxes are coloured by what happened
    there for these goods, with a legend; the facility whose process conferred
    origin is drawn with a heavy border. Above 24 facilities, the facilities of
    one country and role share a box, and lots of one item at one place are
    counted, never listed, so a chain of ten thousand lots draws in a moment.
    """
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["pdf.fonttype"] = 42  # text stays text in the PDF
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    boxes, arrows, _ = _model(pkg, r)
    level = _levels(boxes, arrows)
    order = {c: i for i, c in enumerate(sorted({b["country"] for b in boxes.values()},
                                               key=lambda c: (c == "US", min(level[k] for k, b in boxes.items()
                                                                             if b["country"] == c), c)))}
    cols = max(level.values()) + 1
    # Within a country's band, boxes at the same column stack; the band is as tall as its tallest stack.
    stack: dict[tuple[str, int], list[str]] = defaultdict(list)
    for k in sorted(boxes, key=lambda k: (order[boxes[k]["country"]], level[k], k)):
        stack[(boxes[k]["country"], level[k])].append(k)
    band = {c: max(len(v) for (cc, _), v in stack.items() if cc == c) for c in order}
    rows = sum(band.values())
    fig = plt.figure(figsize=(width, height))
    # Inches kept for the title and legend (and, on a binder page, clear of its stamps).
    legend_h, title_h, label_w = (1.25, 1.05, 1.1) if stamped else (0.6, 0.55, 1.1)
    if any(b["duty"] for b in boxes.values()):  # two outlines to explain: the legend takes more lines
        legend_h += 0.35
    ax = fig.add_axes((label_w / width, legend_h / height, 1 - label_w / width - 0.01,
                       1 - (legend_h + title_h) / height))
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.axis("off")
    col_in = (width - label_w) / cols
    row_in = (height - legend_h - title_h) / rows
    box_w, box_h = 0.8, 0.86
    # The biggest type (12 pt down to 9) at which every box's wrapped text fits inside it.
    box_h_pt = row_in * box_h * 72 - 6

    def wrapped(b: dict, chars: int) -> tuple[str, str]:
        lines = b["lines"][:4] + ([f"and {len(b['lines']) - 4} more"] if len(b["lines"]) > 4 else [])
        return textwrap.fill(b["title"], chars), "\n".join(textwrap.fill(t, chars) for t in lines)

    for size in (12.0, 11.0, 10.0, 9.0):
        chars = max(12, int(col_in * box_w * 72 / (size * 0.6)))
        texts = {k: wrapped(b, chars) for k, b in boxes.items()}
        if all((t.count("\n") + body.count("\n") + 2) * size * 1.25 <= box_h_pt for t, body in texts.values()):
            break
    pos: dict[str, tuple[float, float]] = {}
    top = 0
    for c, i in sorted(order.items(), key=lambda kv: kv[1]):
        ax.add_patch(plt.Rectangle((0, top), cols, band[c], fc="#FAFAFA" if i % 2 else "#F0F3F7", ec="none",
                                   zorder=0))
        fig.text(0.08 / width, 1 - (title_h + (top + band[c] / 2) * row_in) / height,
                 textwrap.fill(country_name(c), 14), fontsize=10, weight="bold", va="center")
        for lvl in range(cols):
            for j, k in enumerate(stack.get((c, lvl), [])):
                pos[k] = (lvl + 0.5, top + j + 0.5)
        top += band[c]
    for k, b in boxes.items():
        x, y = pos[k]
        fc, ec, _ = ROLES[b["role"]]
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.01",
                                    fc=fc, ec=ec, lw=3.2 if b["basis"] else 1.2, zorder=2))
        if b["duty"]:  # the duty origin's step: a dashed red outline, distinct from the marking one
            ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h, boxstyle="round,pad=0.025",
                                        fc="none", ec=_DUTY, lw=3.2, ls="--", zorder=2))
        text, body = texts[k]
        limit = max(1, int(box_h_pt / (size * 1.25)) - text.count("\n") - 1)
        if body.count("\n") + 1 > limit:  # still too long at 9 pt: keep what fits, say what is left out
            kept = body.split("\n")[:max(limit - 1, 0)]
            body = "\n".join(kept + ["..."])
        ax.text(x, y - box_h / 2 + 0.04, text, ha="center", va="top", fontsize=size, weight="bold", zorder=3)
        ax.text(x, y - box_h / 2 + 0.04 + (text.count("\n") + 1) * size * 1.25 / 72 / row_in, body, ha="center",
                va="top", fontsize=size, zorder=3, color="#222222")
    few = len(arrows) <= 12
    for (a, b_), ships in arrows.items():
        (x1, y1), (x2, y2) = pos[a], pos[b_]
        start = (x1 + box_w / 2, y1) if x2 > x1 else (x1, y1 + box_h / 2 * (1 if y2 > y1 else -1))
        end = (x2 - box_w / 2, y2) if x2 > x1 else (x2, y2 - box_h / 2 * (1 if y2 > y1 else -1))
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.3, color="#333333",
                                     connectionstyle="arc3,rad=0.08", zorder=1))
        if few:
            ships = list({s.shipment_id: s for s in ships}.values())  # one per shipment, whatever it carried
            label = (", ".join(f"{s.shipment_id} {s.shipped_on.isoformat()}" for s in ships[:2])
                     if len(ships) <= 2 else f"{len(ships):,} shipments")
            ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 0.06, textwrap.fill(_scrubber(pkg)(label), 24),
                    ha="center", va="bottom", fontsize=9, color="#333333", zorder=4,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1})
    e = r.entry
    chain = pkg.d.chain
    marking, split = marking_of(r), duty_origins(r)
    origin = country_name(r.computed_origin) or "not established"
    duties = "".join(f" {regimes_words(keys)}: {country_name(ro.origin) or 'not established'}."
                     for keys, ro in split)
    fig.text(0.5 / width, 1 - (0.55 if stamped else 0.08) / height,
             textwrap.fill(_scrubber(pkg)(f"Entry {e.entry_number}: {chain.items[chain.lots[e.lot_id].item_id].description}, "
                           f"HTS {e.hts}. Country of origin{' (marking)' if split else ''}: {origin}.{duties} "
                           f"Route: {' > '.join(country_name(c) for c in r.route)}."), int(width * 9)),
             fontsize=11, weight="bold", va="top")
    used = [k for k in ROLES if any(b["role"] == k for b in boxes.values())]
    handles = [Patch(fc=ROLES[k][0], ec=ROLES[k][1], label=ROLES[k][2]) for k in used]
    if any(b["basis"] for b in boxes.values()):
        rule = f", {marking.rule}" if marking is not None and split else ""
        handles.append(Patch(fc="white", ec="#000000", lw=3.2,
                             label=f"where the {'marking ' if split else ''}origin ({origin}{rule}) was conferred"))
    if any(b["duty"] for b in boxes.values()):
        keys, ro = split[0]
        handles.append(Patch(fc="white", ec=_DUTY, lw=3.2, ls="--",
                             label=f"where the {regimes_words(keys)} origin ({country_name(ro.origin)}, "
                                   f"{ro.rule}) was conferred"))
    for h in handles:  # long labels wrap, so the legend stays inside the page
        h.set_label(textwrap.fill(h.get_label(), 62))
    fig.legend(handles=handles, loc="lower center", ncol=3 if len(handles) <= 4 else 2, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, (0.6 if stamped else 0.02) / height))
    return fig


def route_picture(pkg: Package, r: EntryResult) -> bytes:
    """The supply chain of one entry as a PNG, for the workbook."""
    import matplotlib.pyplot as plt

    fig = draw_chart(pkg, r, 9.7, 6.6)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def chart_pdf(pkg: Package) -> bytes:
    """One landscape letter page per entry, for the binder."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Creator": None, "Producer": None}) as pdf:
        for r in pkg.results:
            fig = draw_chart(pkg, r, 11.0, 8.5, stamped=True)
            fig.subplots_adjust()
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def route_map_sheet(wb: Workbook, pkg: Package, spec: dict) -> None:
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet(spec["name"])
    page_setup(ws, [9.5] * 10, landscape=True, grid=False)  # the picture prints at 100%
    # Rows of exactly 20 pixels, whatever font stands in, so a picture and its page break line up.
    ws.sheet_format.defaultRowHeight = 15
    ws.sheet_format.customHeight = True
    row = 1
    for r in pkg.results:
        img = Image(io.BytesIO(route_picture(pkg, r)))
        img.width, img.height = 900, 612  # 9.4 by 6.4 inches: a landscape letter page inside its margins
        ws.add_image(img, f"A{row}")
        row += 32  # 640 pixels: the picture, then the page break
        if r is not pkg.results[-1]:
            ws.row_breaks.append(Break(id=row - 1))  # one picture a page
    # The picture's right edge may reach past the tenth column however wide a program draws a character:
    # print it one page wide, so no sliver of it spills onto a page of its own (set before the first
    # row: a write-only sheet writes its properties then).
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.append([styled_cell(ws, "")])  # a sheet with only a picture still needs one row to open cleanly

