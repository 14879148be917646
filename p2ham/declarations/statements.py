"""The surat pernyataan pencanangan: generated as a PDF (WeasyPrint) and signed by the head of each unit."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from p2ham.accounts.models import Role, RoleAssignment
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.files import check_upload, store_private, store_private_bytes
from p2ham.core.middleware import current_client_ip
from p2ham.core.policy import Action
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.periods.services import TransitionError

SCAN_KINDS = ("pdf", "jpeg", "png", "webp")
SIGN_ATTEMPTS = 5
SCAN_MAX_BYTES = 20 * 1024 * 1024


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL}/verifikasi/pernyataan/{code}"


def _head(unit: Any) -> tuple[str, str]:
    assignment = (
        RoleAssignment.objects.filter(unit=unit, role=Role.KEPALA_UNIT).select_related("user").order_by("pk").first()
    )
    return (assignment.user.full_name, assignment.user.nip or "") if assignment else ("", "")


def statement_pdf(participant: DeclarationUnit, *, signature: dict[str, Any] | None = None) -> bytes:
    """The statement of one unit as an A4 PDF, always in Indonesian, dates in the unit's own zone."""
    declaration = participant.declaration
    unit = participant.unit
    head_name, head_nip = participant.head_name, participant.head_nip
    if not head_name:
        head_name, head_nip = _head(unit)
    tz = unit.province.tzinfo
    with translation.override("id"):
        held = declaration.actual_date or declaration.planned_date
        context = {
            "declaration": declaration,
            "unit": unit,
            "head_name": head_name,
            "head_nip": head_nip,
            "date": formats.date_format(held, "j F Y"),
            "place": declaration.actual_venue or declaration.planned_venue,
            "city": unit.province.name,
            "witnesses": declaration.witnesses.filter(present=True) or declaration.witnesses.all(),
            "code": participant.verification_code,
            "qr_svg": segno.make(verification_url(participant.verification_code), error="m").svg_inline(scale=2),
            "verify_url": verification_url(participant.verification_code),
            "signature": signature,
            "signed_at": (
                formats.date_format(timezone.localtime(signature["at"], tz), "j F Y H.i") if signature else ""
            ),
        }
        html = render_to_string("declarations/pdf/statement.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _ready_to_sign(actor: Any, participant: DeclarationUnit) -> DeclarationUnit:
    if not policy.can(actor, Action.STATEMENT_SIGN, participant.unit):
        raise ValidationError(_("Only the head of this unit signs its statement."))
    locked = (
        DeclarationUnit.objects.select_for_update()
        .select_related("declaration", "unit__province")
        .get(pk=participant.pk)
    )
    if locked.declaration.status != Declaration.Status.APPROVED or locked.declaration.ceremony_recorded_at is None:
        raise TransitionError(_("The statement is signed after the ceremony has been recorded."))
    if locked.signed:
        raise TransitionError(_("This statement is already signed."))
    return locked


def _after_signing(actor: Any, participant: DeclarationUnit, method: str) -> None:
    audit_log(
        actor=actor,
        action="declaration.sign",
        target=participant.declaration,
        unit=participant.unit,
        data={"method": method, "sha256": participant.signed_sha256},
    )
    from p2ham.declarations.services import completion_problems, declaration_complete

    # The rule: once the ceremony is complete and every head has signed, the declaration completes itself.
    if not completion_problems(participant.declaration):
        declaration_complete(actor=None, declaration=participant.declaration)


@transaction.atomic
def statement_sign_upload(*, actor: Any, participant: DeclarationUnit, uploaded: Any) -> DeclarationUnit:
    """The head uploads the wet-signed scan (PDF or image, checked by content)."""
    participant = _ready_to_sign(actor, participant)
    checked = check_upload(uploaded, allowed=SCAN_KINDS, max_bytes=SCAN_MAX_BYTES)
    participant.signed_file = store_private(
        uploaded, folder=f"declarations/{participant.declaration_id}", checked=checked
    )
    participant.signed_sha256 = checked.sha256
    participant.signature = DeclarationUnit.Signature.UPLOAD
    participant.signed_by, participant.signed_at, participant.signed_ip = actor, timezone.now(), current_client_ip()
    participant.head_name = participant.head_name or actor.full_name
    participant.head_nip = participant.head_nip or (actor.nip or "")
    participant.save()
    _after_signing(actor, participant, "upload")
    return participant


@transaction.atomic
def statement_sign_in_app(*, actor: Any, participant: DeclarationUnit, password: str) -> DeclarationUnit:
    """The head signs in the application after typing their password again; who, when and from where are kept."""
    participant = _ready_to_sign(actor, participant)
    failures_key = f"p2ham:sign-failures:{actor.pk}"
    if cache.get(failures_key, 0) >= SIGN_ATTEMPTS:
        raise ValidationError({"password": [_("Too many wrong passwords. Wait 30 minutes or sign with the scan.")]})
    if not password or not actor.check_password(password):
        # Counted like a failed log-in: a stolen session must not become a password-guessing oracle.
        cache.set(failures_key, cache.get(failures_key, 0) + 1, timeout=30 * 60)
        raise ValidationError({"password": [_("The password is wrong.")]})
    cache.delete(failures_key)
    now, ip = timezone.now(), current_client_ip()
    participant.head_name, participant.head_nip = actor.full_name, actor.nip or ""
    data = statement_pdf(participant, signature={"name": actor.full_name, "nip": actor.nip or "", "at": now, "ip": ip})
    participant.signed_file, participant.signed_sha256 = store_private_bytes(
        data, folder=f"declarations/{participant.declaration_id}", kind="pdf"
    )
    participant.signature = DeclarationUnit.Signature.IN_APP
    participant.signed_by, participant.signed_at, participant.signed_ip = actor, now, ip
    participant.save()
    _after_signing(actor, participant, "in_app")
    return participant
