"""What the pencanangan services refuse, and that a refusal leaves nothing saved half-way.

Every refusal is checked against a snapshot of the declaration tables (rows, statuses, versions,
signatures), the audit trail, the notifications and the private storage taken just before the call.
"""

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from p2ham.audit.models import AuditEntry
from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge, check_upload, sniff_kind
from p2ham.declarations import selectors, services, statements
from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit, ReviewRound, Witness
from p2ham.declarations.services import StaleVersion, WitnessInput
from p2ham.declarations.tests.conftest import pdf_file, png_file, request_data
from p2ham.declarations.tests.test_flow import approved_with_ceremony
from p2ham.notifications.models import Notification
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Stage
from p2ham.periods.services import TransitionError, period_create, stage_window_set

pytestmark = pytest.mark.django_db

PASSWORD = "Rahasia-Kuat-2026"
S = Declaration.Status
DITJEN_WITNESS = WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen")


# --- helpers -------------------------------------------------------------------------------------


def _stored_files() -> set[str]:
    """Every file under declarations/ in the (in-memory) private storage."""
    found: set[str] = set()

    def walk(folder: str) -> None:
        try:
            dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return
        found.update(f"{folder}/{name}" for name in files)
        for sub in dirs:
            walk(f"{folder}/{sub}")

    walk("declarations")
    return found


def snapshot() -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "counts": {
            "declarations": Declaration.objects.count(),
            "units": DeclarationUnit.objects.count(),
            "witnesses": Witness.objects.count(),
            "documents": DeclarationDocument.objects.count(),
            "rounds": ReviewRound.objects.count(),
            "audit": AuditEntry.objects.count(),
            "notifications": Notification.objects.count(),
        },
        "declarations": list(
            Declaration.objects.order_by("pk").values_list(
                "pk",
                "status",
                "version",
                "planned_date",
                "planned_venue",
                "declarer_name",
                "actual_date",
                "actual_venue",
                "ceremony_recorded_at",
                "completed_at",
            )
        ),
        "units": list(
            DeclarationUnit.objects.order_by("pk").values_list(
                "pk", "declaration_id", "unit_id", "active", "signature", "signed_file", "signed_by_id", "head_nip"
            )
        ),
        "witnesses": list(
            Witness.objects.order_by("pk").values_list("pk", "declaration_id", "name", "kind", "present")
        ),
        "files": _stored_files(),
    }


def update_data(tree, **changes) -> dict:
    data = request_data(tree, **changes)
    del data["requester_unit"]
    return data


def draft(tree, kanwil, period, **changes) -> Declaration:
    return services.declaration_create(actor=kanwil, period=period, **request_data(tree, **changes))


def submitted(tree, kanwil, period, **changes) -> Declaration:
    return services.declaration_submit(actor=kanwil, declaration=draft(tree, kanwil, period, **changes))


def approved(tree, kanwil, ditjen, period) -> Declaration:
    return services.declaration_approve(
        actor=ditjen, declaration=submitted(tree, kanwil, period), ditjen_witness=DITJEN_WITNESS
    )


def ceremony_args(declaration: Declaration, **changes) -> dict:
    args = {
        "declaration": declaration,
        "actual_date": timezone.localdate(),
        "actual_venue": "Aula Kanwil Maluku",
        "present": list(declaration.witnesses.values_list("pk", flat=True)),
        "extra_witnesses": [],
        "minutes": pdf_file(),
        "photos": [],
    }
    args.update(changes)
    return args


def participant(declaration: Declaration, unit) -> DeclarationUnit:
    return declaration.units.select_related("unit").get(unit=unit)


def text_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def zip_bytes(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name in names:
            archive.writestr(name, '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def units_error(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.message_dict["units"])


# --- participating units ---------------------------------------------------------------------------


def test_a_unit_of_another_kanwil_is_refused(tree, kanwil, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, units=[tree.kanwil_maluku, tree.lapas_ambon, tree.lapas_medan])
    assert "Lapas Kelas I Medan" in units_error(exc)
    assert "Lapas Kelas IIA Ambon" not in units_error(exc)
    assert snapshot() == before


def test_a_upt_cannot_be_the_requesting_unit(tree, kanwil, open_period):
    # A Kanwil or a central unit requests for the units below it; a prison does not request for itself.
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, requester_unit=tree.lapas_ambon, units=[tree.lapas_ambon, tree.rutan_ambon])
    assert "requester_unit" in exc.value.message_dict
    assert snapshot() == before


def test_the_parent_of_the_requesting_unit_is_refused(tree, kanwil, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, units=[tree.kanwil_maluku, tree.root])
    assert "Kementerian HAM" in units_error(exc)
    assert snapshot() == before


def test_an_inactive_unit_is_refused(tree, kanwil, open_period):
    tree.rutan_ambon.active = False
    tree.rutan_ambon.save()
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period)
    assert "Rutan Kelas IIA Ambon" in units_error(exc)
    assert snapshot() == before


def test_no_units_is_refused(tree, kanwil, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, units=[])
    assert "units" in exc.value.message_dict
    assert snapshot() == before


def test_an_update_cannot_add_a_unit_of_another_kanwil(tree, kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_update(
            actor=kanwil,
            declaration=declaration,
            version=declaration.version,
            **update_data(tree, units=[tree.kanwil_maluku, tree.lapas_medan]),
        )
    assert "Lapas Kelas I Medan" in units_error(exc)
    assert snapshot() == before


# --- one active declaration per unit and period -------------------------------------------------------


def test_a_second_active_declaration_for_the_same_unit_is_refused(tree, kanwil, open_period):
    draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, units=[tree.lapas_ambon])
    assert "Lapas Kelas IIA Ambon" in units_error(exc)
    assert snapshot() == before


def test_a_unit_of_a_submitted_request_cannot_be_requested_again_by_its_own_operator(
    tree, kanwil, operator, open_period
):
    submitted(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_create(
            actor=operator,
            period=open_period,
            **request_data(tree, requester_unit=tree.lapas_ambon, units=[tree.lapas_ambon]),
        )
    assert "requester_unit" in exc.value.message_dict  # a UPT operator cannot squat its unit in a request
    assert snapshot() == before


def test_an_update_cannot_take_a_unit_of_another_active_declaration(tree, kanwil, open_period):
    draft(tree, kanwil, open_period, units=[tree.kanwil_maluku, tree.lapas_ambon])
    second = draft(tree, kanwil, open_period, units=[tree.rutan_ambon])
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_update(
            actor=kanwil,
            declaration=second,
            version=second.version,
            **update_data(tree, units=[tree.rutan_ambon, tree.lapas_ambon]),
        )
    assert "Lapas Kelas IIA Ambon" in units_error(exc)
    assert snapshot() == before


def test_after_a_rejection_the_units_are_free_again(tree, kanwil, ditjen, open_period):
    first = submitted(tree, kanwil, open_period)
    services.declaration_reject(actor=ditjen, declaration=first, note="Tanggal bertabrakan dengan agenda Menteri")
    assert not DeclarationUnit.objects.filter(declaration=first, active=True).exists()
    assert selectors.unit_declaration_state(period=open_period, unit=tree.lapas_ambon) == selectors.NOT_STARTED

    second = draft(tree, kanwil, open_period)

    assert second.pk != first.pk
    assert set(second.units.values_list("unit__code", flat=True)) == {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}
    assert DeclarationUnit.objects.filter(period=open_period, unit=tree.lapas_ambon, active=True).get().declaration == (
        second
    )
    first.refresh_from_db()
    assert first.status == S.REJECTED
    assert selectors.unit_declaration_state(period=open_period, unit=tree.lapas_ambon) == selectors.IN_PROCESS


# --- the wrong role --------------------------------------------------------------------------------


def test_an_operator_of_a_lapas_cannot_request_for_its_kanwil(tree, operator, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_create(actor=operator, period=open_period, **request_data(tree))
    assert type(exc.value) is ValidationError
    assert "requester_unit" in exc.value.message_dict
    assert snapshot() == before


def test_another_kanwil_cannot_request_for_maluku(tree, other_kanwil, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_create(actor=other_kanwil, period=open_period, **request_data(tree))
    assert "requester_unit" in exc.value.message_dict
    assert snapshot() == before


def test_another_kanwil_cannot_submit_the_maluku_request(tree, kanwil, other_kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_submit(actor=other_kanwil, declaration=declaration)
    assert type(exc.value) is ValidationError
    assert snapshot() == before


def test_another_kanwil_cannot_update_the_maluku_request(tree, kanwil, other_kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_update(
            actor=other_kanwil,
            declaration=declaration,
            version=declaration.version,
            **update_data(tree, planned_venue="Aula Kanwil Sumut", units=[tree.kanwil_maluku]),
        )
    assert type(exc.value) is ValidationError
    assert "requester_unit" in exc.value.message_dict
    assert snapshot() == before


def test_another_kanwil_cannot_record_the_maluku_ceremony(tree, kanwil, other_kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(actor=other_kanwil, **ceremony_args(declaration))
    assert type(exc.value) is ValidationError
    assert snapshot() == before


def _state_for(action: str, tree, kanwil, ditjen, period) -> Declaration | None:
    """The declaration in the state where ``action`` would be legal for the right person."""
    needs = {
        "create": None,
        "update": "draft",
        "submit": "draft",
        "approve": "submitted",
        "return": "submitted",
        "reject": "submitted",
        "ceremony": "approved",
        "complete": "ceremony",
        "sign_upload": "ceremony",
        "sign_in_app": "ceremony",
    }[action]
    if needs is None:
        return None
    if needs == "draft":
        return draft(tree, kanwil, period)
    if needs == "submitted":
        return submitted(tree, kanwil, period)
    if needs == "approved":
        return approved(tree, kanwil, ditjen, period)
    return approved_with_ceremony(tree, kanwil, ditjen, period)


def _do(action: str, actor, declaration: Declaration | None, tree, period):
    if action == "create":
        return services.declaration_create(actor=actor, period=period, **request_data(tree))
    if action == "update":
        return services.declaration_update(
            actor=actor, declaration=declaration, version=declaration.version, **update_data(tree)
        )
    if action == "submit":
        return services.declaration_submit(actor=actor, declaration=declaration)
    if action == "approve":
        return services.declaration_approve(actor=actor, declaration=declaration, ditjen_witness=DITJEN_WITNESS)
    if action == "return":
        return services.declaration_return(actor=actor, declaration=declaration, note="Perbaiki daftar saksi")
    if action == "reject":
        return services.declaration_reject(actor=actor, declaration=declaration, note="Tidak memenuhi syarat")
    if action == "ceremony":
        return services.ceremony_record(actor=actor, **ceremony_args(declaration))
    if action == "complete":
        return services.declaration_complete(actor=actor, declaration=declaration)
    lapas = participant(declaration, tree.lapas_ambon)
    if action == "sign_upload":
        return statements.statement_sign_upload(actor=actor, participant=lapas, uploaded=pdf_file("scan.pdf"))
    return statements.statement_sign_in_app(actor=actor, participant=lapas, password=PASSWORD)


@pytest.mark.parametrize("action", ["approve", "return", "reject", "complete"])
def test_only_ditjen_reviews_not_the_kanwil(action, tree, kanwil, ditjen, open_period):
    declaration = _state_for(action, tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        _do(action, kanwil, declaration, tree, open_period)
    assert type(exc.value) is ValidationError  # refused for the role, not for the status
    assert snapshot() == before


@pytest.mark.parametrize("action", ["approve", "return", "reject", "complete"])
def test_an_administrator_does_not_review_declarations(action, tree, kanwil, ditjen, admin_user, open_period):
    declaration = _state_for(action, tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        _do(action, admin_user, declaration, tree, open_period)
    assert type(exc.value) is ValidationError
    assert snapshot() == before


@pytest.mark.parametrize("who", ["verifier", "outsider", "kepala"])
@pytest.mark.parametrize("action", ["create", "update", "submit", "ceremony"])
def test_people_without_the_request_role_cannot_request(who, action, request, tree, kanwil, ditjen, open_period):
    actor = request.getfixturevalue(who)
    declaration = _state_for(action, tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        _do(action, actor, declaration, tree, open_period)
    assert type(exc.value) is ValidationError
    assert snapshot() == before


@pytest.mark.parametrize("who", ["verifier", "outsider"])
@pytest.mark.parametrize("action", ["approve", "return", "reject", "complete", "sign_upload", "sign_in_app"])
def test_verifier_and_outsider_can_neither_review_nor_sign(who, action, request, tree, kanwil, ditjen, open_period):
    actor = request.getfixturevalue(who)
    declaration = _state_for(action, tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        _do(action, actor, declaration, tree, open_period)
    assert type(exc.value) is ValidationError
    assert snapshot() == before


# --- completion ------------------------------------------------------------------------------------


def _sign_all_by_upload(declaration: Declaration, tree, heads) -> None:
    for code, head in heads.items():
        unit = {"KANWIL-81": tree.kanwil_maluku, "LAPAS-AMBON": tree.lapas_ambon, "RUTAN-AMBON": tree.rutan_ambon}[code]
        statements.statement_sign_upload(
            actor=head, participant=participant(declaration, unit), uploaded=pdf_file(f"scan-{code}.pdf")
        )


def test_completion_without_a_forkopimda_witness_present_is_refused(tree, kanwil, ditjen, heads, open_period):
    # The ceremony record refuses it already, so signing never opens on a record that could not complete.
    declaration = approved(tree, kanwil, ditjen, open_period)
    ditjen_witness = declaration.witnesses.get(kind=Witness.Kind.DITJEN)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration, present=[ditjen_witness.pk]))
    assert "present" in exc.value.message_dict
    assert snapshot() == before
    with translation.override("en"):
        problems = services.completion_problems(declaration)
    assert "No Forkopimda witness was present." in problems
    with pytest.raises(TransitionError):
        services.declaration_complete(actor=ditjen, declaration=declaration)
    assert not selectors.is_declared(period=open_period, unit=tree.lapas_ambon)


def test_completion_without_a_ditjen_witness_present_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    forkopimda = list(declaration.witnesses.filter(kind=Witness.Kind.FORKOPIMDA).values_list("pk", flat=True))
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration, present=forkopimda))
    assert "present" in exc.value.message_dict
    assert snapshot() == before
    with translation.override("en"):
        assert "No Ditjen HAM witness was present." in services.completion_problems(declaration)


def test_a_ditjen_witness_proposed_by_the_requester_does_not_count(tree, kanwil, ditjen, open_period):
    data = request_data(tree)
    data["witnesses"] = [*data["witnesses"], services.WitnessInput("Pak Palsu", "Staf", "Ditjen HAM", "ditjen")]
    declaration = services.declaration_create(actor=kanwil, period=open_period, **data)
    services.declaration_submit(actor=kanwil, declaration=declaration)
    declaration = services.declaration_approve(
        actor=ditjen,
        declaration=declaration,
        ditjen_witness=services.WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen"),
    )
    own = declaration.witnesses.exclude(assigned_by_ditjen=True).values_list("pk", flat=True)
    with pytest.raises(ValidationError):
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration, present=list(own)))


def test_completion_without_the_ceremony_recorded_is_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_complete(actor=ditjen, declaration=declaration)
    assert snapshot() == before
    with translation.override("en"):
        assert "The ceremony has not been recorded." in services.completion_problems(declaration)


def test_completion_with_an_unsigned_unit_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    for code, unit in (("KANWIL-81", tree.kanwil_maluku), ("LAPAS-AMBON", tree.lapas_ambon)):
        statements.statement_sign_upload(
            actor=heads[code], participant=participant(declaration, unit), uploaded=pdf_file("scan.pdf")
        )
    before = snapshot()
    with pytest.raises(TransitionError) as exc:
        services.declaration_complete(actor=ditjen, declaration=declaration)
    assert "Rutan Kelas IIA Ambon" in " ".join(exc.value.messages)
    assert "Lapas Kelas IIA Ambon" not in " ".join(exc.value.messages)
    assert snapshot() == before
    assert not selectors.is_declared(period=open_period, unit=tree.lapas_ambon)


# --- signing -----------------------------------------------------------------------------------------


def test_the_head_of_another_unit_cannot_sign(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        statements.statement_sign_upload(
            actor=heads["RUTAN-AMBON"],
            participant=participant(declaration, tree.lapas_ambon),
            uploaded=pdf_file("scan.pdf"),
        )
    assert type(exc.value) is ValidationError
    assert snapshot() == before


def test_the_head_of_the_kanwil_cannot_sign_for_a_lapas_under_it(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        statements.statement_sign_in_app(
            actor=heads["KANWIL-81"], participant=participant(declaration, tree.lapas_ambon), password=PASSWORD
        )
    assert type(exc.value) is ValidationError
    assert snapshot() == before


def test_the_kanwil_operator_role_cannot_sign_a_statement(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError):
        statements.statement_sign_upload(
            actor=kanwil, participant=participant(declaration, tree.kanwil_maluku), uploaded=pdf_file("scan.pdf")
        )
    assert snapshot() == before


def test_signing_before_the_ceremony_is_recorded_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        statements.statement_sign_upload(
            actor=heads["LAPAS-AMBON"],
            participant=participant(declaration, tree.lapas_ambon),
            uploaded=pdf_file("scan.pdf"),
        )
    assert snapshot() == before


def test_signing_a_draft_request_is_refused(tree, kanwil, heads, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        statements.statement_sign_in_app(
            actor=heads["LAPAS-AMBON"], participant=participant(declaration, tree.lapas_ambon), password=PASSWORD
        )
    assert snapshot() == before


def test_signing_twice_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    lapas = participant(declaration, tree.lapas_ambon)
    statements.statement_sign_upload(actor=heads["LAPAS-AMBON"], participant=lapas, uploaded=pdf_file("scan.pdf"))
    before = snapshot()
    with pytest.raises(TransitionError):
        statements.statement_sign_upload(
            actor=heads["LAPAS-AMBON"], participant=lapas, uploaded=pdf_file("scan-lagi.pdf")
        )
    assert snapshot() == before
    lapas.refresh_from_db()
    assert lapas.signature == DeclarationUnit.Signature.UPLOAD


def test_in_app_signing_with_a_wrong_password_stores_nothing(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    lapas = participant(declaration, tree.lapas_ambon)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        statements.statement_sign_in_app(actor=heads["LAPAS-AMBON"], participant=lapas, password="salah-sandi")
    assert "password" in exc.value.message_dict
    assert snapshot() == before
    lapas.refresh_from_db()
    assert (lapas.signature, lapas.signed_file, lapas.signed_sha256, lapas.signed_by, lapas.signed_at) == (
        "",
        "",
        "",
        None,
        None,
    )


def test_in_app_signing_with_an_empty_password_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        statements.statement_sign_in_app(
            actor=heads["LAPAS-AMBON"], participant=participant(declaration, tree.lapas_ambon), password=""
        )
    assert "password" in exc.value.message_dict
    assert snapshot() == before


# --- illegal moves ------------------------------------------------------------------------------------


def test_approving_a_draft_is_refused(tree, kanwil, ditjen, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_approve(actor=ditjen, declaration=declaration, ditjen_witness=DITJEN_WITNESS)
    assert snapshot() == before


def test_submitting_an_approved_request_is_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_submit(actor=kanwil, declaration=declaration)
    assert snapshot() == before


def test_returning_a_rejected_request_is_refused(tree, kanwil, ditjen, open_period):
    declaration = submitted(tree, kanwil, open_period)
    services.declaration_reject(actor=ditjen, declaration=declaration, note="Tidak memenuhi syarat")
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_return(actor=ditjen, declaration=declaration, note="Coba lagi")
    assert snapshot() == before


def test_rejecting_an_approved_request_is_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_reject(actor=ditjen, declaration=declaration, note="Berubah pikiran")
    assert snapshot() == before


def test_completing_a_submitted_request_is_refused(tree, kanwil, ditjen, open_period):
    declaration = submitted(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_complete(actor=ditjen, declaration=declaration)
    assert snapshot() == before


def test_updating_a_submitted_request_is_refused(tree, kanwil, open_period):
    declaration = submitted(tree, kanwil, open_period)
    declaration.refresh_from_db()
    before = snapshot()
    with pytest.raises(TransitionError):
        services.declaration_update(
            actor=kanwil,
            declaration=declaration,
            version=declaration.version,
            **update_data(tree, planned_venue="Balai Pengayoman"),
        )
    assert snapshot() == before


def test_recording_the_ceremony_of_a_submitted_request_is_refused(tree, kanwil, open_period):
    declaration = submitted(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(TransitionError):
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration))
    assert snapshot() == before


# --- stale writes ---------------------------------------------------------------------------------------


def test_an_update_based_on_an_old_version_is_refused(tree, kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    old_version = declaration.version
    services.declaration_update(
        actor=kanwil, declaration=declaration, version=old_version, **update_data(tree, planned_venue="Aula Baru")
    )
    before = snapshot()
    with pytest.raises(StaleVersion):
        services.declaration_update(
            actor=kanwil, declaration=declaration, version=old_version, **update_data(tree, planned_venue="Aula Lama")
        )
    assert snapshot() == before
    declaration.refresh_from_db()
    assert declaration.planned_venue == "Aula Baru"


def test_a_submit_based_on_an_old_version_is_refused(tree, kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    old_version = declaration.version
    services.declaration_update(actor=kanwil, declaration=declaration, version=old_version, **update_data(tree))
    before = snapshot()
    with pytest.raises(StaleVersion):
        services.declaration_submit(actor=kanwil, declaration=declaration, version=old_version)
    assert snapshot() == before


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_date": timezone.localdate() - dt.timedelta(days=1)}, "planned_date"),
        ({"planned_venue": "   "}, "planned_venue"),
        ({"declarer_name": ""}, "declarer_name"),
        ({"declarer_position": " "}, "declarer_position"),
        ({"witnesses": [WitnessInput("  ", "Kapolda Maluku", "Polda Maluku", "forkopimda")]}, "witnesses"),
        ({"witnesses": [WitnessInput("Dr. Agus", "Kajati Maluku", "Kejati Maluku", "jaksa")]}, "witnesses"),
    ],
    ids=["past-date", "empty-venue", "no-declarer-name", "no-declarer-position", "nameless-witness", "unknown-kind"],
)
def test_a_request_with_bad_input_is_refused(changes, field, tree, kanwil, open_period):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        draft(tree, kanwil, open_period, **changes)
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_every_bad_field_is_reported_at_once(tree, kanwil, open_period):
    with pytest.raises(ValidationError) as exc:
        draft(
            tree,
            kanwil,
            open_period,
            planned_date=timezone.localdate() - dt.timedelta(days=3),
            planned_venue="",
            witnesses=[WitnessInput("", "", "", "forkopimda")],
        )
    assert {"planned_date", "planned_venue", "witnesses"} <= set(exc.value.message_dict)
    assert Declaration.objects.count() == 0


def test_an_update_with_a_past_date_changes_nothing(tree, kanwil, open_period):
    declaration = draft(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_update(
            actor=kanwil,
            declaration=declaration,
            version=declaration.version,
            **update_data(
                tree,
                units=[tree.kanwil_maluku],
                planned_date=timezone.localdate() - dt.timedelta(days=1),
                planned_venue="Aula Baru",
            ),
        )
    assert "planned_date" in exc.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_need_a_note(action, tree, kanwil, ditjen, open_period):
    declaration = submitted(tree, kanwil, open_period)
    move = services.declaration_return if action == "return" else services.declaration_reject
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        move(actor=ditjen, declaration=declaration, note="  \n ")
    assert "note" in exc.value.message_dict
    assert snapshot() == before


def test_approval_needs_the_name_of_the_ditjen_witness(tree, kanwil, ditjen, open_period):
    declaration = submitted(tree, kanwil, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declaration_approve(
            actor=ditjen, declaration=declaration, ditjen_witness=WitnessInput(" ", "Direktur", "", "ditjen")
        )
    assert "witness_name" in exc.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"actual_date": timezone.localdate() + dt.timedelta(days=2)}, "actual_date"),
        ({"actual_venue": "  "}, "actual_venue"),
        ({"minutes": None}, "minutes"),
    ],
    ids=["future-date", "empty-venue", "no-minutes"],
)
def test_a_ceremony_with_bad_input_is_refused(changes, field, tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration, **changes))
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_a_ceremony_with_a_nameless_extra_witness_changes_nothing(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(
            actor=kanwil,
            **ceremony_args(declaration, extra_witnesses=[WitnessInput(" ", "Dandim", "Kodim 1504", "forkopimda")]),
        )
    assert "witnesses" in exc.value.message_dict
    assert snapshot() == before  # the witnesses' presence was not touched either


def test_a_ceremony_with_an_extra_witness_of_unknown_kind_is_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.ceremony_record(
            actor=kanwil,
            **ceremony_args(declaration, extra_witnesses=[WitnessInput("Letkol Arh. Budi", "Dandim", "Kodim", "tni")]),
        )
    assert "witnesses" in exc.value.message_dict
    assert snapshot() == before


# --- files: by content, not by name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"Surat pernyataan ini sudah ditandatangani.\n",
        b"<!DOCTYPE html><html><body><p>%PDF-1.4</p><script>alert(1)</script></body></html>",
        zip_bytes("word/document.xml"),
    ],
    ids=["plain-text", "html", "docx"],
)
def test_a_scan_named_pdf_that_is_not_a_pdf_or_image_is_refused(content, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    lapas = participant(declaration, tree.lapas_ambon)
    before = snapshot()
    with pytest.raises(UploadKindNotAllowed):
        statements.statement_sign_upload(
            actor=heads["LAPAS-AMBON"], participant=lapas, uploaded=text_file("scan.pdf", content)
        )
    assert snapshot() == before
    lapas.refresh_from_db()
    assert not lapas.signed


def test_a_png_named_pdf_is_accepted_as_an_image_scan(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    lapas = participant(declaration, tree.lapas_ambon)
    png = png_file("scan.pdf")
    data = png.read()
    png.seek(0)
    statements.statement_sign_upload(actor=heads["LAPAS-AMBON"], participant=lapas, uploaded=png)
    lapas.refresh_from_db()
    assert lapas.signature == DeclarationUnit.Signature.UPLOAD
    assert lapas.signed_file.endswith(".png")  # stored under the kind its content says, not its name
    assert lapas.signed_sha256 == hashlib.sha256(data).hexdigest()
    with default_storage.open(lapas.signed_file, "rb") as fh:
        assert fh.read() == data


def test_an_oversized_scan_is_refused(monkeypatch, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    monkeypatch.setattr(statements, "SCAN_MAX_BYTES", 16)
    before = snapshot()
    with pytest.raises(UploadTooLarge):
        statements.statement_sign_upload(
            actor=heads["LAPAS-AMBON"], participant=participant(declaration, tree.lapas_ambon), uploaded=pdf_file()
        )
    assert snapshot() == before


def test_an_empty_scan_is_refused(tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(UploadKindNotAllowed) as exc:
        statements.statement_sign_upload(
            actor=heads["LAPAS-AMBON"],
            participant=participant(declaration, tree.lapas_ambon),
            uploaded=text_file("scan.pdf", b""),
        )
    assert exc.value.code == "empty"
    assert snapshot() == before


def test_oversized_minutes_leave_the_ceremony_unrecorded(monkeypatch, tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    monkeypatch.setattr(services, "DOCUMENT_MAX_BYTES", 16)
    before = snapshot()
    with pytest.raises(UploadTooLarge):
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration))
    assert snapshot() == before


def test_html_minutes_named_pdf_are_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(UploadKindNotAllowed):
        services.ceremony_record(
            actor=kanwil,
            **ceremony_args(declaration, minutes=text_file("berita-acara.pdf", b"<html><body>BA</body></html>")),
        )
    assert snapshot() == before


def test_a_bad_photo_leaves_no_row_behind(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(UploadKindNotAllowed):
        services.ceremony_record(
            actor=kanwil, **ceremony_args(declaration, photos=[png_file(), text_file("foto.jpg", b"not a photo")])
        )
    after = snapshot()
    assert after["counts"] == before["counts"]
    assert after["declarations"] == before["declarations"]
    assert after["witnesses"] == before["witnesses"]


def test_a_bad_photo_leaves_no_stored_file_behind(tree, kanwil, ditjen, open_period):
    # The minutes and the first photo are valid; the second is not. Nothing may be stored half-way,
    # neither rows nor orphan files in the private storage.
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = _stored_files()
    with pytest.raises(UploadKindNotAllowed):
        services.ceremony_record(
            actor=kanwil, **ceremony_args(declaration, photos=[png_file(), text_file("foto.jpg", b"not a photo")])
        )
    assert _stored_files() == before


def test_a_pdf_photo_is_refused(tree, kanwil, ditjen, open_period):
    declaration = approved(tree, kanwil, ditjen, open_period)
    before = snapshot()
    with pytest.raises(UploadKindNotAllowed):
        services.ceremony_record(actor=kanwil, **ceremony_args(declaration, photos=[pdf_file("foto.jpg")]))
    after = snapshot()  # an orphan minutes file is covered by test_a_bad_photo_leaves_no_stored_file_behind
    assert after["counts"] == before["counts"]
    assert after["declarations"] == before["declarations"]
    assert after["witnesses"] == before["witnesses"]


def test_a_docx_is_recognised_by_its_content():
    data = zip_bytes("word/document.xml", "word/styles.xml")
    assert sniff_kind(data[:64], io.BytesIO(data)) == "docx"


def test_an_xlsx_is_recognised_by_its_content():
    data = zip_bytes("xl/workbook.xml", "xl/worksheets/sheet1.xml")
    assert sniff_kind(data[:64], io.BytesIO(data)) == "xlsx"


def test_a_plain_zip_is_not_an_office_file():
    data = zip_bytes("readme.txt")
    assert sniff_kind(data[:64], io.BytesIO(data)) is None


def test_a_broken_zip_is_not_an_office_file():
    data = b"PK\x03\x04" + b"\x00" * 60
    assert sniff_kind(data, io.BytesIO(data)) is None


def test_a_zip_head_without_the_file_is_not_trusted():
    data = zip_bytes("word/document.xml")
    assert sniff_kind(data[:64]) is None


def test_a_webp_header_is_recognised():
    assert sniff_kind(b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00") == "webp"


def test_a_wav_is_not_a_webp():
    assert sniff_kind(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00") is None


def test_an_mp4_header_is_recognised():
    assert sniff_kind(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") == "mp4"


def test_check_upload_accepts_a_docx_named_anything_when_docx_is_allowed():
    upload = SimpleUploadedFile("surat.bin", zip_bytes("word/document.xml"))
    checked = check_upload(upload, allowed=("docx",), max_bytes=1024 * 1024)
    assert checked.kind == "docx"
    assert checked.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert checked.original_name == "surat.bin"


def test_check_upload_refuses_a_plain_zip_named_docx():
    upload = SimpleUploadedFile("surat.docx", zip_bytes("readme.txt"))
    with pytest.raises(UploadKindNotAllowed):
        check_upload(upload, allowed=("docx", "xlsx"), max_bytes=1024 * 1024)


# --- the period and its pencanangan window ------------------------------------------------------------


def test_no_request_once_the_pencanangan_window_has_closed(tree, kanwil, admin_user, open_period):
    today = timezone.localdate()
    stage_window_set(
        actor=admin_user,
        period=open_period,
        stage=Stage.PENCANANGAN,
        opens_at=dt.datetime.combine(today - dt.timedelta(days=40), dt.time(0, 0), tzinfo=REFERENCE_TZ),
        closes_at=dt.datetime.combine(today - dt.timedelta(days=2), dt.time(23, 59), tzinfo=REFERENCE_TZ),
    )
    before = snapshot()
    with pytest.raises(TransitionError):
        draft(tree, kanwil, open_period)
    assert snapshot() == before


def test_no_request_in_a_period_that_is_not_open(tree, kanwil, admin_user):
    period = period_create(
        actor=admin_user, year=timezone.localdate().year + 2, regulation_label="Permenkumham 25/2023"
    )
    before = snapshot()
    with pytest.raises(TransitionError):
        draft(tree, kanwil, period)
    assert snapshot() == before
