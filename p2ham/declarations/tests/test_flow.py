"""The whole pencanangan as services: request → return → resubmit → approve → ceremony → three heads
sign → complete → the units are declared."""

import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from p2ham.audit.models import AuditEntry
from p2ham.declarations import selectors, services, statements
from p2ham.declarations.models import Declaration, DeclarationDocument, ReviewRound, Witness
from p2ham.declarations.tests.conftest import pdf_file, png_file, request_data
from p2ham.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_full_path(tree, kanwil, ditjen, heads, open_period, django_capture_on_commit_callbacks):
    period = open_period
    assert selectors.unit_declaration_state(period=period, unit=tree.lapas_ambon) == selectors.NOT_STARTED

    declaration = services.declaration_create(actor=kanwil, period=period, **request_data(tree))
    assert declaration.status == Declaration.Status.DRAFT
    assert selectors.unit_declaration_state(period=period, unit=tree.lapas_ambon) == selectors.IN_PROCESS

    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_submit(actor=kanwil, declaration=declaration)
    assert Notification.objects.filter(recipient=ditjen).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.declaration_return(actor=ditjen, declaration=declaration, note="Lengkapi saksi Forkopimda dari Kejati")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.RETURNED
    returned = Notification.objects.get(recipient=kanwil)  # the requester hears of the return, with the note
    assert returned.body == "Lengkapi saksi Forkopimda dari Kejati"

    data = request_data(tree)
    data["witnesses"] = [
        *data["witnesses"],
        services.WitnessInput("Dr. Agus", "Kajati Maluku", "Kejati Maluku", "forkopimda"),
    ]
    declaration = services.declaration_update(
        actor=kanwil,
        declaration=declaration,
        version=declaration.version,
        **{k: v for k, v in data.items() if k != "requester_unit"},
    )
    services.declaration_submit(actor=kanwil, declaration=declaration)
    declaration = services.declaration_approve(
        actor=ditjen,
        declaration=declaration,
        ditjen_witness=services.WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen"),
    )
    assert declaration.status == Declaration.Status.APPROVED
    assert list(ReviewRound.objects.filter(declaration=declaration).values_list("action", flat=True)) == [
        "submit",
        "return",
        "submit",
        "approve",
    ]

    present = list(declaration.witnesses.filter(kind__in=["ditjen", "forkopimda"]).values_list("pk", flat=True))
    services.ceremony_record(
        actor=kanwil,
        declaration=declaration,
        actual_date=timezone.localdate(),
        actual_venue="Aula Kanwil Maluku",
        present=present,
        extra_witnesses=[],
        minutes=pdf_file(),
        photos=[png_file(), png_file("foto2.png")],
    )
    assert declaration.documents.filter(kind=DeclarationDocument.Kind.PHOTO).count() == 2

    participants = {p.unit.code: p for p in declaration.units.select_related("unit")}
    statements.statement_sign_in_app(
        actor=heads["KANWIL-81"], participant=participants["KANWIL-81"], password="Rahasia-Kuat-2026"
    )
    statements.statement_sign_upload(
        actor=heads["RUTAN-AMBON"], participant=participants["RUTAN-AMBON"], uploaded=pdf_file("scan.pdf")
    )
    assert selectors.unit_declaration_state(period=period, unit=tree.lapas_ambon) == selectors.IN_PROCESS
    with django_capture_on_commit_callbacks(execute=True):
        statements.statement_sign_in_app(
            actor=heads["LAPAS-AMBON"], participant=participants["LAPAS-AMBON"], password="Rahasia-Kuat-2026"
        )

    # The last signature completes the declaration by rule: every unit is declared.
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.COMPLETED
    for unit in (tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon):
        assert selectors.is_declared(period=period, unit=unit)
    assert not selectors.is_declared(period=period, unit=tree.lapas_medan)
    actions = set(AuditEntry.objects.filter(action__startswith="declaration.").values_list("action", flat=True))
    assert {
        "declaration.create",
        "declaration.submit",
        "declaration.return",
        "declaration.update",
        "declaration.resubmit",
        "declaration.approve",
        "declaration.ceremony",
        "declaration.sign",
        "declaration.complete",
    } <= actions
    assert any("complete" in m.subject.lower() or "selesai" in m.subject.lower() for m in mail.outbox)


def test_the_in_app_signed_statement_is_a_pdf_with_the_unit_and_the_heads_nip(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    participant = declaration.units.get(unit=tree.lapas_ambon)
    statements.statement_sign_in_app(actor=heads["LAPAS-AMBON"], participant=participant, password="Rahasia-Kuat-2026")
    participant.refresh_from_db()
    with default_storage.open(participant.signed_file, "rb") as fh:
        data = fh.read()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == participant.signed_sha256
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Lapas Kelas IIA Ambon" in text
    assert heads["LAPAS-AMBON"].nip in text
    assert "SURAT PERNYATAAN PENCANANGAN" in text
    assert participant.verification_code in text
    assert participant.signed_by == heads["LAPAS-AMBON"] and participant.signed_at is not None


def test_the_unsigned_statement_names_the_head_from_the_roles(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    participant = declaration.units.get(unit=tree.rutan_ambon)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(statements.statement_pdf(participant))).pages)
    assert "Rutan Kelas IIA Ambon" in text and heads["RUTAN-AMBON"].nip in text
    assert "Gubernur Maluku" in text  # a Forkopimda witness


def approved_with_ceremony(tree, kanwil, ditjen, period):
    declaration = services.declaration_create(actor=kanwil, period=period, **request_data(tree))
    services.declaration_submit(actor=kanwil, declaration=declaration)
    declaration = services.declaration_approve(
        actor=ditjen,
        declaration=declaration,
        ditjen_witness=services.WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen"),
    )
    present = list(Witness.objects.filter(declaration=declaration).values_list("pk", flat=True))
    return services.ceremony_record(
        actor=kanwil,
        declaration=declaration,
        actual_date=timezone.localdate(),
        actual_venue="Aula Kanwil Maluku",
        present=present,
        extra_witnesses=[],
        minutes=pdf_file(),
        photos=[],
    )
