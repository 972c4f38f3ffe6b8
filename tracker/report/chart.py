"""The route picture: the goods' path through facilities and countries."""

from __future__ import annotations

import io
import textwrap

from openpyxl import Workbook

from ..determination import EntryResult
from ..origin import process_class
from ..values import country_name
from .build import Package
from .xlsx import styled_cell, page_setup


def route_picture(pkg: Package, r: EntryResult) -> bytes:
    """The goods' path through facilities and countries as a PNG, readable when printed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    chain = pkg.d.chain
    stops: list[dict] = []
    arrows: list[tuple[int, int, str]] = []

    def stop(fid: str) -> int:
        if not stops or stops[-1]["fid"] != fid:
            stops.append({"fid": fid, "notes": []})
        return len(stops) - 1

    for ev in r.context.events:
        if ev.kind == "shipment":
            i = stop(ev.facility_id)
            j = stop(ev.to_facility_id)
            arrows.append((i, j, f"{ev.subject.split(':', 1)[1]}\n{ev.on.isoformat() if ev.on else ''}"))
        else:
            i = stop(ev.facility_id)
            if ev.kind == "made":
                p = chain.processes[ev.subject.split(":", 1)[1]]
                klass, _ = process_class(chain, p.process_id, chain.lots[ev.lot_id].item_id)
                stops[i]["notes"].append((f"{p.process_type} ({klass})", klass))
            else:
                stops[i]["notes"].append((f"raw lot {ev.lot_id}", "raw"))
    if not stops:
        stops.append({"fid": chain.lots[r.entry.lot_id].facility_id, "notes": []})
    stops[-1]["notes"].append((f"entry {r.entry.entry_number}", "entry"))
    countries = list(dict.fromkeys(chain.country_of(s["fid"]) for s in stops))
    palette = plt.get_cmap("tab10")
    colour = {c: palette(i % 10) for i, c in enumerate(countries)}
    note_colour = {"substantial": "#1a7f37", "minor": "#b35900", "none": "#666666", "raw": "#1f4e78",
                   "entry": "#000000"}
    n = len(stops)
    cols = min(n, 5)
    rows = (n + cols - 1) // cols
    half = 0.35  # half a box's width; the rest of each column is the arrow and its label
    fig, ax = plt.subplots(figsize=(max(6.5, 3.3 * cols), 1.0 + 2.6 * rows))
    ax.set_xlim(-0.55, cols - 0.45)
    ax.set_ylim(-(rows - 1) * 2.6 - 1.6, 0.9)
    ax.axis("off")

    def pos(i: int) -> tuple[float, float]:
        row, col = divmod(i, cols)
        return col, -row * 2.6

    for i, s in enumerate(stops):
        x, y = pos(i)
        f = chain.facilities[s["fid"]]
        ax.add_patch(FancyBboxPatch((x - half, y - 0.45), 2 * half, 0.9, boxstyle="round,pad=0.02",
                                    fc=(*colour[f.country][:3], 0.18), ec=colour[f.country], lw=2))
        ax.text(x, y + 0.22, f.facility_id, ha="center", va="center", fontsize=10, weight="bold")
        ax.text(x, y - 0.02, textwrap.shorten(f.name, 24, placeholder="…"), ha="center", va="center", fontsize=8)
        ax.text(x, y - 0.26, f"{country_name(f.country)} ({f.country})", ha="center", va="center", fontsize=9,
                color=colour[f.country], weight="bold")
        for k, (note, kind) in enumerate(s["notes"][:4]):
            ax.text(x, y - 0.62 - k * 0.24, textwrap.shorten(note, 30, placeholder="…"), ha="center", va="top",
                    fontsize=8, color=note_colour.get(kind, "#000000"))
    for i, j, label in arrows:
        (x1, y1), (x2, y2) = pos(i), pos(j)
        if y1 == y2:
            ax.add_patch(FancyArrowPatch((x1 + half + 0.02, y1), (x2 - half - 0.02, y2), arrowstyle="-|>",
                                         mutation_scale=16, lw=1.5, color="#333333"))
            ax.text((x1 + x2) / 2, y1 + 0.08, label, ha="center", va="bottom", fontsize=7)
        else:
            ax.add_patch(FancyArrowPatch((x1, y1 - 1.55), (x2, y2 + 0.47), arrowstyle="-|>", mutation_scale=16,
                                         lw=1.5, color="#333333"))
            ax.text((x1 + x2) / 2, (y1 + y2) / 2 - 0.5, label, ha="center", va="center", fontsize=7)
    e = r.entry
    ax.set_title(f"Entry {e.entry_number} (HTS {e.hts}): declared {e.declared_origin}, computed "
                 f"{r.computed_origin or 'unknown'}   route {' > '.join(r.route)}", fontsize=12, loc="left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def route_map_sheet(wb: Workbook, pkg: Package, spec: dict) -> None:
    from openpyxl.drawing.image import Image
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet(spec["name"])
    page_setup(ws, [14] * 12, grid=False)
    row = 1
    for r in pkg.results:
        img = Image(io.BytesIO(route_picture(pkg, r)))
        scale = min(1.0, 1100 / img.width)
        img.width, img.height = int(img.width * scale), int(img.height * scale)
        ws.add_image(img, f"A{row}")
        row += int(img.height / 20) + 2
        ws.row_breaks.append(Break(id=row - 1))  # one picture a page
    ws.append([styled_cell(ws, "")])  # a sheet with only a picture still needs one row to open cleanly

