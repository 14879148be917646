"""Demo content for determination and follow-up (issue 7): last year's complete cycle and the current year
at every stage before its decree, so the results pages, the public site, the certificate check, the
dashboards and the follow-up lists show something real on a fresh ``make run``.

Last year is played at its own dates: each step runs with the clock set to the day it happened
(``time_machine``), so every window check, due date and timestamp is what a real year leaves behind. The
self-assessments, the verifiers' verdicts and the assessors' scores of last year's ~70 units are written in
bulk, in exactly the shapes (and with the audit entries) the services write; every status move, the panel's
result (the scoring engine, through ``panel_finish``), the decree, the certificates and each follow-up step
go through the real services. The current year's extra units go through the real services throughout.
Notifications of last year's events are left in the bell as read; their e-mails are not sent today.

Used by ``seed_demo`` only (never in production). Deterministic: every choice comes from ``random.Random``
seeded per item (file names and certificate codes are random, as in real use).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.assessments import services as assessment_services
from p2ham.assessments.demo import _Files, _png
from p2ham.assessments.models import Answer, Assessment, Evidence, EvidenceBlob
from p2ham.assessments.services import _move
from p2ham.audit.services import audit_entry, audit_log_many
from p2ham.core.files import store_private_bytes
from p2ham.declarations import services as declaration_services
from p2ham.declarations import statements
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.models import AnswerOption, Indicator, Instrument
from p2ham.instruments.services import instrument_clone
from p2ham.notifications.models import Notification
from p2ham.notifications.tasks import send_notification_email
from p2ham.organizations.demo import SEED, TOWNS, _person, demo_unit_rows
from p2ham.organizations.models import Unit
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period
from p2ham.periods.services import period_create, period_transition
from p2ham.results import services
from p2ham.results.models import Certificate, FollowUpAction
from p2ham.reviews import services as review_services
from p2ham.reviews import services_panel
from p2ham.reviews.models import PanelAssignment, PanelScore, ReasonCode, Verdict, Verification

S = Assessment.Status
F_ = FollowUpAction.Status

# ---------------------------------------------------------------- who took part last year (pure)

# Units with demo accounts (operator and head) that took part last year, and how their year ended: their
# accounts (and their Kanwil's) find a result, a certificate and follow-up actions to work on.
LAST_YEAR_STAFFED: dict[str, str] = {
    "LAPAS-81-AMBON": "partial",  # awarded, with findings enough to show every follow-up state
    "RUTAN-81-AMBON": "below",
    "LAPAS-73-MAKASSAR": "awarded",
    "RUTAN-73-SINJAI": "mandatory",  # no ramp yet: this year it is not even eligible, for the same reason
    "BAPAS-35-SURABAYA": "awarded",
    "LAPAS-35-MALANG": "top",
    "LAPAS-11-BANDA-ACEH": "awarded",
    "RUTAN-32-BANDUNG": "awarded",
    "LAPAS-51-KEROBOKAN": "below",
    "KANIM-52-MATARAM": "awarded",
    "LAPAS-53-KUPANG": "awarded",
    "BAPAS-71-MANADO": "awarded",
    "KANIM-96-SORONG": "top",
    "LAPAS-91-ABEPURA": "awarded",
    "KANIM-12-MEDAN": "top",
    "LPKA-12-MEDAN": "awarded",
    "RUDENIM-31-JAKARTA": "awarded",
    "BHP-33-SEMARANG": "top",
    "LAPASPR-33-SEMARANG": "awarded",
}
# How the other (randomly chosen) participants fared: the rest are awarded.
LAST_YEAR_OTHERS = (
    ("not_eligible", 4),
    ("unsubmitted", 2),
    ("veto", 1),
    ("revoked", 1),
    ("mandatory", 1),
    ("below", 4),
    ("weak", 1),
    ("top", 8),
)
PARTICIPANT_TYPES = ("lapas", "rutan", "lpka", "bapas", "kanim", "rudenim")
# Indicators not fully met per unit, by how the year ended (min, max).
LOSSES: dict[str, tuple[int, int]] = {
    "top": (1, 2),
    "awarded": (3, 5),
    "partial": (6, 7),
    "revoked": (3, 4),
    "veto": (2, 4),
    "mandatory": (2, 3),
    "below": (7, 9),
    "weak": (8, 9),
    "not_eligible": (8, 12),
    "unsubmitted": (5, 8),
}


@dataclass(frozen=True)
class Participant:
    code: str
    province: str
    unit_type: str
    profile: str
    staffed: bool


def _rng(*parts: object) -> random.Random:
    # Demo data, not secrets: a seeded generator makes every run identical.
    return random.Random(":".join(str(p) for p in (SEED, "results", *parts)))  # noqa: S311


def last_year_participants() -> list[Participant]:
    """The units that took part last year (pure, deterministic): the staffed units above and one or two
    technical units from every province, so the map of awarded units covers the country."""
    by_code = {row.values["code"]: row.values for row in demo_unit_rows()}
    rows = [r for r in by_code.values() if r["type"] in PARTICIPANT_TYPES]
    fixed_per_province: dict[str, int] = defaultdict(int)
    for code in LAST_YEAR_STAFFED:
        fixed_per_province[by_code[code]["province"]] += 1
    candidates: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["code"] not in LAST_YEAR_STAFFED:
            candidates[r["province"]].append(r["code"])
    rng = _rng("participants")
    others: list[str] = []
    for province in sorted(candidates):
        # Two from a province without a staffed participant (one from a small one), else one or none.
        wanted = max((1 if TOWNS[province][0] == "S" else 2) - fixed_per_province[province], 0)
        pool = sorted(candidates[province])
        others += rng.sample(pool, min(wanted, len(pool)))
    others.sort()
    profiles: dict[str, str] = {}
    shuffled = others[:]
    rng.shuffle(shuffled)
    for profile, count in LAST_YEAR_OTHERS:
        for _ in range(count):
            profiles[shuffled.pop()] = profile
    result = [
        Participant(code, by_code[code]["province"], by_code[code]["type"], profile, True)
        for code, profile in LAST_YEAR_STAFFED.items()
    ]
    result += [
        Participant(code, by_code[code]["province"], by_code[code]["type"], profiles.get(code, "awarded"), False)
        for code in others
    ]
    return result


# ---------------------------------------------------------------- answers: what each unit really has (pure)

# Indicators that concern only some unit types (the verifier marks them not applicable elsewhere), by
# instrument code and indicator code.
LIMITED: dict[str, dict[str, frozenset[str]]] = {
    "pemasyarakatan": {
        **{code: frozenset({"lapas", "rutan", "lpka"}) for code in ("K1.08", "K1.09", "K2.02", "K2.08")},
        **{code: frozenset({"lapas", "rutan", "lpka"}) for code in ("K3.04", "K3.05", "K3.06")},
        "K3.07": frozenset({"bapas"}),
    },
    "imigrasi": {
        "K2.08": frozenset({"rudenim"}),
        **{code: frozenset({"kanim"}) for code in ("K3.04", "K3.05", "K3.06", "K3.07")},
        "K3.08": frozenset({"rudenim"}),
    },
}

# What verifiers find, what the Kanwil asks for and what units report, by the subject of the indicator
# (matched on the question). Stored text that units read: in Indonesian.
THEMES: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (
        ("maklumat",),
        "Maklumat pelayanan yang terpasang masih format lama dan belum ditandatangani Kepala Unit Kerja.",
        "Perbarui maklumat pelayanan sesuai format terkini, tandatangani, dan pasang di ruang layanan serta laman "
        "resmi unit.",
        "Maklumat pelayanan format terbaru telah ditandatangani Kepala dan dipasang di ruang layanan dan di laman "
        "resmi; foto terlampir.",
    ),
    (
        ("informasi pelayanan",),
        "Standar pelayanan belum tersedia dalam format yang mudah diakses (huruf besar/braille/audio).",
        "Sediakan standar pelayanan dalam huruf besar dan braille di ruang tunggu, serta versi audio di laman unit.",
        "Papan standar pelayanan huruf besar dan buku braille telah tersedia di ruang tunggu layanan.",
    ),
    (
        ("jalan landai",),
        "Kemiringan ramp pada pintu masuk layanan melebihi 1:12 dan belum dilengkapi pegangan tangan.",
        "Perbaiki kemiringan ramp menjadi paling curam 1:12 dan pasang pegangan tangan di kedua sisi.",
        "Ramp pintu masuk telah dibongkar dan dibangun ulang dengan kemiringan 1:12 serta pegangan tangan.",
    ),
    (
        ("lantai pemandu", "guiding block"),
        "Lantai pemandu baru terpasang sebagian dan tidak tersambung sampai ke loket pelayanan.",
        "Sambungkan lantai pemandu dari pintu masuk sampai loket pelayanan, toilet disabilitas dan ruang tunggu.",
        "Lantai pemandu telah disambung sampai loket pelayanan dan toilet disabilitas (foto dan BAST terlampir).",
    ),
    (
        ("toilet",),
        "Toilet disabilitas belum dilengkapi pegangan rambat dan lebar pintu kurang dari 90 cm.",
        "Pasang pegangan rambat dan lebarkan pintu toilet disabilitas; pasang tombol panggil darurat.",
        "Toilet disabilitas telah direnovasi: pintu 90 cm, pegangan rambat dan tombol panggil darurat.",
    ),
    (
        ("rambu", "penanda"),
        "Rambu penunjuk fasilitas kelompok rentan belum terpasang di area parkir dan ruang tunggu.",
        "Pasang rambu penunjuk fasilitas kelompok rentan dari area parkir sampai ruang layanan.",
        "Rambu penunjuk telah dipasang di area parkir, pintu masuk dan ruang tunggu.",
    ),
    (
        ("loket", "prioritas"),
        "Loket/kursi prioritas tersedia tetapi belum diberi penanda dan tidak dijaga petugas pada jam sibuk.",
        "Beri penanda pada loket dan kursi prioritas, dan jadwalkan petugas jaga pada jam sibuk.",
        "Penanda telah dipasang dan jadwal piket petugas loket prioritas ditetapkan dengan SK Kepala.",
    ),
    (
        ("pengaduan",),
        "Sarana pengaduan tersedia, tetapi tindak lanjut pengaduan belum direkap dan dilaporkan secara berkala.",
        "Tetapkan petugas pengelola pengaduan dan laporkan rekap tindak lanjut pengaduan setiap bulan.",
        "Petugas pengelola pengaduan telah ditetapkan; rekap tindak lanjut tiga bulan terakhir terlampir.",
    ),
    (
        ("laktasi",),
        "Ruang laktasi bergabung dengan ruang kesehatan dan tidak dapat dikunci dari dalam.",
        "Sediakan ruang laktasi tersendiri yang dapat dikunci dari dalam, dengan wastafel dan kursi menyusui.",
        "Ruang laktasi tersendiri telah tersedia dan dilengkapi wastafel, kursi menyusui dan lemari pendingin.",
    ),
    (
        ("bermain anak",),
        "Area bermain anak belum tersedia di ruang tunggu layanan.",
        "Sediakan area bermain anak yang aman dan bersih di ruang tunggu layanan.",
        "Area bermain anak telah disediakan di ruang tunggu kunjungan (foto terlampir).",
    ),
    (
        ("alat bantu", "kursi roda"),
        "Kursi roda hanya satu dalam kondisi rusak; alat bantu lain belum tersedia.",
        "Sediakan sekurang-kurangnya dua kursi roda layak pakai serta kruk di area layanan.",
        "Dua kursi roda baru dan sepasang kruk telah tersedia di area layanan.",
    ),
    (
        ("ibadah",),
        "Akses ke tempat ibadah masih berundak tanpa ramp.",
        "Bangun ramp menuju tempat ibadah.",
        "Ramp menuju tempat ibadah telah dibangun (foto terlampir).",
    ),
    (
        ("perempuan", "deteni", "detensi"),
        "Penempatan dan sarana khusus bagi kelompok rentan yang ditempatkan belum sepenuhnya terpisah dan layak.",
        "Tata ulang penempatan kelompok rentan dan lengkapi sarana khususnya sesuai standar.",
        "Penempatan telah ditata ulang dan sarana khusus dilengkapi sesuai standar (foto terlampir).",
    ),
    (
        ("helpdesk", "pusat informasi"),
        "Pusat informasi tidak selalu dijaga petugas selama jam pelayanan.",
        "Tetapkan jadwal jaga petugas pusat informasi selama jam pelayanan.",
        "Jadwal jaga pusat informasi telah ditetapkan dan diumumkan di ruang layanan.",
    ),
    (
        ("siaga",),
        "SK petugas pendamping kelompok rentan belum diperbarui untuk tahun penilaian.",
        "Terbitkan SK petugas pendamping kelompok rentan tahun berjalan dan umumkan di ruang layanan.",
        "SK petugas pendamping kelompok rentan tahun berjalan telah terbit dan diumumkan.",
    ),
    (
        ("pelatihan",),
        "Baru sebagian kecil petugas layanan yang mengikuti pelatihan pelayanan publik berbasis HAM.",
        "Ikutsertakan seluruh petugas layanan dalam pelatihan/bimbingan teknis pelayanan publik berbasis HAM.",
        "Seluruh petugas layanan telah mengikuti bimbingan teknis P2HAM bersama Kanwil (daftar hadir terlampir).",
    ),
    (
        ("perjanjian kerja sama",),
        "Perjanjian kerja sama dengan penyedia layanan setempat telah berakhir dan belum diperpanjang.",
        "Perpanjang perjanjian kerja sama dengan puskesmas/dinas sosial setempat.",
        "Perjanjian kerja sama dengan puskesmas dan dinas sosial setempat telah diperpanjang.",
    ),
    (
        ("patuh",),
        "Survei pengguna menunjukkan waktu layanan melebihi standar pelayanan yang ditetapkan.",
        "Evaluasi alur layanan dan pantau waktu layanan terhadap standar setiap bulan.",
        "Alur layanan telah disederhanakan; pemantauan tiga bulan menunjukkan waktu layanan sesuai standar.",
    ),
)
GENERIC_THEME = (
    "Data dukung belum menunjukkan bahwa indikator telah terpenuhi sepenuhnya.",
    "Lengkapi pemenuhan indikator dan dokumentasikan dengan data dukung yang sah.",
    "Pemenuhan indikator telah dilengkapi; dokumen dan foto terlampir.",
)
HARD = ("lantai pemandu", "laktasi", "bermain anak", "perjanjian kerja sama", "pelatihan", "toilet", "jalan landai")
REJECT_REASONS = ("jawaban-tidak-sesuai-bukti", "bukti-tidak-lengkap", "sarana-tidak-memadai", "tidak-ditandatangani")


def theme(question: str) -> tuple[str, str, str]:
    """(finding, action, report) for an indicator's question."""
    text = question.lower()
    for keys, finding, action, report in THEMES:
        if any(k in text for k in keys):
            return finding, action, report
    return GENERIC_THEME


@dataclass(frozen=True)
class Line:
    """One indicator of one unit: what is really there, what the unit claimed, and the verdict."""

    indicator: Indicator
    truth: AnswerOption | None  # None: not applicable to the unit's type
    claimed: AnswerOption

    @property
    def applicable(self) -> bool:
        return self.truth is not None

    @property
    def overclaimed(self) -> bool:
        return self.truth is not None and self.claimed.score > self.truth.score


def plan_answers(
    *, key: str, profile: str, unit_type: str, instrument_code: str, indicators: list[Indicator]
) -> list[Line]:
    """Deterministic answers for one unit: ``LOSSES[profile]`` indicators not fully met (hard subjects more
    often), a mandatory one failed for the profile ``mandatory``, and units that claim more than they have."""
    rng = _rng("answers", key)
    limited = LIMITED.get(instrument_code, {})
    applicable = [i for i in indicators if unit_type in limited.get(i.code, frozenset({unit_type}))]
    low, high = LOSSES[profile]
    # As many findings for a unit of any type: in proportion to the indicators that apply to it (of ~22).
    losses = min(round(rng.randint(low, high) * len(applicable) / 22), max(len(applicable) - 1, 0))
    pool = [i for i in applicable if not (i.mandatory and profile != "mandatory")]
    weights = [3 if any(h in i.question.lower() for h in HARD) else 1 for i in pool]
    chosen: dict[str, str] = {}
    if profile == "mandatory":
        mandatory = [i for i in applicable if i.mandatory]
        ramp = next((i for i in mandatory if "jalan landai" in i.question.lower()), None)
        target = ramp or (mandatory[0] if mandatory else None)
        if target is not None:
            chosen[target.code] = "bottom"
        pool = [i for i in pool if not i.mandatory]
        weights = [3 if any(h in i.question.lower() for h in HARD) else 1 for i in pool]
    while len(chosen) < losses and pool:
        pick = rng.choices(range(len(pool)), weights=weights)[0]
        indicator = pool.pop(pick)
        weights.pop(pick)
        chosen[indicator.code] = "middle" if profile == "partial" or rng.random() < 0.6 else "bottom"
    lines = []
    for indicator in indicators:
        options = sorted(indicator.scale.options.all(), key=lambda o: o.score, reverse=True)
        top, bottom = options[0], options[-1]
        middle = options[1] if len(options) > 2 else bottom
        if indicator not in applicable:
            lines.append(Line(indicator, None, bottom))
            continue
        kind = chosen.get(indicator.code)
        truth = top if kind is None else middle if kind == "middle" else bottom
        claimed = top if kind is not None and rng.random() < 0.55 else truth
        lines.append(Line(indicator, truth, claimed))
    return lines


# ---------------------------------------------------------------- helpers


def _at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=REFERENCE_TZ)


@contextmanager
def _clock(when: dt.datetime) -> Iterator[None]:
    """Take a step of last year on the day it happened."""
    with time_machine.travel(when, tick=False):
        yield


@contextmanager
def _no_emails() -> Iterator[None]:
    """Notifications of last year stay in the bell; their e-mails went out back then, not today."""
    connection = transaction.get_connection()
    before = len(connection.run_on_commit)
    try:
        yield
    finally:
        if connection.in_atomic_block:
            connection.run_on_commit[before:] = [
                entry
                for entry in connection.run_on_commit[before:]
                if getattr(entry[1], "func", None) != send_notification_email.enqueue
            ]


class People:
    """The demo accounts the story needs, looked up once."""

    def __init__(self) -> None:
        names = ("ditjen", "verifikator", "verifikator2", "penilai", "penilai2", "penilai3")
        found = {u.username: u for u in User.objects.filter(username__in=names)}
        self.ditjen = found["ditjen"]
        self.verifiers = [found["verifikator"], found["verifikator2"]]
        self.assessors = [found["penilai"], found["penilai2"], found["penilai3"]]
        self.unit_roles: dict[int, dict[str, User]] = defaultdict(dict)
        kanwil: dict[int, list[User]] = defaultdict(list)
        for ra in (
            RoleAssignment.objects.filter(role__in=[Role.OPERATOR, Role.KEPALA_UNIT, Role.KANWIL], unit__isnull=False)
            .select_related("user")
            .order_by("user__username")
        ):
            assert ra.unit_id is not None
            if ra.role == Role.KANWIL:
                kanwil[ra.unit_id].append(ra.user)
            else:
                self.unit_roles[ra.unit_id].setdefault(ra.role, ra.user)
        # The well-known "kanwil" account acts for its Kanwil (Maluku); elsewhere the Kanwil's own account.
        self.kanwil = {
            pk: sorted(users, key=lambda u: (u.username != "kanwil", u.username))[0] for pk, users in kanwil.items()
        }

    def operator(self, unit: Unit) -> User | None:
        return self.unit_roles[unit.pk].get(Role.OPERATOR)

    def head(self, unit: Unit) -> User | None:
        return self.unit_roles[unit.pk].get(Role.KEPALA_UNIT)

    def kanwil_of(self, unit: Unit) -> User:
        assert unit.parent_id is not None
        return self.kanwil[unit.parent_id]


def _indicators(instruments: list[Instrument]) -> dict[int, list[Indicator]]:
    found: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(instrument__in=instruments)
        .select_related("scale", "criterion")
        .prefetch_related("scale__options")
        .order_by("criterion__order", "order", "pk")
    ):
        found[indicator.instrument_id].append(indicator)
    return found


def instruments_carry_over(*, source: Period, target: Period) -> int:
    """The current instruments of ``source`` cloned into the (draft) ``target``, each indicator continuing
    last year's; the default instruments fill any gap afterwards."""
    have = set(target.instruments.values_list("code", flat=True))
    count = 0
    for instrument in source.instruments.filter(current=True).order_by("code"):
        if instrument.code not in have:
            instrument_clone(actor=None, instrument=instrument, period=target)
            count += 1
    return count


def _request(requester: User, period: Period, kanwil: Unit, units: list[Unit], planned: dt.date) -> Declaration:
    """A Kanwil's request to declare its units (with the province's Forkopimda witness)."""
    return declaration_services.declaration_create(
        actor=requester,
        period=period,
        requester_unit=kanwil,
        units=units,
        planned_date=planned,
        planned_venue=f"Aula {kanwil.name}",
        declarer_name="Kepala Kantor Wilayah",
        declarer_position=f"Kepala {kanwil.name}",
        witnesses=[
            declaration_services.WitnessInput(
                f"Perwakilan Pemerintah Provinsi {kanwil.province.name}",
                "Asisten Pemerintahan dan Kesejahteraan Rakyat",
                f"Pemerintah Provinsi {kanwil.province.name}",
                "forkopimda",
            )
        ],
    )


# ---------------------------------------------------------------- last year


@dataclass
class _Unit:
    participant: Participant
    unit: Unit
    assessment: Assessment | None = None
    lines: list[Line] | None = None


class LastYear:
    """Last year's cycle, step by step at its own dates."""

    def __init__(self, *, year: int, now: dt.datetime) -> None:
        self.year = year
        self.now = now
        self.people = People()
        self.files = _Files()
        self.reasons = {r.code: r for r in ReasonCode.objects.all()}
        participants = last_year_participants()
        units = {
            u.code: u
            for u in Unit.objects.filter(code__in=[p.code for p in participants]).select_related(
                "province", "unit_type", "parent"
            )
        }
        self.units = [_Unit(p, units[p.code]) for p in participants if p.code in units]
        self.period: Period
        self.count = 0

    def tick(self, when: dt.datetime) -> dt.datetime:
        """A moment of the step, a few minutes after the previous one (keeps the order of the audit log)."""
        self.count += 1
        return when + dt.timedelta(minutes=7 * (self.count % 60))

    # ------------------------------------------------ preparation and declarations

    def open_period(self) -> None:
        with _clock(_at(self.year, 1, 15)):
            self.period = period_create(actor=None, year=self.year, regulation_label="Permenkumham 25/2023")
            load_default_instruments(actor=None, period=self.period)
            self.period = period_transition(actor=self.people.ditjen, period=self.period, to=Period.Status.OPEN)
        self.instruments = {t.code: i for i in self.period.instruments.filter(current=True) for t in i.unit_types.all()}
        self.indicators = _indicators(list(self.instruments.values()))

    def declare(self) -> None:
        groups: dict[int, list[_Unit]] = defaultdict(list)
        for u in self.units:
            assert u.unit.parent_id is not None
            groups[u.unit.parent_id].append(u)
        kanwils = {k.pk: k for k in Unit.objects.filter(pk__in=groups).select_related("province")}
        for index, (kanwil_id, members) in enumerate(sorted(groups.items(), key=lambda g: kanwils[g[0]].code)):
            kanwil = kanwils[kanwil_id]
            requester = self.people.kanwil[kanwil_id]
            start = _at(self.year, 2, 3, 10) + dt.timedelta(days=3 * index)
            held = (start + dt.timedelta(days=21)).date()
            with _clock(start):
                declaration = _request(requester, self.period, kanwil, [m.unit for m in members], held)
                declaration = declaration_services.declaration_submit(actor=requester, declaration=declaration)
            with _clock(start + dt.timedelta(days=4, hours=4)):
                declaration = declaration_services.declaration_approve(
                    actor=self.people.ditjen,
                    declaration=declaration,
                    ditjen_witness=declaration_services.WitnessInput(
                        "Direktur Pelayanan Publik HAM", "Direktur", "", "ditjen"
                    ),
                )
            with _clock(dt.datetime.combine(held, dt.time(15, 0), tzinfo=REFERENCE_TZ)):
                declaration = declaration_services.ceremony_record(
                    actor=requester,
                    declaration=declaration,
                    actual_date=held,
                    actual_venue=f"Aula {kanwil.name}",
                    present=list(declaration.witnesses.values_list("pk", flat=True)),
                    extra_witnesses=[],
                    minutes=SimpleUploadedFile("berita-acara.pdf", self.files._pdf + f"\n% {kanwil.code}\n".encode()),
                    photos=[SimpleUploadedFile("foto-pencanangan.png", _png(f"Pencanangan {kanwil.code}", index))],
                )
            with _clock(dt.datetime.combine(held + dt.timedelta(days=1), dt.time(10, 0), tzinfo=REFERENCE_TZ)):
                self._sign(declaration)
            with _clock(dt.datetime.combine(held + dt.timedelta(days=2), dt.time(11, 0), tzinfo=REFERENCE_TZ)):
                declaration_services.declaration_complete(actor=self.people.ditjen, declaration=declaration)

    def _sign(self, declaration: Declaration) -> None:
        """Every head uploads the wet-signed statement (in bulk: most of last year's units have no demo
        account), stored and audited as ``statement_sign_upload`` does."""
        entries = []
        for participant in DeclarationUnit.objects.filter(declaration=declaration).select_related("unit__province"):
            unit = participant.unit
            head = self.people.head(unit)
            if head is not None:
                name, nip = head.full_name, head.nip or ""
            else:  # a head without a demo account: the name the statement would carry
                name, nip = _person(f"kepala.{unit.code.lower()}", "kepala_unit", unit.province.code)[0], ""
            data = self.files._pdf + f"\n% pernyataan {participant.unit.code}\n".encode()
            participant.signed_file, participant.signed_sha256 = store_private_bytes(
                data, folder=f"declarations/{declaration.pk}", kind="pdf"
            )
            participant.signature = DeclarationUnit.Signature.UPLOAD
            participant.signed_by, participant.signed_at = head, timezone.now()
            participant.head_name, participant.head_nip = name, nip
            participant.save()
            entries.append(
                audit_entry(
                    actor=head,
                    action="declaration.sign",
                    target=declaration,
                    unit=participant.unit,
                    data={"method": "upload", "sha256": participant.signed_sha256},
                )
            )
        audit_log_many(entries)

    # ------------------------------------------------ evaluation and self-assessment

    def evaluate(self) -> None:
        eligible = [u for u in self.units if u.participant.profile != "not_eligible"]
        by_kanwil: dict[int, list[_Unit]] = defaultdict(list)
        for u in eligible:
            assert u.unit.parent_id is not None
            by_kanwil[u.unit.parent_id].append(u)
        for index, (_kanwil, members) in enumerate(sorted(by_kanwil.items())):
            with _clock(self.tick(_at(self.year, 7, 7 + index % 4, 9))):
                decided = assessment_services.evaluation_decide_many(
                    actor=self.people.ditjen, period=self.period, units=[m.unit for m in members], eligible=True
                )
            for member, assessment in zip(members, decided, strict=True):
                member.assessment = assessment
        reasons = (
            "1. Maklumat pelayanan belum ditetapkan dan ditandatangani Kepala Unit Kerja.\n"
            "2. Belum tersedia sarana pengaduan yang mudah diakses kelompok rentan.",
            "1. Belum tersedia jalan landai (ramp) pada pintu masuk layanan.\n"
            "2. Belum ada petugas yang ditunjuk melayani kelompok rentan.",
            "Unit kerja sedang dalam renovasi gedung pelayanan; sarana utama belum dapat dinilai tahun ini.",
            "1. Standar pelayanan belum ditetapkan.\n2. Toilet bagi penyandang disabilitas belum tersedia.",
        )
        for index, u in enumerate(x for x in self.units if x.participant.profile == "not_eligible"):
            with _clock(self.tick(_at(self.year, 7, 11, 14))):
                u.assessment = assessment_services.evaluation_decide(
                    actor=self.people.ditjen,
                    period=self.period,
                    unit=u.unit,
                    eligible=False,
                    reasons=reasons[index % len(reasons)],
                )

    def fill_and_submit(self) -> None:
        for index, u in enumerate(u for u in self.units if u.participant.profile != "not_eligible"):
            assert u.assessment is not None
            instrument = self.instruments[u.unit.unit_type.code]
            u.lines = plan_answers(
                key=f"{self.year}:{u.unit.code}",
                profile=u.participant.profile,
                unit_type=u.unit.unit_type.code,
                instrument_code=instrument.code,
                indicators=self.indicators[instrument.pk],
            )
            share = 0.6 if u.participant.profile == "unsubmitted" else 1.0
            with _clock(self.tick(_at(self.year, 8, 4 + index % 25, 10))):
                self._answers(u, share)
            if u.participant.profile == "unsubmitted":
                continue
            head = self.people.head(u.unit)
            with _clock(self.tick(_at(self.year, 9, 8 + index % 20, 13))):
                assessment = Assessment.objects.select_related("unit__province", "period").get(pk=u.assessment.pk)
                assessment.submitted_by, assessment.submitted_at = head, timezone.now()
                _move(actor=head, assessment=assessment, to=S.SUBMITTED)
                u.assessment = assessment

    def _answers(self, u: _Unit, share: float) -> None:
        """The unit's answers and evidence, as ``answer_save`` and ``evidence_add`` store them."""
        assert u.assessment is not None and u.lines is not None
        assessment, unit = u.assessment, u.unit
        actor = self.people.operator(unit)
        uploader = actor or self.people.kanwil_of(unit)  # Kanwil staff upload for units without an operator
        lines = u.lines[: round(len(u.lines) * share)]
        blobs = []
        shade = len(unit.code)
        for kind, data in (
            ("png", _png(f"{unit.code} foto sarana 1", shade)),
            ("png", _png(f"{unit.code} foto sarana 2", shade + 7)),
            ("pdf", self.files._pdf + f"\n% {unit.code} dokumen 1\n".encode()),
            ("pdf", self.files._pdf + f"\n% {unit.code} dokumen 2\n".encode()),
        ):
            name, sha = store_private_bytes(data, folder=f"evidence/{self.year}/{unit.pk}", kind=kind)
            blobs.append(
                EvidenceBlob(
                    assessment=assessment,
                    sha256=sha,
                    storage_name=name,
                    size=len(data),
                    kind=kind,
                    content_type="image/png" if kind == "png" else "application/pdf",
                )
            )
        EvidenceBlob.objects.bulk_create(blobs)
        Assessment.objects.filter(pk=assessment.pk).update(evidence_bytes=sum(b.size for b in blobs))
        answers = []
        for line in lines:
            note = ""
            if not line.applicable:
                note = f"Indikator ini tidak berlaku bagi {unit.unit_type.name}."
            elif line.claimed.score < 100:
                note = "Pemenuhan masih dalam proses; anggaran perbaikan diajukan tahun ini."
            answers.append(
                Answer(
                    assessment=assessment,
                    indicator=line.indicator,
                    indicator_code=line.indicator.code,
                    option=line.claimed,
                    note=note,
                    updated_by=actor,
                    version=1,
                )
            )
        Answer.objects.bulk_create(answers)
        evidence = []
        for answer, line in zip(answers, lines, strict=True):
            indicator = line.indicator
            needed = indicator.evidence_min_files if indicator.evidence_required else 0
            allowed = indicator.evidence_kinds or ["pdf", "png"]
            usable = [b for b in blobs if b.kind in allowed]
            for number, blob in enumerate(usable[:needed], start=1):
                evidence.append(
                    Evidence(
                        answer=answer,
                        blob=blob,
                        original_name=f"{indicator.code}-{number}.{blob.kind}",
                        uploaded_by=uploader,
                    )
                )
        Evidence.objects.bulk_create(evidence)
        audit_log_many(
            [
                audit_entry(
                    actor=actor,
                    action="assessment.answer.save",
                    target=assessment,
                    unit=unit,
                    data={
                        "indicator": a.indicator_code,
                        "option": a.option.label if a.option else None,
                        "note_chars": len(a.note),
                    },
                )
                for a in answers
            ]
            + [
                audit_entry(
                    actor=uploader,
                    action="assessment.evidence.add",
                    target=assessment,
                    unit=unit,
                    data={
                        "indicator": e.answer.indicator_code,
                        "evidence": e.pk,
                        "sha256": e.blob.sha256,
                        "size": e.blob.size,
                        "kind": e.blob.kind,
                        "replaces": None,
                    },
                )
                for e in evidence
            ]
        )

    # ------------------------------------------------ Kanwil review, verification, panel

    def review_and_verify(self) -> None:
        self.refresh()
        submitted = [u for u in self.units if u.assessment is not None and u.assessment.status == S.SUBMITTED]
        for index, u in enumerate(submitted):
            assert u.assessment is not None and u.lines is not None
            kanwil = self.people.kanwil_of(u.unit)
            day = 1 + index % 8
            if index % 2:
                with _clock(self.tick(_at(self.year, 10, day, 9))):
                    assessment_services.assessment_review_start(actor=kanwil, assessment=u.assessment)
                day += 1
            with _clock(self.tick(_at(self.year, 10, day, 15))):
                assessment_services.assessment_forward(
                    actor=kanwil, assessment=u.assessment, note="Telah direviu Kanwil; data dukung lengkap."
                )
            verifier = self.people.verifiers[index % 2]
            with _clock(self.tick(_at(self.year, 10, 12, 8))):
                review_services.verifier_assign(actor=self.people.ditjen, assessment=u.assessment, verifier=verifier)
            with _clock(self.tick(_at(self.year, 10, 14 + index % 10, 10))):
                self._verdicts(u, verifier)
            with _clock(self.tick(_at(self.year, 10, 15 + index % 12, 16))):
                review_services.verification_complete(actor=verifier, assessment=u.assessment)
            chair = self.people.assessors[index % 3]
            member = self.people.assessors[(index + 1) % 3]
            with _clock(self.tick(_at(self.year, 10, 29 + index % 3, 9))):
                review_services.panel_assign(
                    actor=self.people.ditjen, assessment=u.assessment, assessor=chair, chair=True
                )
                review_services.panel_assign(actor=self.people.ditjen, assessment=u.assessment, assessor=member)

    def _verdicts(self, u: _Unit, verifier: User) -> None:
        """The verifier's verdict on every indicator, as ``verification_save`` stores it."""
        assert u.assessment is not None and u.lines is not None
        rng = _rng("verdicts", self.year, u.unit.code)
        rows = []
        for line in u.lines:
            finding = theme(line.indicator.question)[0]
            if not line.applicable:
                rows.append(
                    Verification(
                        indicator_code=line.indicator.code,
                        verdict=Verdict.NOT_APPLICABLE,
                        option=None,
                        reason=self.reasons.get("tidak-berlaku-unit"),
                        note="",
                    )
                )
            elif line.overclaimed:
                rows.append(
                    Verification(
                        indicator_code=line.indicator.code,
                        verdict=Verdict.REJECTED,
                        option=line.truth,
                        reason=self.reasons[rng.choice(REJECT_REASONS)],
                        note=finding,
                    )
                )
            elif line.truth is not None and line.truth.score < 100:
                rows.append(
                    Verification(
                        indicator_code=line.indicator.code,
                        verdict=Verdict.ACCEPTED,
                        option=line.truth,
                        reason=None,
                        note=finding,
                    )
                )
            else:
                note = "Data dukung sesuai." if rng.random() < 0.2 else ""
                rows.append(
                    Verification(
                        indicator_code=line.indicator.code,
                        verdict=Verdict.ACCEPTED,
                        option=line.truth,
                        reason=None,
                        note=note,
                    )
                )
        for v in rows:
            v.assessment, v.verified_by, v.round, v.version = u.assessment, verifier, 0, 1
        Verification.objects.bulk_create(rows)
        audit_log_many(
            [
                audit_entry(
                    actor=verifier,
                    action="verification.save",
                    target=u.assessment,
                    unit=u.unit,
                    data={
                        "indicator": v.indicator_code,
                        "verdict": v.verdict,
                        "option": v.option.label if v.option else None,
                        "reason": v.reason.code if v.reason else None,
                        "round": 0,
                    },
                )
                for v in rows
            ]
        )

    def refresh(self) -> None:
        """Read the assessments again: the services move fresh copies of them."""
        fresh = Assessment.objects.select_related("unit__province", "period", "instrument").in_bulk(
            [u.assessment.pk for u in self.units if u.assessment is not None]
        )
        for u in self.units:
            if u.assessment is not None:
                u.assessment = fresh[u.assessment.pk]

    def score(self) -> None:
        self.refresh()
        in_panel = [u for u in self.units if u.assessment is not None and u.assessment.status == S.IN_PANEL]
        for index, u in enumerate(in_panel):
            assert u.assessment is not None and u.lines is not None
            profile = u.participant.profile
            seats = list(PanelAssignment.objects.filter(assessment=u.assessment).select_related("assessor"))
            chair = next(s for s in seats if s.chair)
            rng = _rng("panel", self.year, u.unit.code)
            # In a few panels one assessor saw an indicator differently: the chair moderates it.
            disputed = None
            partial = [line for line in u.lines if line.truth is not None and 0 < line.truth.score < 100]
            if index % 9 == 4 and partial:
                disputed = partial[0]
            with _clock(self.tick(_at(self.year, 11, 3 + index % 12, 10))):
                scores, entries = [], []
                for seat in seats:
                    for line in u.lines:
                        if line.truth is None:
                            continue
                        option = line.truth
                        if disputed is line and not seat.chair:
                            option = line.indicator.scale.options.order_by("-score").first() or option
                        scores.append(
                            PanelScore(assignment=seat, indicator_code=line.indicator.code, option=option, version=1)
                        )
                        entries.append(
                            audit_entry(
                                actor=seat.assessor,
                                action="panel.score.save",
                                target=u.assessment,
                                unit=u.unit,
                                data={
                                    "indicator": line.indicator.code,
                                    "option": option.label,
                                    "score": str(option.score),
                                },
                            )
                        )
                    entries.append(
                        audit_entry(
                            actor=seat.assessor,
                            action="panel.submit",
                            target=u.assessment,
                            unit=u.unit,
                            data={"seat": seat.pk},
                        )
                    )
                PanelScore.objects.bulk_create(scores)
                PanelAssignment.objects.filter(pk__in=[s.pk for s in seats]).update(submitted_at=timezone.now())
                audit_log_many(entries)
            with _clock(self.tick(_at(self.year, 11, 17 + index % 5, 10))):
                actor = chair.assessor
                if disputed is not None and disputed.truth is not None:
                    services_panel.panel_moderate(
                        actor=actor,
                        assessment=u.assessment,
                        indicator_code=disputed.indicator.code,
                        option_id=disputed.truth.pk,
                        note="Hasil uji petik: pemenuhan baru sebagian; tim menyepakati nilai sesuai verifikasi.",
                    )
                self._adjust(u, actor, rng)
                if profile == "veto":
                    services_panel.veto_set(
                        actor=actor,
                        assessment=u.assessment,
                        reasons="Terdapat pemberitaan dan laporan masyarakat yang terbukti tentang pungutan liar "
                        "pada layanan kunjungan selama tahun penilaian (isu aktual); unit dicoret dari penilaian.",
                    )
                services_panel.panel_finish(
                    actor=actor, assessment=u.assessment, note="Hasil penilaian disepakati Tim Penilai."
                )

    def _adjust(self, u: _Unit, chair: User, rng: random.Random) -> None:
        assert u.assessment is not None
        profile = u.participant.profile
        if profile in ("awarded", "partial", "revoked") and rng.random() < 0.35:
            services_panel.adjustment_add(
                actor=chair,
                assessment=u.assessment,
                kind="wbk_wbbm",
                points=str(rng.choice((2, 3, 4))),
                justification="Unit meraih predikat Wilayah Bebas dari Korupsi (WBK) berdasarkan Keputusan "
                "Menteri PANRB tahun berjalan.",
            )
        if profile == "awarded" and rng.random() < 0.25:
            services_panel.adjustment_add(
                actor=chair,
                assessment=u.assessment,
                kind="ikm",
                points=str(rng.choice(("1", "1.5", "2"))),
                justification="Indeks Kepuasan Masyarakat semester terakhir berkategori Sangat Baik (survei SKM).",
            )
        if profile == "below" and rng.random() < 0.6:
            services_panel.adjustment_add(
                actor=chair,
                assessment=u.assessment,
                kind="complaints",
                points=str(-rng.choice((2, 3, 5))),
                justification="Terdapat pengaduan masyarakat melalui SP4N-LAPOR! yang terbukti dan belum "
                "ditindaklanjuti tuntas.",
            )

    # ------------------------------------------------ decree, revocation, follow-up, closing

    def determine(self) -> None:
        with _clock(_at(self.year, 12, 8, 10)):
            services.determine(
                actor=self.people.ditjen,
                period=self.period,
                decree_number=f"M.HA-{(self.year % 100) - 10:02d}.HA.04.02 TAHUN {self.year}",
                decree_date=dt.date(self.year, 12, 8),
                signatory_name="Dr. Hendrawan Saputra Wibisono, S.H., M.H.",
                signatory_title="Menteri Hak Asasi Manusia Republik Indonesia",
            )

    def span(self, fraction: float) -> dt.datetime:
        """A moment of the follow-up year: 0 a week after the decree, 1 two days ago (rounded to a workday
        hour, never in the future)."""
        start = _at(self.year, 12, 15, 9)
        end = self.now - dt.timedelta(days=2)
        moment = start + (end - start) * max(0.0, min(1.0, fraction))
        moment = moment.astimezone(REFERENCE_TZ).replace(
            hour=9 + int(fraction * 1000) % 7, minute=0, second=0, microsecond=0
        )
        return min(moment, self.now - dt.timedelta(hours=1))

    def revoke(self) -> None:
        revoked = [u for u in self.units if u.participant.profile == "revoked"]
        for u in revoked:
            certificate = Certificate.objects.filter(result__unit=u.unit, result__period=self.period).first()
            if certificate is None:
                continue
            with _clock(self.span(0.45)):
                services.certificate_revoke(
                    actor=self.people.ditjen,
                    certificate=certificate,
                    reason="Laporan hasil pemeriksaan Inspektorat Jenderal menemukan pungutan liar pada layanan "
                    "kunjungan selama tahun penilaian; predikat dicabut atas rekomendasi Tim Penilai.",
                )

    def close(self) -> None:
        with _clock(min(_at(self.year + 1, 1, 30, 16), self.now - dt.timedelta(hours=2))):
            period_transition(actor=self.people.ditjen, period=self.period, to=Period.Status.CLOSED)

    def follow_up(self) -> dict[str, int]:
        """Every follow-up state: proposed, confirmed (some overdue), reported, sent back, closed, dismissed."""
        actions = list(
            FollowUpAction.objects.filter(period=self.period)
            .select_related("unit__province", "unit__parent", "result")
            .order_by("unit__code", "indicator_code")
        )
        staffed = {u.unit.pk for u in self.units if self.people.operator(u.unit) is not None}
        forced = {
            "LAPAS-81-AMBON": ["reported", "closed", "overdue", "confirmed", "proposed", "dismissed"],
            "RUTAN-81-AMBON": ["overdue", "reported", "sent_back", "closed", "confirmed", "proposed", "dismissed"],
        }
        seen: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        for action in actions:
            rng = _rng("follow-up", self.year, action.unit.code, action.indicator_code)
            plan = forced.get(action.unit.code, [])
            if seen[action.unit.code] < len(plan):
                fate = plan[seen[action.unit.code]]
            elif action.unit_id in staffed:
                fate = rng.choices(
                    ("proposed", "confirmed", "overdue", "reported", "sent_back", "closed", "dismissed"),
                    weights=(8, 15, 15, 20, 5, 30, 7),
                )[0]
            else:
                fate = rng.choices(("proposed", "confirmed", "overdue", "dismissed"), weights=(30, 30, 28, 12))[0]
            seen[action.unit.code] += 1
            counts[fate] += 1
            self._fate(action, fate, rng)
        return dict(counts)

    def _fate(self, action: FollowUpAction, fate: str, rng: random.Random) -> None:
        _finding, todo, done = theme(action.indicator_question)
        kanwil = self.people.kanwil_of(action.unit)
        manager = kanwil if rng.random() < 0.75 else self.people.ditjen
        if fate == "proposed":
            return
        if fate == "dismissed":
            with _clock(self.span(rng.uniform(0.05, 0.3))):
                services.follow_up_dismiss(
                    actor=manager,
                    action=action,
                    reason="Sudah tertangani: pada pembangunan gedung layanan baru tahun ini sarana ini dibangun "
                    "sesuai standar.",
                )
            return
        confirmed_at = self.span(rng.uniform(0.02, 0.15))
        today = timezone.localdate(self.now, action.unit.tzinfo)
        confirm_day = timezone.localdate(confirmed_at, action.unit.tzinfo)
        if fate == "overdue":
            room = max((today - confirm_day).days - 3, 2)
            due = confirm_day + dt.timedelta(days=rng.randint(max(room // 3, 1), room))
        elif fate == "confirmed":
            due = today + dt.timedelta(days=rng.randint(20, 75))
        else:
            due = confirm_day + dt.timedelta(days=rng.randint(90, 150))
        with _clock(confirmed_at):
            action = services.follow_up_confirm(actor=manager, action=action, action_text=todo, due_date=due)
        if fate in ("confirmed", "overdue"):
            return
        reporter = self.people.operator(action.unit) or self.people.head(action.unit)
        assert reporter is not None
        first = rng.uniform(0.35, 0.6)
        with _clock(self.span(first)):
            action = services.follow_up_report(
                actor=reporter,
                action=action,
                report=done,
                files=[
                    SimpleUploadedFile(
                        f"tindak-lanjut-{action.indicator_code}.png",
                        _png(f"{action.unit.code} {action.indicator_code}", action.pk),
                    )
                ],
            )
        if fate == "sent_back":
            with _clock(self.span(first + 0.08)):
                action = services.follow_up_review(
                    actor=kanwil,
                    action=action,
                    accept=False,
                    note="Foto belum menunjukkan hasil akhir pekerjaan; lampirkan foto setelah selesai dan "
                    "berita acara serah terima.",
                )
            with _clock(self.span(first + 0.25)):
                action = services.follow_up_report(
                    actor=reporter,
                    action=action,
                    report=done + " Berita acara serah terima pekerjaan terlampir.",
                    files=[
                        SimpleUploadedFile(
                            f"bast-{action.indicator_code}.pdf", self.files._pdf + f"\n% BAST {action.pk}\n".encode()
                        )
                    ],
                )
            return
        if fate == "closed":
            with _clock(self.span(min(first + rng.uniform(0.04, 0.2), 0.98))):
                services.follow_up_review(
                    actor=kanwil, action=action, accept=True, note="Telah dicek saat kunjungan pembinaan; sesuai."
                )

    def read_old_notifications(self) -> None:
        Notification.objects.filter(read_at__isnull=True, created_at__lt=self.now - dt.timedelta(days=14)).update(
            read_at=F("created_at")
        )


def seed_demo_last_year(*, now: dt.datetime | None = None) -> str:
    """Last year's complete cycle (once, on an empty database: before the current year is created)."""
    now = now or timezone.now()
    year = timezone.localdate(now).year - 1
    if Period.objects.exists():
        return "Demo last year: periods exist already; left as they are."
    with _no_emails():
        story = LastYear(year=year, now=now)
        story.open_period()
        story.declare()
        story.evaluate()
        story.fill_and_submit()
        story.review_and_verify()
        story.score()
        story.determine()
        story.close()
        story.revoke()
        fates = story.follow_up()
        story.read_old_notifications()
    results = story.period.determination.results.count()
    awarded = story.period.determination.results.filter(predicate=True).count()
    return (
        f"Demo {year}: {len(story.units)} units declared, {results} determined ({awarded} awarded, one "
        f"certificate revoked); follow-up: " + ", ".join(f"{n} {k}" for k, n in sorted(fates.items())) + "."
    )


# ---------------------------------------------------------------- the current year

# Staffed units that join the current year, and how far each has come (the assessments and reviews demos
# already hold two drafts, one not eligible, one returned for repair, one with its panel and one scored).
CURRENT_STAGES: dict[str, tuple[str, str]] = {
    "LAPAS-53-KUPANG": (S.SUBMITTED, "awarded"),
    "LAPAS-51-KEROBOKAN": (S.IN_KANWIL_REVIEW, "awarded"),
    "LAPAS-11-BANDA-ACEH": (S.IN_VERIFICATION, "awarded"),
    "RUTAN-32-BANDUNG": (S.VERIFIED, "awarded"),
    "LAPAS-91-ABEPURA": (S.SCORED, "top"),
    "KANIM-96-SORONG": (S.SCORED, "below"),
    "LAPAS-94-NABIRE": (S.DRAFT, "awarded"),
    "RUPBASAN-16-PALEMBANG": (S.DRAFT, "awarded"),
}
PARTLY_FILLED = {"LAPAS-94-NABIRE": 0.45, "RUPBASAN-16-PALEMBANG": 0.0}
DECLARED_NOT_EVALUATED = ("LAPAS-65-TARAKAN",)
# A request still waiting for Ditjen HAM's approval.
PENDING_DECLARATION = ("KANWIL-31", ("RUDENIM-31-JAKARTA", "LAPASNAR-31-JAKARTA", "RUPBASAN-31-JAKARTA-PUSAT"))


class CurrentYear:
    """The extra units of the current year, through the real services from declaration to their stage."""

    def __init__(self, *, period: Period, passwords: dict[str, str]) -> None:
        self.period = period
        self.passwords = passwords
        self.people = People()
        self.files = _Files()
        codes = [*CURRENT_STAGES, *DECLARED_NOT_EVALUATED]
        self.units = {
            u.code: u for u in Unit.objects.filter(code__in=codes).select_related("province", "unit_type", "parent")
        }
        self.instruments = {t.code: i for i in period.instruments.filter(current=True) for t in i.unit_types.all()}
        self.indicators = _indicators(list(set(self.instruments.values())))

    def declare(self) -> None:
        """One declaration per Kanwil, approved, held today and signed by every head (a scanned statement)."""
        groups: dict[int, list[Unit]] = defaultdict(list)
        for unit in self.units.values():
            assert unit.parent_id is not None
            groups[unit.parent_id].append(unit)
        kanwils = Unit.objects.select_related("province").in_bulk(list(groups))
        for kanwil_id, units in sorted(groups.items(), key=lambda g: kanwils[g[0]].code):
            kanwil = kanwils[kanwil_id]
            requester = self.people.kanwil[kanwil_id]
            today = timezone.localdate(timezone=kanwil.tzinfo)
            declaration = _request(requester, self.period, kanwil, sorted(units, key=lambda u: u.code), today)
            declaration_services.declaration_submit(actor=requester, declaration=declaration)
            declaration = declaration_services.declaration_approve(
                actor=self.people.ditjen,
                declaration=declaration,
                ditjen_witness=declaration_services.WitnessInput(
                    "Direktur Pelayanan Publik HAM", "Direktur", "", "ditjen"
                ),
            )
            declaration = declaration_services.ceremony_record(
                actor=requester,
                declaration=declaration,
                actual_date=today,
                actual_venue=f"Aula {kanwil.name}",
                present=list(declaration.witnesses.values_list("pk", flat=True)),
                extra_witnesses=[],
                minutes=SimpleUploadedFile("berita-acara.pdf", self.files._pdf + f"\n% {kanwil.code}\n".encode()),
                photos=[SimpleUploadedFile("foto-pencanangan.png", _png(f"Pencanangan {kanwil.code}", kanwil.pk))],
            )
            for participant in declaration.units.select_related("unit"):
                head = self.people.head(participant.unit)
                assert head is not None
                scan = self.files._pdf + f"\n% pernyataan {participant.unit.code}\n".encode()
                statements.statement_sign_upload(
                    actor=head, participant=participant, uploaded=SimpleUploadedFile("pernyataan.pdf", scan)
                )
        kanwil_code, codes = PENDING_DECLARATION
        kanwil = Unit.objects.select_related("province").get(code=kanwil_code)
        requester = self.people.kanwil[kanwil.pk]
        declaration = _request(
            requester,
            self.period,
            kanwil,
            list(Unit.objects.filter(code__in=codes).order_by("code")),
            timezone.localdate(timezone=kanwil.tzinfo) + dt.timedelta(days=10),
        )
        declaration_services.declaration_submit(actor=requester, declaration=declaration)

    def advance(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for index, (code, (stage, profile)) in enumerate(CURRENT_STAGES.items()):
            unit = self.units.get(code)
            if unit is None:
                continue
            assessment = assessment_services.evaluation_decide(
                actor=self.people.ditjen, period=self.period, unit=unit, eligible=True
            )
            instrument = self.instruments[unit.unit_type.code]
            lines = plan_answers(
                key=f"{self.period.year}:{code}",
                profile=profile,
                unit_type=unit.unit_type.code,
                instrument_code=instrument.code,
                indicators=self.indicators[instrument.pk],
            )
            share = PARTLY_FILLED.get(code, 1.0)
            self._answer(assessment, unit, lines, share)
            if stage != S.DRAFT:
                self._advance(assessment, unit, lines, stage, index)
            counts[stage] += 1
        return dict(counts)

    def _answer(self, assessment: Assessment, unit: Unit, lines: list[Line], share: float) -> None:
        operator = self.people.operator(unit)
        assert operator is not None
        # The unit's photos and documents: one content can serve several indicators (stored once).
        files = [
            ("png", "foto-1.png", _png(f"{unit.code} foto 1", unit.pk)),
            ("png", "foto-2.png", _png(f"{unit.code} foto 2", unit.pk + 9)),
            ("pdf", "dokumen-1.pdf", self.files._pdf + f"\n% {unit.code} 1\n".encode()),
            ("pdf", "dokumen-2.pdf", self.files._pdf + f"\n% {unit.code} 2\n".encode()),
        ]
        for line in lines[: round(len(lines) * share)]:
            note = ""
            if not line.applicable:
                note = f"Indikator ini tidak berlaku bagi {unit.unit_type.name}."
            elif line.claimed.score < 100:
                note = "Sedang dalam proses pengadaan; target selesai akhir tahun."
            assessment_services.answer_save(
                actor=operator,
                assessment=assessment,
                indicator_code=line.indicator.code,
                option_id=line.claimed.pk,
                note=note,
            )
            needed = line.indicator.evidence_min_files if line.indicator.evidence_required else 0
            allowed = line.indicator.evidence_kinds or ["pdf", "png"]
            usable = [(name, data) for kind, name, data in files if kind in allowed]
            for name, data in usable[:needed]:
                assessment_services.evidence_add(
                    actor=operator,
                    assessment=assessment,
                    indicator_code=line.indicator.code,
                    uploaded=SimpleUploadedFile(f"{line.indicator.code}-{name}", data),
                )

    def _advance(self, assessment: Assessment, unit: Unit, lines: list[Line], stage: str, index: int) -> None:
        order = [S.SUBMITTED, S.IN_KANWIL_REVIEW, S.IN_VERIFICATION, S.VERIFIED, S.IN_PANEL, S.SCORED]
        reach = order.index(stage)  # type: ignore[arg-type]
        head = self.people.head(unit)
        assert head is not None
        assessment = assessment_services.assessment_submit(actor=head, assessment=assessment)
        if reach < 1:
            return
        kanwil = self.people.kanwil_of(unit)
        assessment_services.assessment_review_start(actor=kanwil, assessment=assessment)
        if reach < 2:
            return
        assessment_services.assessment_forward(
            actor=kanwil, assessment=assessment, note="Telah direviu Kanwil; data dukung lengkap."
        )
        verifier = self.people.verifiers[index % 2]
        review_services.verifier_assign(actor=self.people.ditjen, assessment=assessment, verifier=verifier)
        verify_lines = lines if reach >= 3 else lines[: len(lines) // 2 if index % 2 == 0 else 0]
        for line in verify_lines:
            self._verdict(assessment, verifier, line)
        if reach < 3:
            return
        review_services.verification_complete(actor=verifier, assessment=assessment)
        chair, member = self.people.assessors[index % 3], self.people.assessors[(index + 1) % 3]
        review_services.panel_assign(actor=self.people.ditjen, assessment=assessment, assessor=chair, chair=True)
        if reach < 4:
            return  # verified: the panel waits for its second assessor
        review_services.panel_assign(actor=self.people.ditjen, assessment=assessment, assessor=member)
        assessment.refresh_from_db()
        seats = (member, chair) if reach >= 5 else (member,)
        for assessor in seats:
            for line in lines:
                if line.truth is not None:
                    services_panel.panel_score_save(
                        actor=assessor,
                        assessment=assessment,
                        indicator_code=line.indicator.code,
                        option_id=line.truth.pk,
                    )
            services_panel.panel_submit(actor=assessor, assessment=assessment)
        if reach >= 5:
            services_panel.panel_finish(actor=chair, assessment=assessment, note="Hasil penilaian disepakati.")

    def _verdict(self, assessment: Assessment, verifier: User, line: Line) -> None:
        finding = theme(line.indicator.question)[0]
        if not line.applicable:
            review_services.verification_save(
                actor=verifier,
                assessment=assessment,
                indicator_code=line.indicator.code,
                verdict=Verdict.NOT_APPLICABLE,
                reason_code="tidak-berlaku-unit",
            )
        elif line.overclaimed:
            assert line.truth is not None
            review_services.verification_save(
                actor=verifier,
                assessment=assessment,
                indicator_code=line.indicator.code,
                verdict=Verdict.REJECTED,
                option_id=line.truth.pk,
                reason_code="jawaban-tidak-sesuai-bukti",
                note=finding,
            )
        else:
            assert line.truth is not None
            review_services.verification_save(
                actor=verifier,
                assessment=assessment,
                indicator_code=line.indicator.code,
                verdict=Verdict.ACCEPTED,
                option_id=line.truth.pk,
                note=finding if line.truth.score < 100 else "",
            )


def seed_demo_current_year(*, period: Period, passwords: dict[str, str]) -> str:
    """More units of the current year, one or two at every stage before determination (once per period)."""
    if (
        period.status != Period.Status.OPEN
        or Assessment.objects.filter(period=period, unit__code__in=list(CURRENT_STAGES)).exists()
    ):
        return "Demo current year: already there (or the period is not open); left as it is."
    story = CurrentYear(period=period, passwords=passwords)
    story.declare()
    counts = story.advance()
    return (
        f"Demo {period.year}: {sum(counts.values())} more units: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + "; one declaration awaiting approval, one unit declared but not yet evaluated."
    )
