"""Writes of evaluation and self-assessment: eligibility, answers, evidence, comments, submission and
the Kanwil's internal review.

Every status change goes through ``_move`` with the one transition table; every write is audited; the
people concerned are notified after the transaction commits (``notify`` defers the e-mail). Deadlines are
enforced here, on the server, in the unit's own time zone.
"""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from p2ham.accounts.models import Role, User
from p2ham.assessments import selectors
from p2ham.assessments.models import (
    Answer,
    Assessment,
    Comment,
    CommentRead,
    Evidence,
    EvidenceBlob,
    StatusChange,
    UploadSession,
)
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge, check_upload, sniff_kind, store_private
from p2ham.core.policy import Action
from p2ham.core.templatetags.p2ham import local_datetime
from p2ham.declarations.selectors import is_declared
from p2ham.instruments.models import EVIDENCE_KINDS, AnswerOption, Indicator, Instrument
from p2ham.instruments.selectors import instrument_for_unit_type
from p2ham.notifications.services import notify
from p2ham.organizations.models import Unit
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError

S = Assessment.Status
MB = 1024 * 1024
MAX_FILES_PER_INDICATOR = 20
NOTE_MAX = 5000
COMMENT_MAX = 4000

# The one table of legal moves: (from, to) -> audit action.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.NOT_ELIGIBLE, S.DRAFT): "assessment.evaluate.eligible",
    (S.DRAFT, S.NOT_ELIGIBLE): "assessment.evaluate.not_eligible",
    (S.DRAFT, S.SUBMITTED): "assessment.submit",
    (S.SUBMITTED, S.IN_KANWIL_REVIEW): "assessment.kanwil.start",
    (S.SUBMITTED, S.IN_VERIFICATION): "assessment.kanwil.forward",
    (S.IN_KANWIL_REVIEW, S.IN_VERIFICATION): "assessment.kanwil.forward",
    (S.SUBMITTED, S.DRAFT): "assessment.kanwil.return",
    (S.IN_KANWIL_REVIEW, S.DRAFT): "assessment.kanwil.return",
    # Verification (p2ham.reviews): only the indicators needing repair go back, in numbered rounds.
    (S.IN_VERIFICATION, S.RETURNED): "verification.return",
    (S.RETURNED, S.IN_VERIFICATION): "verification.reopen",  # the unit resubmitted, or the due date passed
    (S.IN_VERIFICATION, S.VERIFIED): "verification.verified",
    # The panel: starts once the assessment is verified and its panel is complete.
    (S.VERIFIED, S.IN_PANEL): "panel.start",
    (S.IN_PANEL, S.SCORED): "panel.scored",
    # Determination (p2ham.results): the decree freezes the result; a correction reopens it to the panel
    # and is determined again by an amending decree.
    (S.SCORED, S.DETERMINED): "determination.determine",
    (S.DETERMINED, S.IN_PANEL): "determination.correction_open",
}


class StaleVersion(TransitionError):
    """The assessment (or the answer) changed since the caller read it."""

    def __init__(self, message: str, *, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class DeadlinePassed(TransitionError):
    """The window for this step has closed for the unit (or has not opened yet)."""


class UploadOffsetMismatch(TransitionError):
    """A chunk that does not start where the upload stands (the client resumes from ``expected``)."""

    def __init__(self, message: str, *, expected: int) -> None:
        super().__init__(message)
        self.expected = expected


# ---------------------------------------------------------------- helpers


def _people(unit: Unit, *roles: Role) -> list[User]:
    """Active holders of these roles on the unit itself."""
    return list(
        User.objects.filter(
            is_active=True, role_assignments__unit=unit, role_assignments__role__in=list(roles)
        ).distinct()
    )


def _kanwil_people(unit: Unit) -> list[User]:
    """The Kanwil staff whose subtree holds the unit (the unit's own regional office)."""
    ancestors = [p for p in unit.path.split("/") if p]
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.KANWIL,
            role_assignments__unit__pk__in=[int(a) for a in ancestors if a.isdigit()],
        ).distinct()
    )


def _assessment_url(assessment: Assessment) -> str:
    return f"/penilaian/{assessment.period.year}/{assessment.unit.code}/"


def _lock(assessment: Assessment, version: int | None = None) -> Assessment:
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("period", "unit__province", "instrument")
        .get(pk=assessment.pk)
    )
    if version is not None and version != locked.version:
        raise StaleVersion(_("Someone changed this assessment in the meantime. Reload it and try again."))
    return locked


def _move(*, actor: Any, assessment: Assessment, to: str, note: str = "", data: dict[str, Any] | None = None) -> None:
    action = TRANSITIONS.get((assessment.status, to))
    if action is None:
        raise TransitionError(
            _("An assessment cannot go from “%(current)s” to “%(target)s”.")
            % {"current": assessment.get_status_display(), "target": S(to).label}
        )
    before = assessment.status
    assessment.status = to
    assessment.version += 1
    assessment.save()
    StatusChange.objects.create(assessment=assessment, from_status=before, to_status=to, actor=actor, note=note.strip())
    audit_log(
        actor=actor,
        action=action,
        target=assessment,
        unit=assessment.unit,
        data={"from": before, "to": to, "note": note.strip(), **(data or {})},
    )


def _move_many(
    *, actor: Any, assessments: list[Assessment], to: str, note: str = "", data: dict[str, Any] | None = None
) -> None:
    """``_move`` for many locked assessments at once (one decision over a whole list, e.g. a decree):
    the same checks, status changes and audit entries, written in bulk."""
    from p2ham.audit.services import audit_entry, audit_log_many

    for assessment in assessments:
        if (assessment.status, to) not in TRANSITIONS:
            raise TransitionError(
                _("An assessment cannot go from “%(current)s” to “%(target)s”.")
                % {"current": assessment.get_status_display(), "target": S(to).label}
            )
    changes, entries = [], []
    for assessment in assessments:
        before = assessment.status
        changes.append(
            StatusChange(assessment=assessment, from_status=before, to_status=to, actor=actor, note=note.strip())
        )
        entries.append(
            audit_entry(
                actor=actor,
                action=TRANSITIONS[(before, to)],
                target=assessment,
                unit=assessment.unit,
                data={"from": before, "to": to, "note": note.strip(), **(data or {})},
            )
        )
        assessment.status = to
        assessment.version += 1
    Assessment.objects.filter(pk__in=[a.pk for a in assessments]).update(
        status=to, version=F("version") + 1, updated_at=timezone.now()
    )
    StatusChange.objects.bulk_create(changes, batch_size=1000)
    audit_log_many(entries)


def _deadline_message(state: Any, unit: Unit) -> str:
    if state is None:
        return _("Ditjen HAM has not set the self-assessment window for this period yet.")
    if state.status == "upcoming":
        return _("The self-assessment opens on %(when)s.") % {"when": local_datetime(state.opens, unit)}
    return _("The self-assessment deadline passed on %(when)s; nothing can be saved or submitted any more.") % {
        "when": local_datetime(state.closes, unit)
    }


def _check_window_open(assessment: Assessment) -> None:
    state = selectors.edit_window(assessment)
    if state is None or state.status != "open":
        raise DeadlinePassed(_deadline_message(state, assessment.unit))


def _lock_for_edit(actor: Any, assessment: Assessment, indicator_code: str) -> Assessment:
    if not policy.can(actor, Action.ASSESSMENT_EDIT, assessment.unit):
        raise PermissionDenied(_("Only the operators of this unit fill in its assessment."))
    assessment = _lock(assessment)
    _ensure_open_for_edit(assessment, indicator_code)
    return assessment


def _ensure_open_for_edit(assessment: Assessment, indicator_code: str) -> None:
    """The unit may change this indicator: the assessment is still being filled in and its window is open,
    or the indicator was returned for repair and the round's due date has not passed."""
    if assessment.status == S.RETURNED:
        # The repair rounds live in the reviews app, which builds on this one (hence the late import).
        from p2ham.reviews.selectors import open_revision

        revision = open_revision(assessment)
        if revision is None:
            raise TransitionError(_("This assessment is with the verifier; the unit can no longer change it."))
        if revision.due_at <= timezone.now():
            raise DeadlinePassed(
                _("The repair was due on %(when)s; the returned indicators stay as they were.")
                % {"when": local_datetime(revision.due_at, assessment.unit)}
            )
        if indicator_code not in revision.codes:
            raise TransitionError(
                _("Indicator %(code)s was not returned for repair; only the returned indicators can be changed.")
                % {"code": indicator_code}
            )
        return
    if assessment.status != S.DRAFT:
        if assessment.status == S.NOT_ELIGIBLE:
            raise TransitionError(_("This unit did not pass the evaluation; it has no assessment to fill in."))
        raise TransitionError(_("This assessment has been submitted; the unit can no longer change it."))
    _check_window_open(assessment)


def _indicator(assessment: Assessment, code: str) -> Indicator:
    indicator = Indicator.objects.select_related("scale").filter(instrument=assessment.instrument, code=code).first()
    if indicator is None:
        raise ValidationError({"indicator": [_("There is no indicator %(code)s in this assessment.") % {"code": code}]})
    return indicator


def clean_file_name(name: str) -> str:
    """The last part of an uploaded name, without control characters: a label, never a path."""
    base = os.path.basename(str(name).replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return base[:200] or "berkas"


# ---------------------------------------------------------------- evaluation (eligibility)


def _decide(*, actor: Any, period: Period, unit: Unit, eligible: bool, reasons: str) -> Assessment:
    reasons = reasons.strip()
    if not unit.active:
        raise TransitionError(_("%(unit)s is inactive.") % {"unit": unit.name})
    if not is_declared(period=period, unit=unit):
        raise TransitionError(
            _("%(unit)s has not completed its declaration (pencanangan); only declared units are evaluated.")
            % {"unit": unit.name}
        )
    if not eligible and not reasons:
        raise ValidationError({"reasons": [_("Give the reasons why the unit does not pass.")]})
    existing = Assessment.objects.select_for_update().filter(period=period, unit=unit).first()
    instrument: Instrument | None = instrument_for_unit_type(period=period, unit_type_code=unit.unit_type.code)
    if eligible and instrument is None and (existing is None or existing.instrument_id is None):
        raise TransitionError(
            _("No instrument is in force for the unit type %(type)s; Ditjen HAM must set one first.")
            % {"type": unit.unit_type.name}
        )
    target = S.DRAFT if eligible else S.NOT_ELIGIBLE
    now = timezone.now()
    if existing is None:
        assessment = Assessment.objects.create(
            period=period,
            unit=unit,
            instrument=instrument,
            status=target,
            eligibility_reasons=reasons,
            evaluated_by=actor,
            evaluated_at=now,
        )
        StatusChange.objects.create(assessment=assessment, to_status=target, actor=actor, note=reasons)
        audit_log(
            actor=actor,
            action="assessment.evaluate." + ("eligible" if eligible else "not_eligible"),
            target=assessment,
            unit=unit,
            data={"reasons": reasons, "instrument": instrument.code if instrument else None},
        )
    else:
        assessment = existing
        if assessment.status not in (S.DRAFT, S.NOT_ELIGIBLE) or assessment.submitted_at is not None:
            raise TransitionError(
                _("%(unit)s has already submitted its assessment; the evaluation can no longer change.")
                % {"unit": unit.name}
            )
        if assessment.status == target and assessment.eligibility_reasons == reasons:
            return assessment  # the same decision again: nothing changes, nobody is told twice
        assessment.eligibility_reasons, assessment.evaluated_by, assessment.evaluated_at = reasons, actor, now
        if assessment.instrument_id is None:
            assessment.instrument = instrument
        if assessment.status == target:
            assessment.version += 1
            assessment.save(
                update_fields=[
                    "eligibility_reasons",
                    "evaluated_by",
                    "evaluated_at",
                    "instrument",
                    "version",
                    "updated_at",
                ]
            )
            audit_log(
                actor=actor,
                action="assessment.evaluate.reasons",
                target=assessment,
                unit=unit,
                data={"reasons": reasons},
            )
        else:
            _move(actor=actor, assessment=assessment, to=target, note=reasons)
    title = (
        _("%(unit)s passed the evaluation: the self-assessment is open") % {"unit": unit.name}
        if eligible
        else _("%(unit)s did not pass the evaluation") % {"unit": unit.name}
    )
    url = _assessment_url(assessment) if eligible else f"/penilaian/evaluasi/surat-keterangan/{unit.code}.pdf"
    people = {u.pk: u for u in _people(unit, Role.OPERATOR, Role.KEPALA_UNIT) + _kanwil_people(unit)}
    for person in people.values():
        notify(recipient=person, title=title, body=reasons, url=url)
    return assessment


@transaction.atomic
def evaluation_decide(*, actor: Any, period: Period, unit: Unit, eligible: bool, reasons: str = "") -> Assessment:
    """Mark one declared unit lolos (an assessment opens) or tidak lolos (with reasons); notified, audited."""
    return evaluation_decide_many(actor=actor, period=period, units=[unit], eligible=eligible, reasons=reasons)[0]


@transaction.atomic
def evaluation_decide_many(
    *, actor: Any, period: Period, units: Iterable[Unit], eligible: bool, reasons: str = ""
) -> list[Assessment]:
    """The same decision for many units, all or nothing: a single refusal names every unit that failed."""
    if not policy.can(actor, Action.EVALUATION_DECIDE):
        raise PermissionDenied(_("Only Ditjen HAM decides the evaluation."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.OPEN:
        raise TransitionError(_("Evaluations are made only while the period is open."))
    units = list(units)
    if not units:
        raise ValidationError({"units": [_("Choose at least one unit.")]})
    decided, problems, conflict = [], [], False
    for unit in units:
        try:
            with transaction.atomic():
                decided.append(_decide(actor=actor, period=period, unit=unit, eligible=eligible, reasons=reasons))
        except ValidationError as exc:
            if len(units) == 1:
                raise
            problems.append(f"{unit.code}: {' '.join(exc.messages)}")
            conflict = conflict or isinstance(exc, TransitionError)
    if problems:
        # A unit in the wrong state makes the whole request a conflict (409), as it is for a single unit.
        raise (TransitionError if conflict else ValidationError)({"units": problems})
    return decided


# ---------------------------------------------------------------- answers


@transaction.atomic
def answer_save(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    option_id: int | None,
    note: str,
    version: int | None = None,
) -> Answer:
    """Save one indicator's answer and note; refused (with the other's change) when it changed meanwhile."""
    assessment = _lock_for_edit(actor, assessment, indicator_code)
    indicator = _indicator(assessment, indicator_code)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("The note is longer than %(n)s characters.") % {"n": NOTE_MAX}]})
    option = None
    if option_id is not None:
        option = AnswerOption.objects.filter(pk=option_id, scale_id=indicator.scale_id).first()
        if option is None:
            raise ValidationError({"option": [_("Choose one of the answers offered for this indicator.")]})
    answer, _created = Answer.objects.select_for_update().get_or_create(
        assessment=assessment, indicator_code=indicator.code, defaults={"indicator": indicator}
    )
    if version is not None and version != answer.version and not _created:
        who = answer.updated_by.full_name if answer.updated_by else _("someone")
        raise StaleVersion(
            _("%(who)s changed this answer at %(when)s: “%(answer)s”. Their change is shown; yours was not saved.")
            % {
                "who": who,
                "when": local_datetime(answer.updated_at, assessment.unit),
                "answer": answer.option.label if answer.option else _("not answered"),
            },
            current=answer,
        )
    if answer.option_id == (option.pk if option else None) and answer.note == note:
        return answer
    answer.indicator, answer.option, answer.note = indicator, option, note
    answer.updated_by = actor
    answer.version += 1
    answer.save()
    audit_log(
        actor=actor,
        action="assessment.answer.save",
        target=assessment,
        unit=assessment.unit,
        data={"indicator": indicator.code, "option": option.label if option else None, "note_chars": len(note)},
    )
    return answer


# ---------------------------------------------------------------- evidence


def file_limit_bytes(indicator: Indicator) -> int:
    """The largest file this indicator accepts: its own rule, never above the server's limit."""
    return min(indicator.evidence_max_mb, settings.EVIDENCE_MAX_FILE_MB) * MB


def allowed_kinds(indicator: Indicator) -> tuple[str, ...]:
    return tuple(k for k in (indicator.evidence_kinds or EVIDENCE_KINDS) if k in EVIDENCE_KINDS)


def _check_assessment_limit(assessment: Assessment, size: int) -> None:
    if assessment.evidence_bytes + size > settings.EVIDENCE_MAX_ASSESSMENT_MB * MB:
        raise UploadTooLarge(
            _("The files of this assessment would exceed %(limit)s MB.")
            % {"limit": settings.EVIDENCE_MAX_ASSESSMENT_MB},
            code="assessment_limit",
        )


def evidence_add(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    uploaded: Any,
    replaces: Evidence | None = None,
) -> Evidence:
    """Attach a file to an indicator (checked by content; each content stored once per assessment).

    The slow part — reading, hashing and storing the file (a network upload with S3) — happens before the
    assessment is locked, after the same checks the locked part repeats; a refusal there deletes the file."""
    if not policy.can(actor, Action.ASSESSMENT_EDIT, assessment.unit):
        raise PermissionDenied(_("Only the operators of this unit fill in its assessment."))
    fresh = Assessment.objects.select_related("period", "unit__province", "instrument").get(pk=assessment.pk)
    _ensure_open_for_edit(fresh, indicator_code)
    indicator = _indicator(fresh, indicator_code)
    checked = check_upload(uploaded, allowed=allowed_kinds(indicator), max_bytes=file_limit_bytes(indicator))
    stored = ""
    if not EvidenceBlob.objects.filter(assessment=fresh, sha256=checked.sha256).exists():
        _check_assessment_limit(fresh, checked.size)
        stored = store_private(uploaded, folder=f"evidence/{fresh.period.year}/{fresh.unit_id}", checked=checked)
    try:
        with transaction.atomic():
            evidence, used = _evidence_record(
                actor=actor, assessment=fresh, indicator=indicator, checked=checked, stored=stored, replaces=replaces
            )
    except BaseException:
        if stored:  # the database keeps nothing of a failed upload, so the storage must not either
            default_storage.delete(stored)
        raise
    if stored and not used:  # someone stored the same content meanwhile: theirs serves both
        default_storage.delete(stored)
    return evidence


def _evidence_record(
    *, actor: Any, assessment: Assessment, indicator: Indicator, checked: Any, stored: str, replaces: Evidence | None
) -> tuple[Evidence, bool]:
    """The database side of ``evidence_add``, under the assessment's lock; says whether ``stored`` was used."""
    assessment = _lock_for_edit(actor, assessment, indicator.code)
    answer, _created = Answer.objects.get_or_create(
        assessment=assessment, indicator_code=indicator.code, defaults={"indicator": indicator}
    )
    current = Evidence.objects.filter(answer=answer, superseded_at=None, removed_at=None).select_related("blob")
    if replaces is not None:
        replaces = current.filter(pk=replaces.pk).first()
        if replaces is None:
            raise TransitionError(_("Only a current file of this indicator can be replaced."))
    elif current.count() >= MAX_FILES_PER_INDICATOR:
        raise ValidationError({"file": [_("An indicator holds at most %(n)s files.") % {"n": MAX_FILES_PER_INDICATOR}]})
    if any(e.blob.sha256 == checked.sha256 for e in current):
        raise ValidationError({"file": [_("This file is already attached to this indicator.")]})
    blob = EvidenceBlob.objects.filter(assessment=assessment, sha256=checked.sha256).first()
    used = False
    if blob is None:
        _check_assessment_limit(assessment, checked.size)
        blob = EvidenceBlob.objects.create(
            assessment=assessment,
            sha256=checked.sha256,
            storage_name=stored,
            size=checked.size,
            kind=checked.kind,
            content_type=checked.content_type,
        )
        used = True
        Assessment.objects.filter(pk=assessment.pk).update(evidence_bytes=F("evidence_bytes") + checked.size)
    evidence = Evidence.objects.create(
        answer=answer,
        blob=blob,
        original_name=clean_file_name(checked.original_name),
        uploaded_by=actor,
        replaces=replaces,
    )
    if replaces is not None:
        replaces.superseded_at = timezone.now()
        replaces.save(update_fields=["superseded_at"])
    audit_log(
        actor=actor,
        action="assessment.evidence.replace" if replaces else "assessment.evidence.add",
        target=assessment,
        unit=assessment.unit,
        data={
            "indicator": indicator.code,
            "evidence": evidence.pk,
            "sha256": checked.sha256,
            "size": checked.size,
            "kind": checked.kind,
            "replaces": replaces.pk if replaces else None,
        },
    )
    return evidence, used


@transaction.atomic
def evidence_remove(*, actor: Any, evidence: Evidence) -> Evidence:
    """Take a file off its indicator; it stays in the history (and in the audit log)."""
    assessment = _lock_for_edit(actor, evidence.answer.assessment, evidence.answer.indicator_code)
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("answer", "blob").get(pk=evidence.pk)
    if not evidence.current:
        raise TransitionError(_("This file is no longer current."))
    evidence.removed_at, evidence.removed_by = timezone.now(), actor
    evidence.save(update_fields=["removed_at", "removed_by"])
    audit_log(
        actor=actor,
        action="assessment.evidence.remove",
        target=assessment,
        unit=assessment.unit,
        data={"indicator": evidence.answer.indicator_code, "evidence": evidence.pk, "sha256": evidence.blob.sha256},
    )
    return evidence


# ---------------------------------------------------------------- resumable uploads


@transaction.atomic
def upload_start(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    name: str,
    size: int,
    replaces: Evidence | None = None,
) -> UploadSession:
    """Open a resumable upload of ``size`` bytes; chunks then arrive in order and can be resent."""
    assessment = _lock_for_edit(actor, assessment, indicator_code)
    indicator = _indicator(assessment, indicator_code)
    limit = file_limit_bytes(indicator)
    if size <= 0:
        raise ValidationError({"size": [_("The file is empty.")]}, code="empty")
    if size > limit:
        raise UploadTooLarge(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / MB, 1), "limit": limit // MB},
            code="too_large",
        )
    if replaces is not None and not (
        replaces.answer.assessment_id == assessment.pk
        and replaces.answer.indicator_code == indicator.code
        and replaces.current
    ):
        raise TransitionError(_("Only a current file of this indicator can be replaced."))
    session = UploadSession.objects.create(
        assessment=assessment,
        indicator_code=indicator.code,
        user=actor,
        original_name=clean_file_name(name),
        size=size,
        replaces=replaces,
    )
    return session


def _part_name(session: UploadSession, index: int) -> str:
    return f"uploads/{session.pk}/{index:06d}.part"


def _assemble(session: UploadSession) -> TemporaryUploadedFile:
    """The chunks joined into one temporary file on disk (never the whole file in memory)."""
    target = TemporaryUploadedFile(session.original_name, "application/octet-stream", session.size, None)
    for index in range(session.parts):
        with default_storage.open(_part_name(session, index), "rb") as part:
            while block := part.read(1024 * 1024):
                target.write(block)
    target.flush()
    target.seek(0)
    return target


class _Refused(Exception):
    """The file as a whole was refused: the upload is given up (outside the rolled-back transaction)."""

    def __init__(self, error: ValidationError, session_id: Any, parts: int) -> None:
        super().__init__(str(error))
        self.error, self.session_id, self.parts = error, session_id, parts


def _discard_parts(session: UploadSession) -> None:
    for index in range(session.parts):
        default_storage.delete(_part_name(session, index))


def upload_chunk(*, actor: Any, session: UploadSession, offset: int, data: bytes) -> UploadSession | Evidence:
    """Store the chunk that starts at ``offset``; the last chunk turns the upload into evidence. A file
    refused as a whole (its kind, seen in the first chunk; a duplicate or the limit, at the end) ends the
    upload: resending it cannot help."""
    try:
        with transaction.atomic():
            return _upload_chunk(actor=actor, session=session, offset=offset, data=data)
    except _Refused as refused:
        with transaction.atomic():
            doomed = UploadSession(pk=refused.session_id, parts=refused.parts)
            UploadSession.objects.filter(pk=refused.session_id).delete()
            transaction.on_commit(lambda: _discard_parts(doomed))
        raise refused.error from None


def _upload_chunk(*, actor: Any, session: UploadSession, offset: int, data: bytes) -> UploadSession | Evidence:
    session = UploadSession.objects.select_for_update(of=("self",)).select_related("assessment").get(pk=session.pk)
    if session.user_id != actor.pk:
        raise PermissionDenied
    if session.evidence_id is not None:
        return session.evidence  # type: ignore[return-value]  # already complete: the same answer again
    _lock_for_edit(actor, session.assessment, session.indicator_code)
    if offset != session.received:
        raise UploadOffsetMismatch(
            _("The upload stands at byte %(n)s; continue from there.") % {"n": session.received},
            expected=session.received,
        )
    if not data or len(data) > settings.UPLOAD_CHUNK_BYTES or session.received + len(data) > session.size:
        raise ValidationError({"chunk": [_("This piece of the file does not fit the upload.")]})
    if offset == 0:
        # Refuse a file of the wrong kind from its first bytes, before the rest travels over a slow line.
        allowed = allowed_kinds(_indicator(session.assessment, session.indicator_code))
        kind = "zip" if data[:4] == b"PK\x03\x04" else sniff_kind(data[:64])
        if kind not in allowed and not (kind == "zip" and {"docx", "xlsx"} & set(allowed)):
            error = UploadKindNotAllowed(
                _("This file is not one of the allowed kinds (%(kinds)s), whatever its name says.")
                % {"kinds": ", ".join(k.upper() for k in allowed)},
                code="kind_not_allowed",
            )
            raise _Refused(error, session.pk, session.parts)
    name = _part_name(session, session.parts)
    default_storage.delete(name)  # a chunk stored by an attempt whose response was lost
    stored = default_storage.save(name, ContentFile(data))
    try:
        session.parts += 1
        session.received += len(data)
        session.save(update_fields=["parts", "received", "updated_at"])
        if session.received < session.size:
            return session
        assembled = _assemble(session)
        try:
            evidence = evidence_add(
                actor=actor,
                assessment=session.assessment,
                indicator_code=session.indicator_code,
                uploaded=assembled,
                replaces=session.replaces,
            )
        finally:
            assembled.close()
    except ValidationError as exc:
        default_storage.delete(stored)
        if isinstance(exc, (DeadlinePassed, StaleVersion)):
            raise
        raise _Refused(exc, session.pk, session.parts) from None
    except BaseException:
        default_storage.delete(stored)
        raise
    # The session stays (complete) so a client whose last response was lost gets the evidence back;
    # its chunks go once the evidence is committed, and ``uploads_purge`` removes the row later.
    session.evidence = evidence
    session.save(update_fields=["evidence", "updated_at"])
    transaction.on_commit(lambda: _discard_parts(session))
    return evidence


def uploads_purge(*, older_than_hours: int = 48) -> int:
    """Drop upload sessions untouched for ``older_than_hours`` (abandoned, or complete) with any stored chunks."""
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    count = 0
    for session in UploadSession.objects.filter(updated_at__lt=cutoff):
        _discard_parts(session)
        session.delete()
        count += 1
    return count


# ---------------------------------------------------------------- comments


@transaction.atomic
def comment_post(*, actor: Any, assessment: Assessment, indicator_code: str, body: str) -> Comment:
    """Add a message to an indicator's thread and tell the others in it."""
    if not policy.can(actor, Action.ASSESSMENT_COMMENT, assessment.unit):
        raise PermissionDenied(_("You cannot comment on this assessment."))
    if assessment.status in (S.NOT_ELIGIBLE, S.WITHDRAWN):
        raise TransitionError(_("This unit has no assessment to discuss."))
    indicator = _indicator(assessment, indicator_code)
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write the comment first.")]})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": [_("The comment is longer than %(n)s characters.") % {"n": COMMENT_MAX}]})
    comment = Comment.objects.create(assessment=assessment, indicator_code=indicator.code, author=actor, body=body)
    CommentRead.objects.update_or_create(
        user=actor, assessment=assessment, indicator_code=indicator.code, defaults={"read_at": comment.created_at}
    )
    audit_log(
        actor=actor,
        action="assessment.comment",
        target=assessment,
        unit=assessment.unit,
        data={"indicator": indicator.code, "comment": comment.pk},
    )
    recipients = {u.pk: u for u in _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT)}
    recipients.update({u.pk: u for u in _kanwil_people(assessment.unit)})
    recipients.update(
        {
            u.pk: u
            for u in User.objects.filter(
                pk__in=assessment.comments.filter(indicator_code=indicator.code).values("author"), is_active=True
            )
        }
    )
    recipients.pop(actor.pk, None)
    for person in recipients.values():
        notify(
            recipient=person,
            title=_("New comment on %(indicator)s — %(unit)s") % {"indicator": indicator.code, "unit": assessment.unit},
            body=body[:300],
            url=_assessment_url(assessment) + f"#ind-{indicator.code}",
            email=False,
        )
    return comment


def comments_mark_read(*, user: Any, assessment: Assessment, indicator_code: str) -> None:
    """Remember that the user has read the thread up to now (no audit: nothing of the record changes)."""
    CommentRead.objects.update_or_create(
        user=user, assessment=assessment, indicator_code=indicator_code, defaults={"read_at": timezone.now()}
    )


# ---------------------------------------------------------------- submission and the Kanwil's review


@transaction.atomic
def assessment_submit(*, actor: Any, assessment: Assessment, version: int | None = None) -> Assessment:
    """The head of the unit submits a complete assessment before the deadline; it becomes read-only."""
    if not policy.can(actor, Action.ASSESSMENT_SUBMIT, assessment.unit):
        raise PermissionDenied(_("Only the head of this unit submits its assessment."))
    assessment = _lock(assessment, version)
    if assessment.status != S.DRAFT:
        raise TransitionError(_("This assessment is not open for submission."))
    _check_window_open(assessment)
    gaps = selectors.submission_gaps(assessment)
    if gaps:
        unanswered = sum(1 for g in gaps if g.problem == "unanswered")
        evidence = sum(1 for g in gaps if g.problem == "evidence")
        raise ValidationError(
            _(
                "The assessment cannot be submitted yet: %(unanswered)s indicator(s) not answered and "
                "%(evidence)s without the required evidence."
            )
            % {"unanswered": unanswered, "evidence": evidence},
            code="incomplete",
        )
    assessment.submitted_by, assessment.submitted_at = actor, timezone.now()
    _move(actor=actor, assessment=assessment, to=S.SUBMITTED)
    for person in _kanwil_people(assessment.unit) + _people(assessment.unit, Role.OPERATOR):
        notify(
            recipient=person,
            title=_("%(unit)s submitted its self-assessment") % {"unit": assessment.unit},
            url=_assessment_url(assessment),
        )
    return assessment


def _lock_for_review(actor: Any, assessment: Assessment, version: int | None) -> Assessment:
    if not policy.can(actor, Action.ASSESSMENT_KANWIL_REVIEW, assessment.unit):
        raise PermissionDenied(_("Only the unit's Kanwil (or Ditjen HAM) reviews this assessment."))
    assessment = _lock(assessment, version)
    state = selectors.kanwil_window(assessment)
    if state is not None and state.status == "closed":
        raise DeadlinePassed(
            _("The Kanwil review closed on %(when)s.") % {"when": local_datetime(state.closes, assessment.unit)}
        )
    return assessment


@transaction.atomic
def assessment_review_start(*, actor: Any, assessment: Assessment, version: int | None = None) -> Assessment:
    """The Kanwil takes a submitted assessment into its internal review."""
    assessment = _lock_for_review(actor, assessment, version)
    _move(actor=actor, assessment=assessment, to=S.IN_KANWIL_REVIEW)
    return assessment


@transaction.atomic
def assessment_forward(*, actor: Any, assessment: Assessment, note: str = "", version: int | None = None) -> Assessment:
    """The Kanwil forwards a submitted assessment to Ditjen HAM's verification."""
    assessment = _lock_for_review(actor, assessment, version)
    _move(actor=actor, assessment=assessment, to=S.IN_VERIFICATION, note=note)
    people = _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT) + list(
        User.objects.filter(is_active=True, role_assignments__role=Role.DITJEN).distinct()
    )
    for person in people:
        notify(
            recipient=person,
            title=_("%(unit)s: self-assessment forwarded to verification") % {"unit": assessment.unit},
            body=note.strip(),
            url=_assessment_url(assessment),
        )
    return assessment


@transaction.atomic
def assessment_send_back(*, actor: Any, assessment: Assessment, note: str, version: int | None = None) -> Assessment:
    """The Kanwil sends the assessment back to the unit with notes; the unit may edit until its window closes."""
    if not note.strip():
        raise ValidationError({"note": [_("Tell the unit what to repair.")]})
    assessment = _lock_for_review(actor, assessment, version)
    assessment.kanwil_returned_at, assessment.kanwil_note = timezone.now(), note.strip()
    _move(actor=actor, assessment=assessment, to=S.DRAFT, note=note)
    for person in _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT):
        notify(
            recipient=person,
            title=_("%(unit)s: the Kanwil sent the self-assessment back") % {"unit": assessment.unit},
            body=note.strip(),
            url=_assessment_url(assessment),
        )
    return assessment


# ---------------------------------------------------------------- instrument corrections


def assessments_follow_instrument(*, previous: Instrument, current: Instrument) -> int:
    """Move the assessments of a corrected instrument to its new version: answers follow their indicator by
    code and their option by label; an indicator that no longer exists keeps its answer out of sight.

    Scored and determined assessments stay on the version they were scored with: a result, and the report
    that explains it, never change under a decree."""
    indicators = {i.code: i for i in current.indicators.select_related("scale")}
    options = {(o.scale_id, o.label): o.pk for o in AnswerOption.objects.filter(scale__instrument=current)}
    following = Assessment.objects.filter(instrument=previous).exclude(status__in=[S.SCORED, S.DETERMINED])
    ids = list(following.values_list("pk", flat=True))
    moved = Assessment.objects.filter(pk__in=ids).update(instrument=current)
    answers = list(
        Answer.objects.filter(assessment_id__in=ids, indicator__instrument=previous).select_related("option")
    )
    changed = []
    for answer in answers:
        indicator = indicators.get(answer.indicator_code)
        if indicator is None:
            continue
        answer.indicator = indicator
        if answer.option is not None:
            answer.option_id = options.get((indicator.scale_id, answer.option.label))
        changed.append(answer)
    Answer.objects.bulk_update(changed, ["indicator", "option"], batch_size=500)
    return moved
