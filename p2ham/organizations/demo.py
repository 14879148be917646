"""The demo national organisation, generated deterministically as import rows (no database writes).

The seed command feeds these rows through the same importer an administrator uses, so the demo data
exercises exactly the validated path real data takes. Everything is derived from fixed tables and
``random.Random`` instances seeded per item, so re-running gives identical output and adding a town
changes only that town's units.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass

from p2ham.core.tabular import TableRow
from p2ham.organizations.reference import province_rows

SEED = 2026
UPT_TYPES = ("lapas", "rutan", "lpka", "bapas", "rupbasan", "kanim", "rudenim", "bhp")

# code, name, kind, province code (None: national)
DEMO_INSTITUTIONS: list[tuple[str, str, str, str | None]] = [
    ("KEMENHAM", "Kementerian Hak Asasi Manusia", "kl", None),
    ("KEMENIMIPAS", "Kementerian Imigrasi dan Pemasyarakatan", "kl", None),
    ("KEMENKUM", "Kementerian Hukum", "kl", None),
    ("PEMPROV-JATENG", "Pemerintah Provinsi Jawa Tengah", "pemda", "33"),
    ("PEMKOT-MAKASSAR", "Pemerintah Kota Makassar", "pemda", "73"),
    ("PEMKAB-JAYAPURA", "Pemerintah Kabupaten Jayapura", "pemda", "91"),
    ("PEMKOT-SURABAYA", "Pemerintah Kota Surabaya", "pemda", "35"),
]

ROOT_CODE = "KEMENHAM"
ESELON1: list[tuple[str, str]] = [
    ("DITJEN-HAM", "Direktorat Jenderal Hak Asasi Manusia"),
    ("SETJEN-HAM", "Sekretariat Jenderal"),
    ("ITJEN-HAM", "Inspektorat Jenderal"),
    ("DITJEN-IPHAM", "Direktorat Jenderal Instrumen dan Penguatan Hak Asasi Manusia"),
]
HQ_ADDRESS = "Jl. H.R. Rasuna Said Kav. 4-5, Kuningan, Jakarta Selatan"

# Provinces without a Kanwil of their own are served by a neighbour's (their UPTs keep their province).
KANWIL_HOST = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}

# province: (size, capital town, larger towns, regency seats). Size L/M/S sets the classes of the
# capital's UPTs and which specialised UPTs (LPKA, Lapas Perempuan/Narkotika, Rupbasan) it has.
TOWNS: dict[str, tuple[str, str, str, str]] = {
    "11": ("M", "Banda Aceh", "Lhokseumawe, Langsa, Meulaboh, Takengon, Sabang",
           "Sigli, Bireuen, Lhoksukon, Kutacane, Blangkejeren, Tapaktuan, Calang, Jantho, Singkil, Idi, "
           "Kuala Simpang, Sinabang, Blangpidie, Subulussalam, Meureudu, Suka Makmue, Simpang Tiga Redelong"),
    "12": ("L", "Medan", "Pematang Siantar, Binjai, Tebing Tinggi, Sibolga, Padang Sidempuan, Tanjung Balai, "
           "Kisaran, Rantau Prapat, Lubuk Pakam, Belawan",
           "Kabanjahe, Tarutung, Balige, Sidikalang, Gunungsitoli, Panyabungan, Stabat, Pangkalan Brandan, "
           "Labuhan Ruku, Pangururan, Dolok Sanggul, Salak, Sei Rampah, Kotapinang, Aek Kanopan, Sibuhuan, "
           "Gunung Tua, Teluk Dalam"),
    "13": ("M", "Padang", "Bukittinggi, Payakumbuh, Solok, Pariaman, Sawahlunto, Padang Panjang",
           "Batusangkar, Lubuk Sikaping, Painan, Muaro Sijunjung, Lubuk Basung, Pulau Punjung, Simpang Empat, "
           "Tuapejat, Arosuka, Padang Aro, Tanjung Pati, Parit Malintang"),
    "14": ("M", "Pekanbaru", "Dumai, Bengkalis, Bangkinang, Tembilahan, Rengat",
           "Pasir Pengaraian, Selatpanjang, Siak Sri Indrapura, Pangkalan Kerinci, Bagan Siapiapi, Teluk Kuantan"),
    "15": ("M", "Jambi", "Sungai Penuh, Muara Bungo, Kuala Tungkal",
           "Muara Bulian, Muara Tebo, Bangko, Sarolangun, Sengeti, Muara Sabak, Siulak"),
    "16": ("L", "Palembang", "Lubuklinggau, Prabumulih, Pagar Alam, Lahat, Baturaja, Muara Enim",
           "Kayu Agung, Sekayu, Martapura, Muaradua, Indralaya, Pangkalan Balai, Tebing Tinggi, Muara Beliti, "
           "Talang Ubi, Muara Rupit"),
    "17": ("M", "Bengkulu", "Curup, Manna",
           "Arga Makmur, Mukomuko, Tais, Bintuhan, Kepahiang, Tubei, Karang Tinggi"),
    "18": ("L", "Bandar Lampung", "Metro, Kalianda, Kotabumi, Kota Agung",
           "Gunung Sugih, Menggala, Liwa, Sukadana, Gedong Tataan, Pringsewu, Blambangan Umpu, Krui, Panaragan"),
    "19": ("M", "Pangkalpinang", "Tanjung Pandan, Sungailiat", "Muntok, Koba, Toboali, Manggar"),
    "21": ("M", "Tanjung Pinang", "Batam, Tanjung Balai Karimun, Tanjung Uban",
           "Ranai, Dabo Singkep, Tarempa, Daik"),
    "31": ("L", "Jakarta", "Jakarta Pusat, Jakarta Utara, Jakarta Barat, Jakarta Selatan, Jakarta Timur",
           "Cipinang, Salemba, Pondok Bambu"),
    "32": ("L", "Bandung", "Bogor, Bekasi, Depok, Cirebon, Sukabumi, Tasikmalaya, Karawang, Garut, Cianjur, "
           "Purwakarta, Banjar, Cimahi",
           "Subang, Indramayu, Majalengka, Kuningan, Sumedang, Ciamis, Cibinong, Soreang, Cikarang, "
           "Pelabuhan Ratu, Gunung Sindur, Pangandaran, Sukamiskin, Banceuy"),
    "33": ("L", "Semarang", "Surakarta, Pekalongan, Tegal, Magelang, Salatiga, Cilacap, Purwokerto, Kudus, Pati, "
           "Klaten, Kendal",
           "Brebes, Pemalang, Batang, Slawi, Purbalingga, Banjarnegara, Kebumen, Purworejo, Wonosobo, "
           "Temanggung, Boyolali, Sragen, Wonogiri, Sukoharjo, Karanganyar, Rembang, Blora, Purwodadi, Demak, "
           "Jepara, Ungaran, Ambarawa, Kutoarjo, Batu Nusakambangan, Pasir Putih Nusakambangan, "
           "Besi Nusakambangan"),
    "34": ("M", "Yogyakarta", "", "Sleman, Bantul, Wonosari, Wates"),
    "35": ("L", "Surabaya", "Malang, Madiun, Kediri, Blitar, Jember, Banyuwangi, Mojokerto, Pasuruan, "
           "Probolinggo, Sidoarjo, Tulungagung, Pamekasan, Bojonegoro, Tuban",
           "Gresik, Lamongan, Jombang, Nganjuk, Ngawi, Magetan, Ponorogo, Pacitan, Trenggalek, Lumajang, "
           "Situbondo, Bondowoso, Bangkalan, Sampang, Sumenep, Kepanjen, Kraksaan, Bangil, Porong, Batu"),
    "36": ("M", "Serang", "Tangerang, Cilegon, Pandeglang, Rangkasbitung", "Ciputat, Tigaraksa, Soekarno-Hatta"),
    "51": ("M", "Denpasar", "Singaraja", "Kerobokan, Tabanan, Gianyar, Bangli, Semarapura, Karangasem, Negara, "
           "Ngurah Rai"),
    "52": ("M", "Mataram", "Bima, Sumbawa Besar, Selong", "Praya, Dompu, Taliwang, Tanjung, Gerung, Woha"),
    "53": ("M", "Kupang", "Atambua, Maumere, Ende, Waingapu, Labuan Bajo, Kefamenanu, Soe",
           "Kalabahi, Larantuka, Bajawa, Ruteng, Waikabubak, Lewoleba, Ba'a, Betun, Mbay, Borong, Tambolaka, "
           "Oelamasi, Waibakul, Seba"),
    "61": ("M", "Pontianak", "Singkawang, Ketapang, Sintang, Sanggau, Mempawah",
           "Sambas, Putussibau, Bengkayang, Ngabang, Sekadau, Nanga Pinoh, Sukadana, Sungai Raya, Entikong"),
    "62": ("M", "Palangka Raya", "Sampit, Pangkalan Bun, Kuala Kapuas, Muara Teweh",
           "Buntok, Tamiang Layang, Kuala Kurun, Kasongan, Pulang Pisau, Nanga Bulik, Sukamara, "
           "Kuala Pembuang, Puruk Cahu"),
    "63": ("M", "Banjarmasin", "Banjarbaru, Martapura, Kotabaru, Barabai, Kandangan",
           "Amuntai, Tanjung, Pelaihari, Marabahan, Rantau, Paringin, Batulicin, Karang Intan"),
    "64": ("M", "Samarinda", "Balikpapan, Bontang, Tenggarong, Tanah Grogot",
           "Sangatta, Tanjung Redeb, Penajam, Sendawar, Ujoh Bilang"),
    "65": ("S", "Tanjung Selor", "Tarakan, Nunukan", "Malinau, Tideng Pale"),
    "71": ("M", "Manado", "Bitung, Tomohon, Kotamobagu, Tahuna",
           "Tondano, Amurang, Airmadidi, Ratahan, Melonguane, Boroko, Tutuyan, Lolak, Molibagu, Ondong Siau"),
    "72": ("M", "Palu", "Luwuk, Poso, Tolitoli, Parigi",
           "Donggala, Buol, Ampana, Bungku, Kolonodale, Banggai, Salakan, Sigi Biromaru"),
    "73": ("L", "Makassar", "Parepare, Palopo, Watampone, Bulukumba, Maros, Sungguminasa, Sengkang, Pinrang, "
           "Takalar",
           "Sinjai, Jeneponto, Bantaeng, Selayar, Pangkajene, Barru, Watansoppeng, Sidrap, Enrekang, Makale, "
           "Masamba, Malili, Belopa, Rantepao"),
    "74": ("M", "Kendari", "Baubau, Kolaka, Raha, Unaaha",
           "Andoolo, Lasusua, Rumbia, Wangi-Wangi, Pasarwajo, Buranga, Labungkari, Tirawuta"),
    "75": ("M", "Gorontalo", "", "Limboto, Marisa, Tilamuta, Kwandang, Suwawa"),
    "76": ("S", "Mamuju", "Polewali", "Majene, Mamasa, Pasangkayu, Tobadak"),
    "81": ("M", "Ambon", "Tual", "Masohi, Saumlaki, Namlea, Piru, Dobo, Langgur, Bula, Tiakur, Namrole"),
    "82": ("M", "Ternate", "Tidore, Tobelo", "Sofifi, Labuha, Sanana, Jailolo, Weda, Maba, Daruba"),
    "91": ("M", "Jayapura", "Biak", "Abepura, Sentani, Serui, Sarmi, Arso, Botawa, Sorendiweri"),
    "92": ("S", "Manokwari", "Fakfak, Kaimana", "Bintuni, Wasior, Ransiki, Anggi"),
    "93": ("S", "Merauke", "", "Tanah Merah, Kepi, Agats"),
    "94": ("S", "Nabire", "Timika", "Enarotali, Mulia, Ilaga"),
    "95": ("S", "Wamena", "", "Oksibil, Tiom, Karubaga"),
    "96": ("S", "Sorong", "", "Teminabuan, Aimas, Waisai"),
}

# Towns with an immigration checkpoint (TPI): their Kantor Imigrasi is a "TPI" office.
TPI_TOWNS = frozenset({
    "Sabang", "Lhokseumawe", "Langsa", "Belawan", "Sibolga", "Tanjung Balai", "Dumai", "Bengkalis", "Batam",
    "Tanjung Balai Karimun", "Tanjung Uban", "Ranai", "Tarempa", "Tanjung Pandan", "Cilacap", "Cirebon",
    "Banyuwangi", "Singaraja", "Ngurah Rai", "Soekarno-Hatta", "Atambua", "Maumere", "Labuan Bajo", "Bitung",
    "Tahuna", "Tarakan", "Nunukan", "Balikpapan", "Sampit", "Kotabaru", "Ketapang", "Entikong", "Tual",
    "Merauke", "Biak", "Sorong", "Timika", "Manokwari", "Parepare", "Baubau", "Fakfak", "Pangkalan Bun",
    "Bima", "Kalabahi", "Pontianak", "Sanggau",
})
RUDENIM_TOWNS = {
    "31": "Jakarta", "12": "Medan", "14": "Pekanbaru", "21": "Tanjung Pinang", "61": "Pontianak",
    "64": "Balikpapan", "71": "Manado", "73": "Makassar", "53": "Kupang", "51": "Denpasar", "35": "Surabaya",
    "33": "Semarang", "91": "Jayapura",
}
BHP_PROVINCES = frozenset({"31", "33", "35", "12", "73"})  # the five real Balai Harta Peninggalan

# Real-world exceptions to the generation rules, per province, keyed "<kind> <town>": a class string
# forces that UPT (with that class); None removes it. Kinds: lapas, perempuan, narkotika, rutan, lpka,
# bapas, rupbasan, kanim.
OVERRIDES: dict[str, dict[str, str | None]] = {
    "11": {"perempuan Banda Aceh": None, "perempuan Sigli": "Kelas III", "narkotika Banda Aceh": None,
           "narkotika Langsa": "Kelas IIA", "rutan Sigli": "Kelas IIB"},
    "12": {"narkotika Medan": None, "narkotika Pematang Siantar": "Kelas IIA",
           "kanim Pematang Siantar": "Kelas II Non TPI", "lapas Belawan": None,
           "rutan Belawan": None, "kanim Belawan": "Kelas I TPI", "lapas Labuhan Ruku": "Kelas IIA"},
    "13": {"lpka Padang": None, "lpka Tanjung Pati": "Kelas II"},
    "14": {"perempuan Pekanbaru": "Kelas IIA"},
    "15": {"narkotika Jambi": None, "narkotika Muara Sabak": "Kelas IIA"},
    "18": {"lpka Bandar Lampung": "Kelas II"},
    "21": {"lpka Tanjung Pinang": None, "lpka Batam": "Kelas II", "kanim Batam": "Kelas I Khusus TPI",
           "narkotika Tanjung Pinang": "Kelas IIA"},
    "31": {"lapas Jakarta": None, "rutan Jakarta": None, "bapas Jakarta": None, "rupbasan Jakarta": None,
           "kanim Jakarta": None, "lpka Jakarta": "Kelas II",
           "lapas Jakarta Pusat": None, "lapas Jakarta Utara": None, "lapas Jakarta Barat": None,
           "lapas Jakarta Selatan": None, "lapas Jakarta Timur": None,
           "rutan Jakarta Pusat": "Kelas I", "rutan Jakarta Utara": None, "rutan Jakarta Barat": None,
           "rutan Jakarta Selatan": None, "rutan Jakarta Timur": None,
           "bapas Jakarta Pusat": "Kelas I", "bapas Jakarta Barat": "Kelas I", "bapas Jakarta Selatan": "Kelas I",
           "bapas Jakarta Timur": "Kelas I", "bapas Jakarta Utara": None,
           "rupbasan Jakarta Pusat": "Kelas I", "rupbasan Jakarta Utara": "Kelas I",
           "rupbasan Jakarta Barat": "Kelas I", "rupbasan Jakarta Selatan": "Kelas I",
           "rupbasan Jakarta Timur": "Kelas I",
           "kanim Jakarta Pusat": "Kelas I TPI", "kanim Jakarta Utara": "Kelas I TPI",
           "kanim Jakarta Barat": "Kelas I TPI", "kanim Jakarta Selatan": "Kelas I Khusus TPI",
           "kanim Jakarta Timur": "Kelas I Non TPI",
           "lapas Cipinang": "Kelas I", "rutan Cipinang": "Kelas I", "kanim Cipinang": None,
           "lapas Salemba": "Kelas IIA", "rutan Salemba": None, "kanim Salemba": None,
           "lapas Pondok Bambu": None, "rutan Pondok Bambu": "Kelas IIA", "kanim Pondok Bambu": None},
    "32": {"lapas Bandung": None, "lpka Bandung": "Kelas II", "lapas Sukamiskin": "Kelas I",
           "rutan Sukamiskin": None, "kanim Sukamiskin": None, "lapas Banceuy": "Kelas IIA", "rutan Banceuy": None,
           "kanim Banceuy": None, "lapas Gunung Sindur": "Kelas IIA", "rutan Gunung Sindur": None,
           "lapas Cibinong": "Kelas IIA", "lapas Cirebon": "Kelas I"},
    "33": {"lpka Semarang": None, "lpka Kutoarjo": "Kelas I", "lapas Kutoarjo": None, "rutan Kutoarjo": None,
           "lapas Batu Nusakambangan": "Kelas I", "rutan Batu Nusakambangan": None,
           "kanim Batu Nusakambangan": None, "lapas Pasir Putih Nusakambangan": "Kelas IIA",
           "rutan Pasir Putih Nusakambangan": None, "kanim Pasir Putih Nusakambangan": None,
           "lapas Besi Nusakambangan": "Kelas IIA", "rutan Besi Nusakambangan": None,
           "kanim Besi Nusakambangan": None},
    "34": {"narkotika Yogyakarta": "Kelas IIA", "perempuan Yogyakarta": "Kelas IIB", "bapas Yogyakarta": "Kelas I",
           "lapas Sleman": "Kelas IIB", "rutan Sleman": None, "rutan Bantul": "Kelas IIB", "lapas Bantul": None,
           "rutan Wonosari": "Kelas IIB", "lapas Wonosari": None, "rutan Wates": "Kelas IIB", "lapas Wates": None},
    "35": {"lpka Surabaya": None, "lpka Blitar": "Kelas I", "lapas Malang": "Kelas I", "lapas Madiun": "Kelas I",
           "perempuan Surabaya": None, "perempuan Malang": "Kelas IIA", "narkotika Surabaya": None,
           "narkotika Pamekasan": "Kelas IIA", "lapas Porong": None, "rutan Porong": None},
    "36": {"lapas Tangerang": "Kelas I", "rutan Tangerang": "Kelas I", "kanim Tangerang": "Kelas I TPI",
           "lpka Serang": None, "lpka Tangerang": "Kelas I", "perempuan Serang": None,
           "perempuan Tangerang": "Kelas IIA", "narkotika Serang": None, "lapas Rangkasbitung": "Kelas III",
           "lapas Soekarno-Hatta": None, "rutan Soekarno-Hatta": None, "kanim Soekarno-Hatta": "Kelas I Khusus TPI"},
    "51": {"lapas Denpasar": None, "lpka Denpasar": None, "lpka Karangasem": "Kelas II", "narkotika Denpasar": None,
           "narkotika Bangli": "Kelas IIA", "lapas Kerobokan": "Kelas IIA", "rutan Kerobokan": None,
           "kanim Kerobokan": None, "lapas Ngurah Rai": None, "rutan Ngurah Rai": None,
           "kanim Ngurah Rai": "Kelas I Khusus TPI"},
    "52": {"rutan Praya": "Kelas IIB", "lapas Selong": "Kelas IIB", "lapas Sumbawa Besar": "Kelas IIB"},
    "53": {"lpka Kupang": "Kelas I", "lapas Atambua": "Kelas IIB"},
    "61": {"lpka Pontianak": None, "lpka Sungai Raya": "Kelas II", "lapas Entikong": None, "rutan Entikong": None},
    "62": {"narkotika Palangka Raya": None, "narkotika Kasongan": "Kelas III"},
    "63": {"narkotika Banjarmasin": None, "narkotika Karang Intan": "Kelas IIA", "lapas Karang Intan": None,
           "rutan Karang Intan": None, "perempuan Banjarmasin": None, "perempuan Martapura": "Kelas IIA",
           "lpka Banjarmasin": None, "lpka Martapura": "Kelas II"},
    "64": {"narkotika Samarinda": "Kelas III"},
    "65": {"bapas Tarakan": "Kelas II", "lapas Tarakan": "Kelas IIA"},
    "71": {"lpka Manado": None, "lpka Tomohon": "Kelas III", "lapas Bitung": "Kelas IIB"},
    "73": {"lpka Makassar": None, "lpka Maros": "Kelas II", "perempuan Makassar": None,
           "perempuan Sungguminasa": "Kelas IIA", "narkotika Makassar": None, "narkotika Sungguminasa": "Kelas IIA",
           "rutan Sinjai": "Kelas IIB", "lapas Sinjai": None},
    "81": {"narkotika Ambon": None, "lapas Tual": "Kelas IIB"},
    "82": {"lapas Tobelo": "Kelas IIB"},
    "91": {"lapas Jayapura": None, "lapas Abepura": "Kelas IIA", "rutan Abepura": None,
           "narkotika Jayapura": "Kelas IIA", "lapas Biak": "Kelas IIB"},
    "94": {"lapas Timika": "Kelas IIB"},
    "96": {"kanim Sorong": "Kelas I TPI"},
}

# kind: (unit type, code prefix, name template)
UPT_KINDS: dict[str, tuple[str, str, str]] = {
    "lapas": ("lapas", "LAPAS", "Lapas {cls} {town}"),
    "perempuan": ("lapas", "LAPASPR", "Lapas Perempuan {cls} {town}"),
    "narkotika": ("lapas", "LAPASNAR", "Lapas Narkotika {cls} {town}"),
    "rutan": ("rutan", "RUTAN", "Rutan {cls} {town}"),
    "lpka": ("lpka", "LPKA", "LPKA {cls} {town}"),
    "bapas": ("bapas", "BAPAS", "Bapas {cls} {town}"),
    "rupbasan": ("rupbasan", "RUPBASAN", "Rupbasan {cls} {town}"),
    "kanim": ("kanim", "KANIM", "Kantor Imigrasi {cls} {town}"),
    "rudenim": ("rudenim", "RUDENIM", "Rumah Detensi Imigrasi {town}"),
    "bhp": ("bhp", "BHP", "Balai Harta Peninggalan {town}"),
}

STREETS = (
    "Jl. Jenderal Sudirman", "Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Gajah Mada", "Jl. Pahlawan", "Jl. Merdeka",
    "Jl. Imam Bonjol", "Jl. Sultan Hasanuddin", "Jl. Dr. Sutomo", "Jl. Ki Hajar Dewantara", "Jl. Veteran",
    "Jl. Pemuda", "Jl. Gatot Subroto", "Jl. Teuku Umar", "Jl. Kartini", "Jl. Hayam Wuruk", "Jl. Pattimura",
    "Jl. Sam Ratulangi", "Jl. Cut Nyak Dhien", "Jl. Raden Saleh", "Jl. Pramuka", "Jl. Soekarno-Hatta",
    "Jl. Trikora", "Jl. Yos Sudarso", "Jl. Urip Sumoharjo", "Jl. Slamet Riyadi", "Jl. Bhayangkara",
)


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    unit_type: str
    institution: str
    parent: str
    province: str
    address: str

    def values(self) -> dict[str, str]:
        """The unit as an import row's values."""
        return {
            "code": self.code, "name": self.name, "type": self.unit_type, "institution": self.institution,
            "parent": self.parent, "province": self.province, "address": self.address, "active": "yes",
        }


def _rng(*parts: str) -> random.Random:
    # A string seed is hashed with SHA-512, so it is stable across processes (unlike hash()).
    return random.Random(":".join((str(SEED), *parts)))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _address(town: str, *key: str) -> str:
    rng = _rng("address", *key)
    return f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}, {town}"


def kanwil_code(province_code: str) -> str:
    """The code of the Kanwil that serves a province (a neighbour's for provinces without one)."""
    return f"KANWIL-{KANWIL_HOST.get(province_code, province_code)}"


def _town_upts(province: str, size: str, town: str, tier: int) -> list[tuple[str, str]]:
    """(kind, class) of the UPTs in one town; tier 0 is the capital, 1 a larger town, 2 a regency seat."""
    rng = _rng("upt", province, town)
    upts: dict[str, str] = {}
    tpi = town in TPI_TOWNS
    if tier == 0:
        upts["lapas"] = {"L": "Kelas I", "M": "Kelas IIA", "S": "Kelas IIB"}[size]
        upts["rutan"] = {"L": "Kelas I", "M": "Kelas IIA", "S": "Kelas IIB"}[size]
        upts["bapas"] = "Kelas I" if size == "L" else "Kelas II"
        if size == "S":
            upts["kanim"] = "Kelas II TPI" if tpi else "Kelas II Non TPI"
        else:
            upts["kanim"] = "Kelas I TPI"
            upts["lpka"] = "Kelas I" if size == "L" else "Kelas II"
            upts["perempuan"] = "Kelas IIA" if size == "L" else "Kelas III"
            upts["narkotika"] = "Kelas IIA" if size == "L" else rng.choice(("Kelas IIA", "Kelas III"))
            upts["rupbasan"] = "Kelas I" if size == "L" else "Kelas II"
        if province in BHP_PROVINCES:
            upts["bhp"] = ""
    elif tier == 1:
        # A larger town has a Lapas or a Rutan (sometimes both) and often a Bapas and a Kantor Imigrasi.
        roll = rng.random()
        if roll < 0.7 or roll >= 0.85:
            upts["lapas"] = "Kelas IIA"
        if roll >= 0.7:
            upts["rutan"] = "Kelas IIB"
        if rng.random() < 0.25:
            upts["bapas"] = "Kelas II"
        if rng.random() < 0.1:
            upts["rupbasan"] = "Kelas II"
        if tpi or rng.random() < 0.45:
            upts["kanim"] = "Kelas II TPI" if tpi else "Kelas II Non TPI"
    else:
        # Many regency seats have one Lapas or Rutan, a few both, some none; Kanim only at checkpoints.
        roll = rng.random()
        if 0.2 <= roll < 0.6 or roll >= 0.95:
            upts["lapas"] = "Kelas IIB" if rng.random() < 0.7 else "Kelas III"
        if roll >= 0.6:
            upts["rutan"] = "Kelas IIB"
        if tpi:
            upts["kanim"] = "Kelas II TPI"
    if RUDENIM_TOWNS.get(province) == town:
        upts["rudenim"] = ""
    for key, cls in OVERRIDES.get(province, {}).items():
        kind, _, override_town = key.partition(" ")
        if override_town != town:
            continue
        if cls is None:
            upts.pop(kind, None)
        else:
            upts[kind] = cls
    return [(kind, upts[kind]) for kind in UPT_KINDS if kind in upts]


def _upts() -> list[DemoUnit]:
    units = []
    for province, (size, capital, larger, seats) in TOWNS.items():
        towns = [(capital, 0)] + [(t, 1) for t in _split(larger)] + [(t, 2) for t in _split(seats)]
        for town, tier in towns:
            for kind, cls in _town_upts(province, size, town, tier):
                unit_type, prefix, template = UPT_KINDS[kind]
                code = f"{prefix}-{province}-{_slug(town)}"
                units.append(DemoUnit(
                    code=code,
                    name=" ".join(template.format(cls=cls, town=town).split()),
                    unit_type=unit_type,
                    institution="KEMENKUM" if unit_type == "bhp" else "KEMENIMIPAS",
                    parent=kanwil_code(province),
                    province=province,
                    address=_address(town, code),
                ))
    return units


# Pemda trees: (institution, its head unit name, town) → OPDs (suffix, name) → UPTDs (suffix, name).
PEMDA_TREES: list[tuple[str, str, str, list[tuple[str, str, list[tuple[str, str]]]]]] = [
    ("PEMPROV-JATENG", "Pemerintah Provinsi Jawa Tengah", "Semarang", [
        ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Jawa Tengah", []),
        ("DINSOS", "Dinas Sosial Provinsi Jawa Tengah", [
            ("PUCANG-GADING", "UPTD Rumah Pelayanan Sosial Lanjut Usia Pucang Gading Semarang"),
        ]),
        ("RSUD-MOEWARDI", "RSUD Dr. Moewardi Provinsi Jawa Tengah", []),
    ]),
    ("PEMKOT-MAKASSAR", "Pemerintah Kota Makassar", "Makassar", [
        ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil Kota Makassar", []),
        ("DINKES", "Dinas Kesehatan Kota Makassar", [
            ("PKM-KASSI-KASSI", "UPTD Puskesmas Kassi-Kassi"),
            ("PKM-BATUA", "UPTD Puskesmas Batua"),
        ]),
        ("RSUD-DAYA", "RSUD Daya Kota Makassar", []),
    ]),
    ("PEMKAB-JAYAPURA", "Pemerintah Kabupaten Jayapura", "Sentani", [
        ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Jayapura", []),
        ("DINKES", "Dinas Kesehatan Kabupaten Jayapura", [("PKM-SENTANI", "UPTD Puskesmas Sentani")]),
        ("RSUD-YOWARI", "RSUD Yowari Kabupaten Jayapura", []),
    ]),
    ("PEMKOT-SURABAYA", "Pemerintah Kota Surabaya", "Surabaya", [
        ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil Kota Surabaya", []),
        ("DINSOS", "Dinas Sosial Kota Surabaya", [("LIPONSOS-KEPUTIH", "UPTD Liponsos Keputih")]),
        ("RSUD-SOEWANDHIE", "RSUD Dr. Mohamad Soewandhie Kota Surabaya", []),
    ]),
]


def _pemda_units() -> list[DemoUnit]:
    provinces = {code: province for code, _, _, province in DEMO_INSTITUTIONS}
    units = []
    for institution, name, town, opds in PEMDA_TREES:
        province = provinces[institution] or ""
        units.append(DemoUnit(institution, name, "pemda", institution, "", province,
                              _address(town, institution)))
        for suffix, opd_name, uptds in opds:
            opd_code = f"{institution}.{suffix}"
            units.append(DemoUnit(opd_code, opd_name, "opd", institution, institution, province,
                                  _address(town, opd_code)))
            for uptd_suffix, uptd_name in uptds:
                uptd_code = f"{opd_code}.{uptd_suffix}"
                units.append(DemoUnit(uptd_code, uptd_name, "uptd", institution, opd_code, province,
                                      _address(town, uptd_code)))
    return units


def demo_units() -> list[DemoUnit]:
    """Every demo unit, parents listed before their children."""
    units = [DemoUnit(ROOT_CODE, "Kementerian Hak Asasi Manusia", "kementerian", "KEMENHAM", "", "31", HQ_ADDRESS)]
    units += [DemoUnit(code, name, "eselon1", "KEMENHAM", ROOT_CODE, "31", HQ_ADDRESS) for code, name in ESELON1]
    for row in province_rows():
        if row["had_kanwil_2024"] == "yes":
            code = kanwil_code(row["code"])
            units.append(DemoUnit(
                code, f"Kantor Wilayah Kementerian Hak Asasi Manusia {row['name']}", "kanwil", "KEMENHAM",
                ROOT_CODE, row["code"], _address(TOWNS[row["code"]][1], code),
            ))
    return units + _upts() + _pemda_units()


def demo_unit_rows() -> list[TableRow]:
    """The demo units as rows for ``units_plan_rows`` (row numbers start at 2, as under a header)."""
    return [TableRow(number, unit.values()) for number, unit in enumerate(demo_units(), start=2)]


# ---------------------------------------------------------------- people


@dataclass(frozen=True)
class NameStyle:
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_last: tuple[str, ...]
    female_last: tuple[str, ...]  # empty: same as male_last (family names)
    male_prefix: str = ""
    female_prefix: str = ""
    prefix_rate: float = 0.0


def _words(text: str) -> tuple[str, ...]:
    return tuple(_split(text))


STYLES: dict[str, NameStyle] = {
    "jawa": NameStyle(
        _words("Agus, Bambang, Budi, Dwi, Eko, Heru, Joko, Sugeng, Teguh, Wahyu, Yudi, Hadi, Slamet, Arief, Bayu, "
               "Dimas, Rizky, Fajar, Aditya, Galih, Danang"),
        _words("Sri, Dewi, Endang, Tri, Rina, Yuni, Wulan, Ayu, Dian, Retno, Siti, Ratna, Anik, Novi, Indah"),
        _words("Santoso, Setiawan, Prasetyo, Susilo, Sutrisno, Purnomo, Hidayat, Wibowo, Nugroho, Saputro, "
               "Kurniawan, Widodo, Pamungkas, Wicaksono, Raharjo"),
        _words("Wahyuni, Lestari, Handayani, Susilowati, Rahayu, Pratiwi, Puspitasari, Kusumawati, Wulandari, "
               "Anggraini, Widyastuti, Setyaningsih"),
    ),
    "sunda": NameStyle(
        _words("Asep, Dadang, Ujang, Cecep, Yayan, Deden, Dedi, Iwan, Rudi, Hendra, Wawan, Ade"),
        _words("Neneng, Euis, Rina, Imas, Yeni, Lilis, Nina, Tuti, Siti, Enok, Ai"),
        _words("Saepudin, Suhendar, Permana, Hidayat, Sopyan, Sulaeman, Gunawan, Ramdhani, Sutisna, Kurniawan"),
        _words("Rohmawati, Kurniasih, Marlina, Nurhasanah, Rosmiati, Sumiati, Komalasari, Herawati"),
    ),
    "melayu": NameStyle(
        _words("Ahmad, Muhammad, Syahrul, Rahmat, Zulkifli, Hendra, Fauzi, Irwan, Jefri, Ridwan, Azwar, Hamdan"),
        _words("Nurul, Siti, Rahmah, Fitri, Sari, Yulia, Dewi, Rini, Zubaidah, Nurhaliza"),
        _words("Effendi, Syahputra, Rahman, Hamdani, Saputra, Ramadhan, Fadillah, Hakim, Harun, Yusuf"),
        _words("Aini, Hasanah, Wahyuni, Rahmadani, Safitri, Maharani, Ningsih, Yanti, Amelia"),
    ),
    "aceh": NameStyle(
        _words("Muhammad, Rizal, Iqbal, Fadhil, Zulfikar, Mukhlis, Safrizal, Khairul, Hasbi, Munawar"),
        _words("Nurul, Rahmi, Aisyah, Fitri, Yusra, Rahmah, Nanda, Maulidar, Raihan"),
        _words("Azhar, Syahrizal, Husaini, Abdullah, Ismail, Hanafiah, Ridha, Yusuf"),
        _words("Hidayah, Akmal, Fajriah, Zahara, Rizki, Mutia, Husna"),
        male_prefix="Teuku", female_prefix="Cut", prefix_rate=0.3,
    ),
    "batak": NameStyle(
        _words("Parlindungan, Togar, Poltak, Hotman, Sahat, Ramli, Bonar, Marihot, Horas, Benny, Daniel, Robert"),
        _words("Rosmawati, Lamria, Tiurma, Friska, Romauli, Nurhayati, Sondang, Marta, Erni, Dameria"),
        _words("Siregar, Nasution, Simanjuntak, Sitompul, Hutapea, Lubis, Harahap, Sinaga, Panjaitan, Situmorang, "
               "Tambunan, Pardede, Manurung, Simatupang, Hutagalung, Silalahi, Sihombing, Pasaribu"),
        (),
    ),
    "minang": NameStyle(
        _words("Afrizal, Zulkarnain, Yendri, Asrul, Syafrizal, Hendri, Riko, Irwandi, Doni, Andri"),
        _words("Yulia, Desi, Rahmi, Yessi, Nelly, Rika, Mega, Fitria, Wirda"),
        _words("Syafri, Putra, Chaniago, Tanjung, Koto, Piliang, Sikumbang, Effendi"),
        _words("Yanti, Novita, Susanti, Elvina, Rahmawati, Yuliana, Oktaviani"),
    ),
    "bali": NameStyle(
        _words("Wayan, Made, Nyoman, Ketut, Putu, Gede, Komang, Kadek"),
        _words("Wayan, Made, Nyoman, Ketut, Putu, Komang, Kadek, Luh Putu, Luh Made"),
        _words("Suarjana, Sudarsana, Sudiarta, Mertayasa, Wirawan, Arsana, Sukadana, Budiasa, Wiranata, Artawan"),
        _words("Ariani, Sukerti, Suartini, Ayu Lestari, Sumiati, Wahyuni, Puspawati, Darmayanti, Sri Dewi"),
        male_prefix="I", female_prefix="Ni", prefix_rate=1.0,
    ),
    "sasak": NameStyle(
        _words("Muhammad, Ahmad, Zainal, Hamdan, Saipul, Hairul, Rusdi, Sahnan, Fahrurrozi"),
        _words("Siti, Nurul, Hikmah, Rabiatul, Sri, Hasanah, Nurhayati"),
        _words("Abidin, Hakim, Hadi, Ihsan, Wahid, Mustofa, Mahsun, Amri"),
        _words("Aini, Adawiyah, Hidayati, Maryam, Hayati, Jannah, Aprianti"),
        male_prefix="Lalu", female_prefix="Baiq", prefix_rate=0.3,
    ),
    "ntt": NameStyle(
        _words("Yohanes, Fransiskus, Yosef, Petrus, Paulus, Marthen, Simon, Agustinus, Yakobus, Melkianus, Stefanus"),
        _words("Maria, Yuliana, Theresia, Elisabeth, Agustina, Margaretha, Anastasia, Veronika, Yohana, Martha"),
        _words("Fanggidae, Ndun, Manafe, Radja, Tallo, Bria, Seran, Nenabu, Messakh, Manek, Tefa, Dethan, Rihi, "
               "Lomi, Nope"),
        (),
    ),
    "minahasa": NameStyle(
        _words("Jefry, Stevanus, Hendrik, Ferry, Johny, Roy, Meiky, Frangky, Novri, Denny, Reinhard"),
        _words("Olvie, Meity, Vivi, Stella, Grace, Deisy, Lenny, Christine, Jeane, Ivone"),
        _words("Rumondor, Sondakh, Tumbelaka, Wowor, Pangemanan, Mandagi, Lumenta, Kawulusan, Tambuwun, Rumengan, "
               "Polii, Runtuwene, Karundeng, Supit, Lengkong"),
        (),
    ),
    "bugis": NameStyle(
        _words("Muhammad, Ahmad, Syamsul, Hasanuddin, Irfan, Nurdin, Akbar, Ilham, Arifin, Basri, Jumadi, "
               "Sudirman, Amiruddin"),
        _words("Nurhayati, Hasnah, Rahmawati, Nurul, Sitti, Ramlah, Husna, Kartini, Megawati, Rosdiana, Hasmawati"),
        _words("Bahri, Rasyid, Syam, Hamzah, Latif, Arsyad, Tahir, Saleh, Azis, Mansyur"),
        _words("Aminah, Rasyid, Hamid, Kadir, Madjid, Latif, Syam, Amir"),
        male_prefix="Andi", female_prefix="Andi", prefix_rate=0.25,
    ),
    "gorontalo": NameStyle(
        _words("Rahmat, Idris, Yusuf, Ismail, Hamzah, Roni, Fadli, Ridwan, Sofyan"),
        _words("Fatmah, Sri, Hasna, Ningsih, Rahmawati, Sarifah, Yunita, Nurain"),
        _words("Pakaya, Daud, Katili, Ishak, Tangahu, Lihawa, Gobel, Mooduto, Nusi, Hunowu, Biki"),
        (),
    ),
    "maluku": NameStyle(
        _words("Johanis, Semuel, Frans, Octavianus, Marthen, Julius, Hendrik, Abraham, Rudy, Jacob"),
        _words("Maria, Novita, Magdalena, Yohana, Christina, Paulina, Sarah, Elsye"),
        _words("Latuheru, Pattiasina, Tuhumury, Sahetapy, Leiwakabessy, Matulessy, Wattimena, Siahaya, "
               "Pattinasarany, Rumahlatu, Loupatty, Ralahalu"),
        (),
    ),
    "maluku_islam": NameStyle(
        _words("Abdullah, Hasan, Ismail, Jafar, Rusli, Samsudin, Arifin, Sahril, Umar"),
        _words("Nurlaila, Halima, Sarifa, Wahida, Fatma, Rosmawati, Nursia"),
        _words("Tuasikal, Ohorella, Latuconsina, Tutupoho, Sangaji, Marasabessy, Pelu, Ollong"),
        (),
    ),
    "papua": NameStyle(
        _words("Yohanes, Markus, Yakob, Daniel, Nikolas, Yance, Yulianus, Otniel, Petrus, Benyamin, Elias"),
        _words("Maria, Yosina, Ribka, Naomi, Debora, Ester, Yuliana, Selfina, Agustina, Fransina"),
        _words("Wenda, Kogoya, Wanimbo, Tabuni, Rumbiak, Kaisiepo, Ayomi, Yoku, Itaar, Mandowen, Sawaki, "
               "Womsiwor, Wonda, Karubaba, Mofu, Wandikbo, Gebze, Kambu, Mandacan"),
        (),
    ),
}

PROVINCE_STYLES: dict[str, tuple[str, ...]] = {
    "11": ("aceh",), "12": ("batak", "batak", "melayu"), "13": ("minang",), "14": ("melayu", "minang", "batak"),
    "15": ("melayu", "jawa"), "16": ("melayu", "jawa"), "17": ("melayu", "jawa"), "18": ("jawa", "melayu"),
    "19": ("melayu",), "21": ("melayu", "batak", "jawa"), "31": ("jawa", "sunda", "batak", "melayu", "minang"),
    "32": ("sunda",), "33": ("jawa",), "34": ("jawa",), "35": ("jawa",), "36": ("sunda", "jawa"), "51": ("bali",),
    "52": ("sasak",), "53": ("ntt",), "61": ("melayu", "jawa"), "62": ("melayu", "jawa"), "63": ("melayu",),
    "64": ("jawa", "bugis", "melayu"), "65": ("bugis", "melayu"), "71": ("minahasa",), "72": ("bugis", "jawa"),
    "73": ("bugis",), "74": ("bugis",), "75": ("gorontalo",), "76": ("bugis",), "81": ("maluku", "maluku_islam"),
    "82": ("maluku_islam",), "91": ("papua",), "92": ("papua",), "93": ("papua",), "94": ("papua",),
    "95": ("papua",), "96": ("papua",),
}

STAFF_DEGREES = ("", "", "", "S.H.", "S.H.", "S.H.", "S.H., M.H.", "S.Sos.", "S.Kom.", "S.E.", "A.Md.", "S.Psi.",
                 "S.I.P.", "A.Md.P.")
SENIOR_DEGREES = ("S.H., M.H.", "S.H., M.H.", "S.H., M.Hum.", "S.Sos., M.Si.", "S.E., M.M.", "S.H., M.Si.",
                  "S.IP., M.A.P.", "S.H.")
SENIOR_ROLES = frozenset({"kepala_unit", "kanwil", "ditjen", "pimpinan"})


def _person(username: str, role: str, province: str) -> tuple[str, bool]:
    """A deterministic realistic full name (with degrees) for a user, and whether the person is female."""
    rng = _rng("person", username)
    style = STYLES[rng.choice(PROVINCE_STYLES[province])]
    female = rng.random() < 0.4
    first = rng.choice(style.female if female else style.male)
    last_pool = (style.female_last or style.male_last) if female else style.male_last
    last = rng.choice(last_pool)
    prefix = style.female_prefix if female else style.male_prefix
    parts = [prefix] if prefix and rng.random() < style.prefix_rate else []
    parts += [first, last]
    name = " ".join(parts)
    senior = role in SENIOR_ROLES
    degree = rng.choice(SENIOR_DEGREES if senior else STAFF_DEGREES)
    if degree:
        name = f"{name}, {degree}"
    if senior and rng.random() < 0.15:
        name = f"Dr. {name}"
    return name, female


def _nip(username: str, *, female: bool, senior: bool, used: set[str]) -> str:
    """A NIP valid in 2026: age 25-58, appointed 21-30 years after birth (not after 2025), sex digit."""
    rng = _rng("nip", username)
    year = rng.randint(1969, 1984) if senior else rng.randint(1985, 2000)
    birth = f"{year:04d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    appointed = f"{min(year + rng.randint(21, 30), 2025):04d}{rng.randint(1, 12):02d}"
    serial = rng.randint(1, 9)
    nip = f"{birth}{appointed}{2 if female else 1}{serial:03d}"
    while nip in used:
        serial += 1
        nip = f"{birth}{appointed}{2 if female else 1}{serial:03d}"
    used.add(nip)
    return nip


def _phone(username: str) -> str:
    rng = _rng("phone", username)
    prefix = rng.choice(("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0878"))
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))


# UPTs that get a demo operator and head of unit; the first gets the well-known "operator" / "kepala".
STAFFED_UPTS = (
    "LAPAS-81-AMBON", "RUTAN-81-AMBON", "LAPAS-73-MAKASSAR", "RUTAN-73-SINJAI", "LPKA-12-MEDAN", "KANIM-12-MEDAN",
    "KANIM-12-PEMATANG-SIANTAR", "BAPAS-35-SURABAYA", "BHP-33-SEMARANG", "RUDENIM-31-JAKARTA",
    "RUPBASAN-31-JAKARTA-PUSAT", "LAPASPR-33-SEMARANG", "LAPASNAR-31-JAKARTA", "LAPAS-11-BANDA-ACEH",
    "RUTAN-32-BANDUNG", "LAPAS-35-MALANG", "LAPAS-51-KEROBOKAN", "KANIM-52-MATARAM", "LAPAS-53-KUPANG",
    "RUTAN-64-SAMARINDA", "LAPAS-65-TARAKAN", "LAPAS-91-ABEPURA", "LAPAS-94-NABIRE", "KANIM-96-SORONG",
    "BAPAS-71-MANADO", "RUPBASAN-16-PALEMBANG",
)
# Pemda OPDs that get a demo operator and head; the first gets the well-known "operator.pemda" / "kepala.pemda".
STAFFED_OPDS = (
    "PEMKOT-MAKASSAR.DISDUKCAPIL", "PEMKOT-SURABAYA.DISDUKCAPIL", "PEMPROV-JATENG.DPMPTSP",
    "PEMKAB-JAYAPURA.RSUD-YOWARI",
)
NATIONAL_USERS = (
    ("admin", "admin"), ("ditjen", "ditjen"), ("ditjen2", "ditjen"), ("verifikator", "verifikator"),
    ("verifikator2", "verifikator"), ("penilai", "penilai"), ("penilai2", "penilai"), ("penilai3", "penilai"),
    ("pimpinan", "pimpinan"),
)
# The logins documented for demos, written to var/demo_accounts.json by the seed command.
WELL_KNOWN_USERNAMES = (
    "admin", "ditjen", "kanwil", "operator", "kepala", "verifikator", "penilai", "pimpinan", "operator.pemda",
    "kepala.pemda",
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    nip: str
    email: str
    phone: str
    role: str
    unit: str

    def values(self) -> dict[str, str]:
        """The user as an import row's values."""
        return {
            "username": self.username, "full_name": self.full_name, "nip": self.nip, "email": self.email,
            "phone": self.phone, "role": self.role, "unit": self.unit,
        }


def _assignments() -> list[tuple[str, str, str]]:
    """(username, role, unit code) for every demo account; one role each."""
    rows = [(username, role, "") for username, role in NATIONAL_USERS]
    rows.append(("kanwil", "kanwil", kanwil_code("81")))
    rows += [
        (f"kanwil.{row['code']}", "kanwil", kanwil_code(row["code"]))
        for row in province_rows() if row["had_kanwil_2024"] == "yes"
    ]
    for index, code in enumerate(STAFFED_UPTS + STAFFED_OPDS):
        if index == 0:
            suffix = ""
        elif index == len(STAFFED_UPTS):
            suffix = ".pemda"
        else:
            suffix = f".{code.lower()}"
        rows += [(f"operator{suffix}", "operator", code), (f"kepala{suffix}", "kepala_unit", code)]
    return rows


def demo_users() -> list[DemoUser]:
    """Every demo account with a realistic name, a valid NIP, an e-mail and a phone number."""
    units = {unit.code: unit for unit in demo_units()}
    used_nips: set[str] = set()
    users = []
    for username, role, unit_code in _assignments():
        if unit_code and unit_code not in units:
            raise ValueError(f"demo user {username} names unknown unit {unit_code}")
        province = units[unit_code].province if unit_code else "31"
        full_name, female = _person(username, role, province)
        nip = _nip(username, female=female, senior=role in SENIOR_ROLES, used=used_nips)
        users.append(DemoUser(username, full_name, nip, f"{username}@demo.p2ham.go.id", _phone(username), role,
                              unit_code))
    return users


def demo_user_rows() -> list[TableRow]:
    """The demo users as rows for ``users_plan_rows`` (row numbers start at 2, as under a header)."""
    return [TableRow(number, user.values()) for number, user in enumerate(demo_users(), start=2)]


# Mountains, lakes and animals: words that are not Indonesian given names, so no password resembles its owner.
PASSWORD_WORDS = (
    "Merapi", "Rinjani", "Kerinci", "Semeru", "Kelimutu", "Bromo", "Toba", "Lokon", "Tambora", "Jayawijaya",
    "Rajawali", "Cendrawasih", "Komodo", "Kasuari", "Anoa", "Babirusa", "Jatayu", "Mahoni", "Angsana", "Cendana",
)


def new_demo_password(*, username: str = "", email: str = "", full_name: str = "") -> str:
    """A fresh random demo password (two words and four digits) that passes the password validators for
    the given person; unguessable from the source code."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from p2ham.accounts.models import User

    person = User(username=username, email=email, full_name=full_name)
    while True:
        first = secrets.choice(PASSWORD_WORDS)
        second = secrets.choice(PASSWORD_WORDS).lower()
        password = f"{first}-{second}-{secrets.randbelow(9000) + 1000}"
        try:
            validate_password(password, user=person)
        except ValidationError:
            continue  # e.g. too similar to the username by the validator's character test: draw again
        return password


def demo_accounts(passwords: dict[str, str]) -> list[dict[str, str]]:
    """Every demo login with its password, role and unit code ("" for national roles), well-known ones first."""
    users = demo_users()
    order = {name: i for i, name in enumerate(WELL_KNOWN_USERNAMES)}
    users.sort(key=lambda u: (order.get(u.username, len(order)), u.username))
    return [
        {"username": u.username, "password": passwords[u.username], "role": u.role, "unit_code": u.unit}
        for u in users
        if u.username in passwords
    ]
