"""Fixtures for the pencanangan: an open period whose declaration stage is open today, and the heads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.declarations.services import WitnessInput
from p2ham.instruments.defaults import load_default_instruments
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period, Stage
from p2ham.periods.services import period_create, period_transition, stage_window_set


@pytest.fixture
def open_period(admin_user):
    today = timezone.localdate()
    period = period_create(actor=admin_user, year=today.year + 1, regulation_label="Permenkumham 25/2023")
    stage_window_set(
        actor=admin_user,
        period=period,
        stage=Stage.PENCANANGAN,
        opens_at=dt.datetime.combine(today - dt.timedelta(days=10), dt.time(0, 0), tzinfo=REFERENCE_TZ),
        closes_at=dt.datetime.combine(today + dt.timedelta(days=60), dt.time(23, 59), tzinfo=REFERENCE_TZ),
    )
    load_default_instruments(actor=admin_user, period=period)
    return period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)


@pytest.fixture
def heads(tree, kepala):
    """The heads of the Kanwil, the Lapas (``kepala``) and the Rutan in Ambon."""
    kanwil_head = UserFactory(username="kakanwil", full_name="Hendrik Pattiradjawane", nip="197501152000031001")
    RoleAssignmentFactory(user=kanwil_head, role=Role.KEPALA_UNIT, unit=tree.kanwil_maluku)
    rutan_head = UserFactory(username="karutan", full_name="Maria Latumahina", nip="198002202005022001")
    RoleAssignmentFactory(user=rutan_head, role=Role.KEPALA_UNIT, unit=tree.rutan_ambon)
    return {"KANWIL-81": kanwil_head, "LAPAS-AMBON": kepala, "RUTAN-AMBON": rutan_head}


def witnesses():
    return [
        WitnessInput(
            name="Ir. Murad Ismail",
            position="Gubernur Maluku",
            institution="Pemerintah Provinsi Maluku",
            kind="forkopimda",
        ),
        WitnessInput(
            name="Brigjen Pol. Adi", position="Wakapolda Maluku", institution="Polda Maluku", kind="forkopimda"
        ),
    ]


def request_data(tree, **changes):
    data = {
        "requester_unit": tree.kanwil_maluku,
        "units": [tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon],
        "planned_date": timezone.localdate() + dt.timedelta(days=14),
        "planned_venue": "Aula Kanwil Maluku, Ambon",
        "declarer_name": "Hendrik Pattiradjawane",
        "declarer_position": "Kepala Kantor Wilayah Maluku",
        "witnesses": witnesses(),
    }
    data.update(changes)
    return data


def pdf_file(name="berita-acara.pdf"):
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def png_file(name="foto.png"):
    from PIL import Image  # pillow comes with weasyprint

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
