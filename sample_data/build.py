"""Writes the sample supplier workbooks of this folder (run: python sample_data/build.py).

Three suppliers of one importer, Harbor Home Goods LLC, each sending the
supplier workbook (supplier-workbook-v1) with scanned documents beside it:

- vn_aluminium_profiles.xlsx: window profiles extruded in Vietnam from
  Australian billet. A clean route: origin VN, nothing a CBP analyst would
  question.
- my_solar_modules.xlsx: modules "made in Malaysia" by a Chinese-owned plant
  that only frames Chinese cells: origin CN, under the solar AD/CVD orders.
- vn_hardwood_plywood.xlsx: plywood really pressed in Vietnam, but from
  Chinese face veneers routed through Singapore: origin VN, with a
  circumvention risk under the Chinese plywood orders.
- th_steel_tube.xlsx: welded steel tube made in Thailand from hot-rolled
  coil. Origin TH either way (coil to tube is a substantial transformation),
  but Section 232 asks where the steel was melted and poured: one entry's
  coil was melted in China, its mill certificate says so, and the entry
  declared Thailand (METAL_PROVENANCE_MISMATCH); the other's Japanese coil
  is declared as Japanese.
- mx_motors_linens.xlsx (determination-v2, origin per regime): a Mexican
  group that assembles electric motors from Chinese stators, rotors and
  housings (as in CBP HQ H301619: Mexican for marking under 19 CFR 102,
  Chinese for Section 301), claimed under USMCA with the producer's blanket
  certification; and sews bed sheets from cotton sheeting woven in Pakistan
  (19 CFR 102.21: Pakistani, where the fabric was formed).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from tracker.schemas import sheet_headers

HERE = Path(__file__).resolve().parent
IMPORTER = "Harbor Home Goods LLC"

SHEETS = sheet_headers()  # every sheet and column of supplier-workbook-v1, from schemas/workbook.toml


def workbook(path: Path, data: dict[str, list[list]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, header in SHEETS.items():
        rows = data.get(sheet)
        if rows is None:
            continue
        ws = wb.create_sheet(sheet)
        ws.append(header)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
    wb.properties.creator = "tracker sample data"
    wb.save(path)


def scan(path: Path, title: str, lines: list[str]) -> str:
    """A one-page PDF standing in for a scanned document."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.1, 0.9, title, fontsize=20, weight="bold")
    for i, line in enumerate(lines):
        fig.text(0.1, 0.82 - i * 0.04, line, fontsize=12)
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, metadata={"CreationDate": None, "Producer": None, "Creator": None})
    plt.close(fig)
    return path.relative_to(HERE).as_posix()


def d(text: str) -> date:
    return date.fromisoformat(text)


def aluminium() -> None:
    mill_cert = scan(HERE / "docs" / "MC-HV-240210.pdf", "Mill Test Certificate",
                     ["Hunter Valley Aluminium Smelter Pty Ltd", "Heat BIL-2024-031, alloy 6063",
                      "180,000 kg aluminium extrusion billet", "Country of melt and cast: Australia"])
    coo = scan(HERE / "docs" / "CO-VN-2024-04117.pdf", "Certificate of Origin (Form B)",
               ["Vietnam Chamber of Commerce and Industry", "Exporter: Saigon Aluminium Profiles JSC",
                "Goods: aluminium window profiles, HS 7604.29", "Country of origin: Viet Nam"])
    workbook(HERE / "vn_aluminium_profiles.xlsx", {
        "Companies": [["AU-HVAS", "Hunter Valley Aluminium Smelter Pty Ltd", "Australia", None, "Kurri Kurri NSW"],
                      ["VN-SAPJ", "Saigon Aluminium Profiles JSC", "Viet Nam", None, "Binh Duong"]],
        "Facilities": [
            ["AU-HV-SMELTER", "Hunter Valley smelter cast house", "AU", "mill", "AU-HVAS", "Kurri Kurri NSW",
             d("1969-05-01"), 180000000, "kg"],
            ["VN-BD-EXTR", "Binh Duong extrusion plant", "VN", "factory", "VN-SAPJ", "My Phuoc 3 IP, Binh Duong",
             d("2009-03-01"), 12000000, "kg"],
            ["US-LAX-DC", "Harbor Home Goods Los Angeles DC", "United States", "warehouse", None, "Carson CA",
             None, None, None]],
        "Items": [["AL-BILLET-6063", "aluminium extrusion billet, alloy 6063", "kg", "7601.20"],
                  ["AL-WIN-PROFILE", "aluminium window frame profile, anodised", "kg", "7604.29.1000"]],
        "Lots": [["BIL-2024-031", "AL-BILLET-6063", "AU-HV-SMELTER", 180000, d("2024-02-10"), "AU", 2.6,
                  None, "AU", None, "AU"],
                 ["PRF-2024-0412", "AL-WIN-PROFILE", "VN-BD-EXTR", 172000, d("2024-03-28"), None, 4.1]],
        "Processes": [["EXT-2024-0412", "VN-BD-EXTR", "extrusion", d("2024-03-28"), d("2024-03-20"),
                       "Billet heated to 480 C and extruded through die WP-66, aged and anodised"]],
        "ProcessLots": [["EXT-2024-0412", "input", "BIL-2024-031", 180000],
                        ["EXT-2024-0412", "output", "PRF-2024-0412", 172000]],
        "Shipments": [
            ["SH-AU-VN-0214", "BIL-2024-031", 180000, "AU-HV-SMELTER", "VN-BD-EXTR", d("2024-02-14"),
             d("2024-03-02"), "sea", "MAEU240214001"],
            ["SH-VN-US-0402", "PRF-2024-0412", 172000, "VN-BD-EXTR", "US-LAX-DC", d("2024-04-02"),
             d("2024-04-26"), "sea", "ONEY240402117"]],
        "Entries": [["231-4471002-5", "PRF-2024-0412", 172000, d("2024-04-29"), "7604.29.1000", "VN", IMPORTER,
                     "2704", None, 705200, None, "AU", None, "AU"]],
        "Documents": [
            ["VN-D01", "mill_certificate", "lot", "BIL-2024-031", "MTC-HV-240210", "Hunter Valley Aluminium Smelter",
             d("2024-02-10"), "AU", mill_cert, None],
            ["VN-D02", "bill_of_lading", "shipment", "SH-AU-VN-0214", "MAEU240214001", "Maersk", d("2024-02-14"), None, None, None],
            ["VN-D03", "commercial_invoice", "shipment", "SH-AU-VN-0214", "HV-INV-88412", "Hunter Valley Aluminium Smelter",
             d("2024-02-12"), None, None, None],
            ["VN-D04", "production_record", "process", "EXT-2024-0412", "PR-EXT-0412", "Saigon Aluminium Profiles JSC",
             d("2024-03-28"), None, None, None],
            ["VN-D05", "bill_of_lading", "shipment", "SH-VN-US-0402", "ONEY240402117", "Ocean Network Express",
             d("2024-04-02"), None, None, None],
            ["VN-D06", "commercial_invoice", "shipment", "SH-VN-US-0402", "SAP-INV-24-0412", "Saigon Aluminium Profiles JSC",
             d("2024-04-01"), None, None, None],
            ["VN-D07", "commercial_invoice", "entry", "231-4471002-5", "SAP-INV-24-0412", "Saigon Aluminium Profiles JSC",
             d("2024-04-01"), None, None, None],
            ["VN-D08", "packing_list", "entry", "231-4471002-5", "SAP-PL-24-0412", "Saigon Aluminium Profiles JSC",
             d("2024-04-01"), None, None, None],
            ["VN-D09", "bill_of_lading", "entry", "231-4471002-5", "ONEY240402117", "Ocean Network Express",
             d("2024-04-02"), None, None, None],
            ["VN-D10", "certificate_of_origin", "entry", "231-4471002-5", "VCCI-B-2024-04117", "VCCI",
             d("2024-04-01"), "VN", coo, None]],
    })


def solar() -> None:
    coo = scan(HERE / "docs" / "CO-MY-2024-0611.pdf", "Certificate of Origin",
               ["Malaysian International Chamber of Commerce", "Exporter: Sunrise Solar Technology (Malaysia)",
                "Goods: crystalline silicon PV modules 410 W", "Country of origin: Malaysia"])
    workbook(HERE / "my_solar_modules.xlsx", {
        "Companies": [["CN-SUNRISE", "Jiangsu Sunrise Photovoltaic Group Co., Ltd.", "China", None, "Yancheng, Jiangsu"],
                      ["MY-SUNRISE", "Sunrise Solar Technology (Malaysia) Sdn Bhd", "Malaysia", "CN-SUNRISE", "Kulim Hi-Tech Park, Kedah"]],
        "Facilities": [
            ["CN-YC-CELL", "Yancheng cell fab 3", "CN", "factory", "CN-SUNRISE", "Yancheng, Jiangsu", d("2011-09-01"),
             9000000, "pcs"],
            ["MY-KL-MOD", "Kulim module line", "Malaysia", "factory", "MY-SUNRISE", "Kulim Hi-Tech Park, Kedah",
             d("2019-06-01"), 20000, "pcs"],
            ["US-LAX-DC", "Harbor Home Goods Los Angeles DC", "United States", "warehouse", None, "Carson CA",
             None, None, None]],
        "Items": [["PV-WAFER", "monocrystalline silicon wafer M10", "pcs", "3818.00"],
                  ["PV-CELL", "monocrystalline PERC solar cell M10", "pcs", "8541.42.0010"],
                  ["PV-GLASS", "tempered solar glass 3.2 mm", "pcs", "7007.19"],
                  ["PV-MODULE", "410 W monocrystalline PV module, 60 cells", "pcs", "8541.43.0010"]],
        "Lots": [["WAF-24-0901", "PV-WAFER", "CN-YC-CELL", 1450000, d("2024-03-20"), "CN", 0.12],
                 ["CELL-24-0907", "PV-CELL", "CN-YC-CELL", 1440000, d("2024-04-02"), None, 0.35],
                 ["GLS-MY-118", "PV-GLASS", "MY-KL-MOD", 24000, d("2024-04-25"), "MY", 4.0],
                 ["MOD-24-118", "PV-MODULE", "MY-KL-MOD", 24000, d("2024-05-20"), None, 95.0]],
        "Processes": [["CF-24-0907", "CN-YC-CELL", "cell_fabrication", d("2024-04-02"), d("2024-03-22"),
                       "Diffusion, PERC passivation and screen printing of wafers"],
                      ["MA-24-118", "MY-KL-MOD", "module_assembly", d("2024-05-20"), d("2024-05-02"),
                       "Stringing, laminating and framing of imported cells"]],
        "ProcessLots": [["CF-24-0907", "input", "WAF-24-0901", 1450000],
                        ["CF-24-0907", "output", "CELL-24-0907", 1440000],
                        ["MA-24-118", "input", "CELL-24-0907", 1440000],
                        ["MA-24-118", "input", "GLS-MY-118", 24000],
                        ["MA-24-118", "output", "MOD-24-118", 24000]],
        "Shipments": [
            ["SH-CN-MY-0412", "CELL-24-0907", 1440000, "CN-YC-CELL", "MY-KL-MOD", d("2024-04-12"), d("2024-04-19"),
             "sea", "COSU6412887710"],
            ["SH-MY-US-0528", "MOD-24-118", 24000, "MY-KL-MOD", "US-LAX-DC", d("2024-05-28"), d("2024-06-20"),
             "sea", "EGLV528001140"]],
        "Entries": [["231-4471877-0", "MOD-24-118", 24000, d("2024-06-24"), "8541.43.0010", "MY", IMPORTER, "2704",
                     None, 2280000]],
        "Documents": [
            ["MY-D01", "bill_of_lading", "shipment", "SH-CN-MY-0412", "COSU6412887710", "COSCO Shipping",
             d("2024-04-12"), None, None, None],
            ["MY-D02", "commercial_invoice", "shipment", "SH-CN-MY-0412", "JSP-INV-0412", "Jiangsu Sunrise PV",
             d("2024-04-10"), None, None, None],
            ["MY-D03", "production_record", "process", "MA-24-118", "KUL-PR-118", "Sunrise Solar (Malaysia)",
             d("2024-05-20"), None, None, None],
            ["MY-D04", "bill_of_lading", "shipment", "SH-MY-US-0528", "EGLV528001140", "Evergreen",
             d("2024-05-28"), None, None, None],
            ["MY-D05", "commercial_invoice", "shipment", "SH-MY-US-0528", "SSM-INV-24-118", "Sunrise Solar (Malaysia)",
             d("2024-05-27"), None, None, None],
            ["MY-D06", "commercial_invoice", "entry", "231-4471877-0", "SSM-INV-24-118", "Sunrise Solar (Malaysia)",
             d("2024-05-27"), None, None, None],
            ["MY-D07", "packing_list", "entry", "231-4471877-0", "SSM-PL-24-118", "Sunrise Solar (Malaysia)",
             d("2024-05-27"), None, None, None],
            ["MY-D08", "bill_of_lading", "entry", "231-4471877-0", "EGLV528001140", "Evergreen",
             d("2024-05-28"), None, None, None],
            ["MY-D09", "certificate_of_origin", "entry", "231-4471877-0", "MICCI-2024-0611", "MICCI",
             d("2024-05-27"), "MY", coo, None]],
    })


def plywood() -> None:
    mill_cert = scan(HERE / "docs" / "VEN-LY-5521.pdf", "Veneer Mill Certificate",
                     ["Linyi Huasheng Veneer Co., Ltd.", "Lot VEN-CN-5521: 300 m3 red oak face veneer 0.3 mm",
                      "Country of origin: China"])
    workbook(HERE / "vn_hardwood_plywood.xlsx", {
        "Companies": [["CN-HUASHENG", "Linyi Huasheng Veneer Co., Ltd.", "CN", None, "Linyi, Shandong"],
                      ["VN-HPWI", "Hai Phong Wood Industries Co., Ltd.", "VN", None, "Hai Phong"]],
        "Facilities": [
            ["CN-LY-VENEER", "Linyi veneer mill", "China", "mill", "CN-HUASHENG", "Linyi, Shandong", None, None, None],
            ["SG-PSA", "Port of Singapore, Pasir Panjang terminal", "Singapore", "port", None, None, None, None, None],
            ["VN-HP-PLY", "Hai Phong plywood press", "Vietnam", "factory", "VN-HPWI", "Nam Dinh Vu IP, Hai Phong",
             d("2018-05-01"), 30000, "m3"],
            ["US-SAV-DC", "Harbor Home Goods Savannah DC", "US", "warehouse", None, "Pooler GA", None, None, None]],
        "Items": [["RED-OAK-VENEER", "red oak face veneer 0.3 mm", "m3", "4408.90"],
                  ["EUCA-CORE", "eucalyptus core veneer", "m3", "4408.90"],
                  ["HW-PLY-18", "hardwood plywood 18 mm, red oak face", "m3", "4412.33.0620"]],
        "Lots": [["VEN-CN-5521", "RED-OAK-VENEER", "CN-LY-VENEER", 300, d("2024-01-15"), "CN", 620],
                 ["CORE-VN-88", "EUCA-CORE", "VN-HP-PLY", 260, d("2024-02-10"), "VN", 150],
                 ["PLY-VN-3307", "HW-PLY-18", "VN-HP-PLY", 520, d("2024-02-26"), None, 780]],
        "Processes": [["PRS-VN-3307", "VN-HP-PLY", "manufacturing", d("2024-02-26"), d("2024-02-19"),
                       "Glue spreading, lay-up, hot pressing and sanding of plywood panels"]],
        "ProcessLots": [["PRS-VN-3307", "input", "VEN-CN-5521", 300],
                        ["PRS-VN-3307", "input", "CORE-VN-88", 260],
                        ["PRS-VN-3307", "output", "PLY-VN-3307", 520]],
        "Shipments": [
            ["SH-CN-SG-0118", "VEN-CN-5521", 300, "CN-LY-VENEER", "SG-PSA", d("2024-01-18"), d("2024-01-26"), "sea",
             "SITC2401180057"],
            ["SH-SG-VN-0129", "VEN-CN-5521", 300, "SG-PSA", "VN-HP-PLY", d("2024-01-29"), d("2024-02-02"), "sea",
             "ONEY2401290311"],
            ["SH-VN-US-0301", "PLY-VN-3307", 520, "VN-HP-PLY", "US-SAV-DC", d("2024-03-01"), d("2024-03-29"), "sea",
             "HLCU240301882"]],
        "Entries": [["231-4472290-3", "PLY-VN-3307", 520, d("2024-04-02"), "4412.33.0620", "VN", IMPORTER, "1703",
                     None, 405600]],
        "Documents": [
            ["PW-D01", "mill_certificate", "lot", "VEN-CN-5521", "HS-MC-5521", "Linyi Huasheng Veneer", d("2024-01-15"),
             "CN", mill_cert, None],
            ["PW-D02", "certificate_of_origin", "lot", "CORE-VN-88", "VN-FOR-0088", "Hai Phong Forestry Dept",
             d("2024-02-10"), "VN", None, None],
            ["PW-D03", "bill_of_lading", "shipment", "SH-CN-SG-0118", "SITC2401180057", "SITC", d("2024-01-18"), None, None, None],
            ["PW-D04", "commercial_invoice", "shipment", "SH-CN-SG-0118", "HS-INV-5521", "Linyi Huasheng Veneer",
             d("2024-01-16"), None, None, None],
            ["PW-D05", "bill_of_lading", "shipment", "SH-SG-VN-0129", "ONEY2401290311", "Ocean Network Express",
             d("2024-01-29"), None, None, None],
            ["PW-D06", "commercial_invoice", "shipment", "SH-SG-VN-0129", "HS-INV-5521", "Linyi Huasheng Veneer",
             d("2024-01-16"), None, None, None],
            ["PW-D07", "production_record", "process", "PRS-VN-3307", "HPWI-PR-3307", "Hai Phong Wood Industries",
             d("2024-02-26"), None, None, None],
            ["PW-D08", "bill_of_lading", "shipment", "SH-VN-US-0301", "HLCU240301882", "Hapag-Lloyd", d("2024-03-01"),
             None, None, None],
            ["PW-D09", "commercial_invoice", "shipment", "SH-VN-US-0301", "HPWI-INV-3307", "Hai Phong Wood Industries",
             d("2024-02-28"), None, None, None],
            ["PW-D10", "commercial_invoice", "entry", "231-4472290-3", "HPWI-INV-3307", "Hai Phong Wood Industries",
             d("2024-02-28"), None, None, None],
            ["PW-D11", "packing_list", "entry", "231-4472290-3", "HPWI-PL-3307", "Hai Phong Wood Industries",
             d("2024-02-28"), None, None, None],
            ["PW-D12", "bill_of_lading", "entry", "231-4472290-3", "HLCU240301882", "Hapag-Lloyd", d("2024-03-01"),
             None, None, None]],
    })


def steel() -> None:
    """Siam Steel Tube: tube welded in Thailand from Chinese and Japanese hot-rolled coil."""
    cn_cert = scan(HERE / "docs" / "MTC-HNS-2026-0311.pdf", "Mill Test Certificate (EN 10204 3.1)",
                   ["Hebei Northern Steel Co., Ltd.", "Heat 6B04217, hot-rolled coil SS400, 2.5 x 1219 mm",
                    "410,000 kg in 18 coils", "Melted and poured: China (Tangshan, Hebei)"])
    jp_cert = scan(HERE / "docs" / "MTC-SSC-2026-0318.pdf", "Mill Test Certificate",
                   ["Setouchi Steel Corporation, Fukuyama Works", "Heat F61822, hot-rolled coil SPHC",
                    "300,000 kg in 13 coils", "Melted and poured: Japan"])
    workbook(HERE / "th_steel_tube.xlsx", {
        "Companies": [["CN-HNS", "Hebei Northern Steel Co., Ltd.", "CN", None, "Tangshan, Hebei"],
                      ["JP-SSC", "Setouchi Steel Corporation", "JP", None, "Fukuyama, Hiroshima"],
                      ["TH-SST", "Siam Steel Tube Co., Ltd.", "TH", None, "Rayong"]],
        "Facilities": [
            ["CN-TS-HSM", "Tangshan hot strip mill", "CN", "mill", "CN-HNS", "Tangshan, Hebei", d("1996-06-01"),
             9000000000, "kg"],
            ["JP-FK-HSM", "Fukuyama hot strip mill", "JP", "mill", "JP-SSC", "Fukuyama, Hiroshima", d("1968-04-01"),
             11000000000, "kg"],
            ["TH-RY-TUBE", "Rayong ERW tube mill", "TH", "factory", "TH-SST", "Eastern Seaboard IE, Rayong",
             d("2004-09-01"), 240000000, "kg"],
            ["US-HOU-DC", "Harbor Home Goods Houston DC", "US", "warehouse", None, "Houston TX", None, None, None]],
        "Items": [["HRC-SS400", "hot-rolled steel coil, 2.5 mm", "kg", "7208.38.0015"],
                  ["ERW-TUBE-50", "welded steel tube, 50 x 50 mm, for fence posts", "kg", "7306.61.5000"]],
        "Lots": [["HRC-6B04217", "HRC-SS400", "CN-TS-HSM", 410000, d("2026-03-11"), "CN", 0.55, "CN"],
                 ["HRC-F61822", "HRC-SS400", "JP-FK-HSM", 300000, d("2026-03-18"), "JP", 0.71, "JP"],
                 ["TUBE-2604-A", "ERW-TUBE-50", "TH-RY-TUBE", 395000, d("2026-04-09"), None, 0.98],
                 ["TUBE-2604-B", "ERW-TUBE-50", "TH-RY-TUBE", 290000, d("2026-04-16"), None, 1.08]],
        "Processes": [["ERW-2604-A", "TH-RY-TUBE", "manufacturing", d("2026-04-09"), d("2026-04-06"),
                       "Coil slit, roll formed and high-frequency welded into square tube, cut to 6 m"],
                      ["ERW-2604-B", "TH-RY-TUBE", "manufacturing", d("2026-04-16"), d("2026-04-13"),
                       "Coil slit, roll formed and high-frequency welded into square tube, cut to 6 m"]],
        "ProcessLots": [["ERW-2604-A", "input", "HRC-6B04217", 410000],
                        ["ERW-2604-A", "output", "TUBE-2604-A", 395000],
                        ["ERW-2604-B", "input", "HRC-F61822", 300000],
                        ["ERW-2604-B", "output", "TUBE-2604-B", 290000]],
        "Shipments": [
            ["SH-CN-TH-0313", "HRC-6B04217", 410000, "CN-TS-HSM", "TH-RY-TUBE", d("2026-03-13"), d("2026-03-24"),
             "sea", "COSU6412008831"],
            ["SH-JP-TH-0320", "HRC-F61822", 300000, "JP-FK-HSM", "TH-RY-TUBE", d("2026-03-20"), d("2026-03-30"),
             "sea", "NYKS3320117"],
            ["SH-TH-US-0414", "TUBE-2604-A", 395000, "TH-RY-TUBE", "US-HOU-DC", d("2026-04-14"), d("2026-05-12"),
             "sea", "HLCUBKK2604140"],
            ["SH-TH-US-0421", "TUBE-2604-B", 290000, "TH-RY-TUBE", "US-HOU-DC", d("2026-04-21"), d("2026-05-19"),
             "sea", "HLCUBKK2604211"]],
        "Entries": [
            ["231-5520114-8", "TUBE-2604-A", 395000, d("2026-05-14"), "7306.61.5000", "TH", IMPORTER, "5301", None,
             387100, "TH"],
            ["231-5520387-1", "TUBE-2604-B", 290000, d("2026-05-21"), "7306.61.5000", "TH", IMPORTER, "5301", None,
             313200, "JP"]],
        "Documents": [
            ["TH-D01", "mill_certificate", "lot", "HRC-6B04217", "MTC-6B04217", "Hebei Northern Steel",
             d("2026-03-11"), "CN", cn_cert, None],
            ["TH-D02", "mill_certificate", "lot", "HRC-F61822", "MTC-F61822", "Setouchi Steel", d("2026-03-18"), "JP",
             jp_cert, None],
        ] + [[f"TH-D{n:02d}", dtype, ctype, cid, ref, issuer, d(day), None, None, None]
             for n, (dtype, ctype, cid, ref, issuer, day) in enumerate([
                 ("bill_of_lading", "shipment", "SH-CN-TH-0313", "COSU6412008831", "COSCO", "2026-03-13"),
                 ("commercial_invoice", "shipment", "SH-CN-TH-0313", "TS-EXP-26-0311", "Hebei Northern Steel",
                  "2026-03-12"),
                 ("bill_of_lading", "shipment", "SH-JP-TH-0320", "NYKS3320117", "NYK Line", "2026-03-20"),
                 ("commercial_invoice", "shipment", "SH-JP-TH-0320", "SSC-26-03-1182", "Setouchi Steel", "2026-03-19"),
                 ("production_record", "process", "ERW-2604-A", "PR-ERW-2604-A", "Siam Steel Tube", "2026-04-09"),
                 ("production_record", "process", "ERW-2604-B", "PR-ERW-2604-B", "Siam Steel Tube", "2026-04-16"),
                 ("bill_of_lading", "shipment", "SH-TH-US-0414", "HLCUBKK2604140", "Hapag-Lloyd", "2026-04-14"),
                 ("commercial_invoice", "shipment", "SH-TH-US-0414", "SST-INV-2604-A", "Siam Steel Tube",
                  "2026-04-13"),
                 ("bill_of_lading", "shipment", "SH-TH-US-0421", "HLCUBKK2604211", "Hapag-Lloyd", "2026-04-21"),
                 ("commercial_invoice", "shipment", "SH-TH-US-0421", "SST-INV-2604-B", "Siam Steel Tube",
                  "2026-04-20"),
                 ("commercial_invoice", "entry", "231-5520114-8", "SST-INV-2604-A", "Siam Steel Tube", "2026-04-13"),
                 ("packing_list", "entry", "231-5520114-8", "SST-PL-2604-A", "Siam Steel Tube", "2026-04-13"),
                 ("bill_of_lading", "entry", "231-5520114-8", "HLCUBKK2604140", "Hapag-Lloyd", "2026-04-14"),
                 ("commercial_invoice", "entry", "231-5520387-1", "SST-INV-2604-B", "Siam Steel Tube", "2026-04-20"),
                 ("packing_list", "entry", "231-5520387-1", "SST-PL-2604-B", "Siam Steel Tube", "2026-04-20"),
                 ("bill_of_lading", "entry", "231-5520387-1", "HLCUBKK2604211", "Hapag-Lloyd", "2026-04-21"),
             ], start=3)],
    })


def motors_linens() -> None:
    usmca = scan(HERE / "docs" / "USMCA-MB-2024.pdf", "USMCA Certification of Origin",
                 ["1. Certifier: producer - Grupo Bajio Industrial SA de CV", "2. Certifier's name: Ana Ruiz",
                  "3. Exporter: Grupo Bajio Industrial SA de CV", "4. Producer: Grupo Bajio Industrial SA de CV",
                  "5. Importer: Harbor Home Goods LLC", "6. Goods: AC motors 3-phase, HS 8501.52",
                  "7. Origin criterion: B", "8. Blanket period: 2024-01-01 to 2024-12-31",
                  "9. Signed and dated 2023-12-15"])
    ccpit = scan(HERE / "docs" / "CCPIT-NB-2024-0117.pdf", "Certificate of Origin",
                 ["China Council for the Promotion of International Trade, Ningbo",
                  "Exporter: Ningbo Motor Parts Co Ltd", "Goods: stators, rotors, housings, HS 8503.00",
                  "Country of origin: China"])
    weave = "Cotton sheeting 250 thread count woven on air-jet looms, desized and bleached"
    workbook(HERE / "mx_motors_linens.xlsx", {
        "Companies": [["MX-GBI", "Grupo Bajio Industrial SA de CV", "Mexico", None, "Queretaro, Qro."],
                      ["CN-NBMP", "Ningbo Motor Parts Co Ltd", "China", None, "Ningbo, Zhejiang"],
                      ["PK-FWM", "Faisalabad Weaving Mills Ltd", "Pakistan", None, "Faisalabad, Punjab"]],
        "Facilities": [
            ["CN-NB-PARTS", "Ningbo stamping and winding plant", "CN", "factory", "CN-NBMP", "Beilun, Ningbo",
             d("2006-04-01"), 900000, "pcs"],
            ["MX-QRO-MOTOR", "Queretaro motor assembly plant", "MX", "factory", "MX-GBI", "Parque Industrial Queretaro",
             d("2012-09-01"), 250000, "pcs"],
            ["PK-FSD-WEAVE", "Faisalabad weaving mill", "PK", "mill", "PK-FWM", "Sargodha Road, Faisalabad",
             d("1998-01-01"), 30000000, "m2"],
            ["MX-LEON-SEW", "Leon sewing plant", "MX", "factory", "MX-GBI", "Leon, Gto.", d("2015-02-01"),
             1200000, "pcs"],
            ["US-LAX-DC", "Harbor Home Goods Los Angeles DC", "United States", "warehouse", None, "Carson CA",
             None, None, None]],
        "Items": [["STATOR-90", "motor stator, wound, 90 frame", "pcs", "8503.00.9545"],
                  ["ROTOR-90", "motor rotor, die-cast, 90 frame", "pcs", "8503.00.9545"],
                  ["HOUSING-90", "motor housing, cast aluminium, 90 frame", "pcs", "8503.00.9545"],
                  ["MOTOR-2HP", "AC motor, 3-phase, 1.5 kW", "pcs", "8501.52.8040"],
                  ["COTTON-YARN", "cotton yarn, combed, 40s", "kg", "5205.24"],
                  ["SHEETING", "cotton sheeting, bleached, 280 cm", "m2", "5208.21"],
                  ["SHEET-Q", "bed sheet, cotton, queen", "pcs", "6302.31.9010"]],
        "Lots": [["ST-24-0301", "STATOR-90", "CN-NB-PARTS", 4000, d("2024-03-01"), "CN", 38],
                 ["RO-24-0301", "ROTOR-90", "CN-NB-PARTS", 4000, d("2024-03-01"), "CN", 26],
                 ["HO-24-0301", "HOUSING-90", "CN-NB-PARTS", 4000, d("2024-03-01"), "CN", 14],
                 ["MOT-24-0415", "MOTOR-2HP", "MX-QRO-MOTOR", 4000, d("2024-04-15"), None, 115],
                 ["YRN-24-0110", "COTTON-YARN", "PK-FSD-WEAVE", 60000, d("2024-01-10"), "PK", 3.1],
                 ["SHT-24-0205", "SHEETING", "PK-FSD-WEAVE", 400000, d("2024-02-05"), None, 0.9],
                 ["BED-24-0320", "SHEET-Q", "MX-LEON-SEW", 80000, d("2024-03-20"), None, 11]],
        "Processes": [["ASSY-24-0415", "MX-QRO-MOTOR", "simple_assembly", d("2024-04-15"), d("2024-04-08"),
                       "Rotor inserted in stator, housing and end bells bolted, test run"],
                      ["WEAVE-24-0205", "PK-FSD-WEAVE", "weaving_knitting", d("2024-02-05"), d("2024-01-15"), weave],
                      ["SEW-24-0320", "MX-LEON-SEW", "garment_assembly", d("2024-03-20"), d("2024-03-04"),
                       "Sheeting cut to size, hemmed and folded"]],
        "ProcessLots": [["ASSY-24-0415", "input", "ST-24-0301", 4000], ["ASSY-24-0415", "input", "RO-24-0301", 4000],
                        ["ASSY-24-0415", "input", "HO-24-0301", 4000], ["ASSY-24-0415", "output", "MOT-24-0415", 4000],
                        ["WEAVE-24-0205", "input", "YRN-24-0110", 60000],
                        ["WEAVE-24-0205", "output", "SHT-24-0205", 400000],
                        ["SEW-24-0320", "input", "SHT-24-0205", 400000], ["SEW-24-0320", "output", "BED-24-0320", 80000]],
        "Shipments": [
            ["SH-NB-QRO-0305", "ST-24-0301", 4000, "CN-NB-PARTS", "MX-QRO-MOTOR", d("2024-03-05"), d("2024-04-02"),
             "sea", "COSU6240305118"],
            ["SH-NB-QRO-0305", "RO-24-0301", 4000, "CN-NB-PARTS", "MX-QRO-MOTOR", d("2024-03-05"), d("2024-04-02"),
             "sea", "COSU6240305118"],
            ["SH-NB-QRO-0305", "HO-24-0301", 4000, "CN-NB-PARTS", "MX-QRO-MOTOR", d("2024-03-05"), d("2024-04-02"),
             "sea", "COSU6240305118"],
            ["SH-QRO-US-0417", "MOT-24-0415", 4000, "MX-QRO-MOTOR", "US-LAX-DC", d("2024-04-17"), d("2024-04-20"),
             "road", "GBI-CP-240417"],
            ["SH-FSD-LEON-0207", "SHT-24-0205", 400000, "PK-FSD-WEAVE", "MX-LEON-SEW", d("2024-02-07"),
             d("2024-03-01"), "sea", "MSCU240207551"],
            ["SH-LEON-US-0322", "BED-24-0320", 80000, "MX-LEON-SEW", "US-LAX-DC", d("2024-03-22"), d("2024-03-25"),
             "road", "GBI-CP-240322"]],
        "Entries": [["231-4480115-7", "MOT-24-0415", 4000, d("2024-04-20"), "8501.52.8040", "MX", IMPORTER, "2704",
                     "USMCA", 460000],
                    ["231-4480342-0", "BED-24-0320", 80000, d("2024-03-25"), "6302.31.9010", "PK", IMPORTER, "2704",
                     None, 880000]],
        "Documents": [
            ["MB-D01", "certificate_of_origin", "lot", "ST-24-0301", "CCPIT-NB-2024-0117", "CCPIT Ningbo",
             d("2024-03-02"), "CN", ccpit, None, "non_preferential", "chamber"],
            ["MB-D02", "certificate_of_origin", "lot", "RO-24-0301", "CCPIT-NB-2024-0117", "CCPIT Ningbo",
             d("2024-03-02"), "CN", None, None, "non_preferential", "chamber"],
            ["MB-D03", "certificate_of_origin", "lot", "HO-24-0301", "CCPIT-NB-2024-0117", "CCPIT Ningbo",
             d("2024-03-02"), "CN", None, None, "non_preferential", "chamber"],
            ["MB-D04", "bill_of_lading", "shipment", "SH-NB-QRO-0305", "COSU6240305118", "COSCO", d("2024-03-05"),
             None, None, None],
            ["MB-D05", "commercial_invoice", "shipment", "SH-NB-QRO-0305", "NBMP-INV-0117", "Ningbo Motor Parts Co Ltd",
             d("2024-03-04"), None, None, None],
            ["MB-D06", "production_record", "process", "ASSY-24-0415", "GBI-PR-0415", "Grupo Bajio Industrial",
             d("2024-04-15"), None, None, None],
            ["MB-D07", "bill_of_lading", "shipment", "SH-QRO-US-0417", "GBI-CP-240417", "Transportes Bajio",
             d("2024-04-17"), None, None, None],
            ["MB-D08", "commercial_invoice", "shipment", "SH-QRO-US-0417", "GBI-INV-24-115", "Grupo Bajio Industrial",
             d("2024-04-16"), None, None, None],
            ["MB-D09", "commercial_invoice", "entry", "231-4480115-7", "GBI-INV-24-115", "Grupo Bajio Industrial",
             d("2024-04-16"), None, None, None],
            ["MB-D10", "packing_list", "entry", "231-4480115-7", "GBI-PL-24-115", "Grupo Bajio Industrial",
             d("2024-04-16"), None, None, None],
            ["MB-D11", "bill_of_lading", "entry", "231-4480115-7", "GBI-CP-240417", "Transportes Bajio",
             d("2024-04-17"), None, None, None],
            ["MB-D12", "certificate_of_origin", "entry", "231-4480115-7", "GBI-USMCA-2024", "Ana Ruiz, Grupo Bajio",
             d("2023-12-15"), "MX", usmca, None, "USMCA", "producer", "Grupo Bajio Industrial SA de CV",
             "Grupo Bajio Industrial SA de CV", IMPORTER, "8501.52", "B", d("2024-01-01"), d("2024-12-31"), "yes"],
            ["MB-D13", "certificate_of_origin", "lot", "YRN-24-0110", "FCCI-2024-0110", "Faisalabad Chamber of Commerce",
             d("2024-01-11"), "PK", None, None, "non_preferential", "chamber"],
            ["MB-D14", "production_record", "process", "WEAVE-24-0205", "FWM-LOOM-0205", "Faisalabad Weaving Mills",
             d("2024-02-05"), None, None, None],
            ["MB-D15", "bill_of_lading", "shipment", "SH-FSD-LEON-0207", "MSCU240207551", "MSC", d("2024-02-07"),
             None, None, None],
            ["MB-D16", "commercial_invoice", "shipment", "SH-FSD-LEON-0207", "FWM-INV-2207", "Faisalabad Weaving Mills",
             d("2024-02-06"), None, None, None],
            ["MB-D17", "production_record", "process", "SEW-24-0320", "GBI-PR-0320", "Grupo Bajio Industrial",
             d("2024-03-20"), None, None, None],
            ["MB-D18", "bill_of_lading", "shipment", "SH-LEON-US-0322", "GBI-CP-240322", "Transportes Bajio",
             d("2024-03-22"), None, None, None],
            ["MB-D19", "commercial_invoice", "shipment", "SH-LEON-US-0322", "GBI-INV-24-342", "Grupo Bajio Industrial",
             d("2024-03-21"), None, None, None],
            ["MB-D20", "commercial_invoice", "entry", "231-4480342-0", "GBI-INV-24-342", "Grupo Bajio Industrial",
             d("2024-03-21"), None, None, None],
            ["MB-D21", "packing_list", "entry", "231-4480342-0", "GBI-PL-24-342", "Grupo Bajio Industrial",
             d("2024-03-21"), None, None, None],
            ["MB-D22", "bill_of_lading", "entry", "231-4480342-0", "GBI-CP-240322", "Transportes Bajio",
             d("2024-03-22"), None, None, None]],
    })


if __name__ == "__main__":
    aluminium()
    solar()
    plywood()
    steel()
    motors_linens()
    print(f"wrote the sample workbooks in {HERE}")
