"""Writes to instruments: build from a tree, edit, reorder, freeze, correct by a new version, clone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from p2ham.audit.services import audit_log
from p2ham.instruments.models import AnswerOption, AnswerScale, Criterion, Indicator, Instrument
from p2ham.instruments.selectors import instrument_fingerprint, instrument_tree
from p2ham.instruments.tree import TreeResult, validate_tree
from p2ham.organizations.models import UnitType
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError


class FrozenError(TransitionError):
    """The instrument is frozen: the period is open and answers refer to it."""


class StaleError(TransitionError):
    """The instrument changed since the caller read it (HTTP 409, code "stale")."""


def _unit_type_codes() -> set[str]:
    return set(UnitType.objects.values_list("code", flat=True))


def check_tree(tree: Any, *, where: dict[str, str] | None = None) -> TreeResult:
    """Validate an instrument tree against the known unit types."""
    return validate_tree(tree, unit_type_codes=_unit_type_codes(), where=where)


def _lock_period(period_id: int) -> Period:
    """Serialise every change that decides which instrument covers which unit type in a period."""
    return Period.objects.select_for_update().get(pk=period_id)


def _ensure_editable(instrument: Instrument) -> Instrument:
    _lock_period(instrument.period_id)
    locked = Instrument.objects.select_for_update().select_related("period").get(pk=instrument.pk)
    if locked.frozen:
        raise FrozenError(_("This instrument is frozen because the period is open. Make a new version to correct it."))
    if locked.period.status in (Period.Status.CLOSED, Period.Status.ARCHIVED):
        raise FrozenError(_("The period is closed; its instruments can no longer change."))
    return locked


def _check_unit_types_free(period: Period, codes: list[str], *, instrument_code: str) -> None:
    taken = (
        Instrument.objects.filter(period=period, current=True, unit_types__code__in=codes)
        .exclude(code=instrument_code)
        .values_list("unit_types__code", "name")
    )
    clashes = sorted({f"{code} ({name})" for code, name in taken if code in codes})
    if clashes:
        raise ValidationError(
            {
                "unit_types": _("Already covered by another instrument of this period: %(list)s.")
                % {"list": ", ".join(clashes)}
            }
        )


def _write_content(instrument: Instrument, data: dict[str, Any]) -> None:
    """Replace the criteria, indicators and scales of an (editable) instrument with ``data``."""
    Indicator.objects.filter(instrument=instrument).delete()
    Criterion.objects.filter(instrument=instrument).delete()
    AnswerScale.objects.filter(instrument=instrument).delete()
    scales = {}
    for raw in data["scales"]:
        scale = AnswerScale.objects.create(instrument=instrument, code=raw["code"], name=raw["name"])
        AnswerOption.objects.bulk_create(
            AnswerOption(scale=scale, label=o["label"], score=o["score"], order=i) for i, o in enumerate(raw["options"])
        )
        scales[raw["code"]] = scale
    for c_order, raw in enumerate(data["criteria"]):
        criterion = Criterion.objects.create(
            instrument=instrument, code=raw["code"], name=raw["name"], weight=raw["weight"], order=c_order
        )
        Indicator.objects.bulk_create(
            Indicator(
                instrument=instrument,
                criterion=criterion,
                code=item["code"],
                question=item["question"],
                guidance_unit=item["guidance_unit"],
                guidance_verifier=item["guidance_verifier"],
                scale=scales[item["scale"]],
                weight=item["weight"],
                mandatory=item["mandatory"],
                evidence_required=item["evidence"]["required"],
                evidence_min_files=item["evidence"]["min_files"],
                evidence_kinds=item["evidence"]["kinds"],
                evidence_max_mb=item["evidence"]["max_mb"],
                continues_code=item["continues"],
                order=i_order,
            )
            for i_order, item in enumerate(raw["indicators"])
        )


def _apply_settings(instrument: Instrument, data: dict[str, Any]) -> None:
    instrument.name = data["name"]
    instrument.regulation_label = data["regulation"]
    instrument.predicate_threshold = data["predicate_threshold"]
    instrument.bonus_cap = data["bonus_cap"]
    instrument.penalty_cap = data["penalty_cap"]
    instrument.save()
    instrument.unit_types.set(UnitType.objects.filter(code__in=data["unit_types"]))


def _valid_data(tree: Any) -> dict[str, Any]:
    result = check_tree(tree)
    if not result.valid:
        raise ValidationError([f"{e.where}: {e.message}" for e in result.errors])
    return result.data


@transaction.atomic
def instrument_create(*, actor: Any, period: Period, tree: Any) -> Instrument:
    """Create version 1 of an instrument in a draft or open period from a tree; audited."""
    data = _valid_data(tree)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status not in (Period.Status.DRAFT,):
        raise TransitionError(_("Instruments can be added only while the period is a draft."))
    if Instrument.objects.filter(period=period, code=data["code"]).exists():
        raise ValidationError({"code": _("This period already has an instrument “%(code)s”.") % {"code": data["code"]}})
    _check_unit_types_free(period, data["unit_types"], instrument_code=data["code"])
    instrument = Instrument(period=period, code=data["code"])
    _apply_settings(instrument, data)
    _write_content(instrument, data)
    audit_log(actor=actor, action="instrument.create", target=instrument, data={"code": data["code"]})
    return instrument


@transaction.atomic
def instrument_replace(
    *, actor: Any, instrument: Instrument, tree: Any, expected_fingerprint: str | None = None
) -> Instrument:
    """Replace everything in an editable instrument with a tree (spreadsheet or API import); audited.

    ``expected_fingerprint`` is checked after the lock is taken, so of two writers based on the same
    version only the first succeeds.
    """
    data = _valid_data(tree)
    instrument = _ensure_editable(instrument)
    if expected_fingerprint is not None and expected_fingerprint != instrument_fingerprint(instrument):
        raise StaleError(_("The instrument changed since you read it. Read it again and redo your change."))
    if data["code"] != instrument.code:
        raise ValidationError(
            {"code": _("The file is for instrument “%(code)s”, not this one.") % {"code": data["code"]}}
        )
    _check_unit_types_free(instrument.period, data["unit_types"], instrument_code=instrument.code)
    before = instrument_tree(instrument)
    _apply_settings(instrument, data)
    _write_content(instrument, data)
    audit_log(
        actor=actor,
        action="instrument.replace",
        target=instrument,
        data={"criteria_before": len(before["criteria"]), "criteria_after": len(data["criteria"])},
    )
    return instrument


@transaction.atomic
def instruments_freeze(*, actor: Any, period: Period) -> int:
    """Freeze the current instruments of a period (when it opens); returns how many froze."""
    count = Instrument.objects.filter(period=period, current=True, frozen=False).update(frozen=True)
    if count:
        audit_log(actor=actor, action="instrument.freeze", target=period, data={"count": count})
    return count


@transaction.atomic
def instrument_new_version(*, actor: Any, instrument: Instrument, change_note: str) -> Instrument:
    """Start a correction of a frozen instrument: an editable copy numbered one higher, not yet in force."""
    if not change_note.strip():
        raise ValidationError({"change_note": _("Say why the instrument needs a correction.")})
    period = _lock_period(instrument.period_id)
    if period.status != Period.Status.OPEN:
        raise TransitionError(_("Corrections are made only while the period is open."))
    source = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if not source.frozen or not source.current:
        raise TransitionError(_("Only the frozen instrument in force can be corrected by a new version."))
    if Instrument.objects.filter(period=source.period, code=source.code, version__gt=source.version).exists():
        raise TransitionError(_("A correction of this instrument is already being drafted."))
    tree = instrument_tree(source)
    draft = Instrument(
        period=source.period,
        code=source.code,
        version=source.version + 1,
        current=False,
        previous=source,
        change_note=change_note.strip(),
    )
    data = _valid_data(tree)
    _apply_settings(draft, data)
    _write_content(draft, data)
    audit_log(
        actor=actor,
        action="instrument.version.start",
        target=draft,
        data={"from_version": source.version, "note": change_note.strip()},
    )
    return draft


@transaction.atomic
def instrument_publish_version(*, actor: Any, draft: Instrument) -> Instrument:
    """Put a corrected version in force (frozen); answers follow their indicators by code."""
    period = _lock_period(draft.period_id)
    if period.status != Period.Status.OPEN:
        raise TransitionError(_("Corrections are made only while the period is open."))
    draft = Instrument.objects.select_for_update().get(pk=draft.pk)
    if draft.current or draft.frozen or draft.previous_id is None:
        raise TransitionError(_("This instrument is not a pending correction."))
    previous = Instrument.objects.select_for_update().get(pk=draft.previous_id)
    if not previous.current:
        raise TransitionError(_("The version this correction starts from is no longer in force."))
    # What comes into force must be complete and must not take a unit type another instrument covers.
    data = _valid_data(instrument_tree(draft))
    _check_unit_types_free(period, data["unit_types"], instrument_code=draft.code)
    removed = sorted(
        set(previous.indicators.values_list("code", flat=True)) - set(draft.indicators.values_list("code", flat=True))
    )
    Instrument.objects.filter(pk=previous.pk).update(current=False)
    draft.current = True
    draft.frozen = True
    draft.save(update_fields=["current", "frozen", "updated_at"])
    from p2ham.assessments.services import assessments_follow_instrument  # assessments build on instruments

    moved = assessments_follow_instrument(previous=previous, current=draft)
    audit_log(
        actor=actor,
        action="instrument.version.publish",
        target=draft,
        data={
            "version": draft.version,
            "replaces": previous.version,
            "indicators_removed": removed,
            "assessments_moved": moved,
        },
    )
    return draft


@transaction.atomic
def instrument_clone(*, actor: Any, instrument: Instrument, period: Period) -> Instrument:
    """Copy an instrument into another (draft) period; each indicator notes the code it continues."""
    tree = instrument_tree(instrument)
    for criterion in tree["criteria"]:
        for item in criterion["indicators"]:
            item["continues"] = item["code"]
    clone = instrument_create(actor=actor, period=period, tree=tree)
    audit_log(
        actor=actor,
        action="instrument.clone",
        target=clone,
        data={"from_period": instrument.period.year, "from_version": instrument.version},
    )
    return clone


# ---------------------------------------------------------------- editing one piece at a time


@transaction.atomic
def criterion_save(
    *, actor: Any, instrument: Instrument, criterion: Criterion | None, code: str, name: str, weight: Decimal
) -> Criterion:
    """Add or change a criterion of an editable instrument; audited."""
    instrument = _ensure_editable(instrument)
    if criterion is None:
        order = (instrument.criteria.aggregate(m=Max("order"))["m"] or 0) + 1
        criterion = Criterion(instrument=instrument, order=order)
    criterion.code, criterion.name, criterion.weight = code, name, weight
    criterion.full_clean()
    criterion.save()
    audit_log(
        actor=actor, action="instrument.criterion.save", target=instrument, data={"code": code, "weight": str(weight)}
    )
    return criterion


INDICATOR_FIELDS = (
    "code",
    "question",
    "guidance_unit",
    "guidance_verifier",
    "scale",
    "weight",
    "mandatory",
    "evidence_required",
    "evidence_min_files",
    "evidence_kinds",
    "evidence_max_mb",
    "continues_code",
)


@transaction.atomic
def indicator_save(*, actor: Any, criterion: Criterion, indicator: Indicator | None, **fields: Any) -> Indicator:
    """Add or change an indicator under a criterion of an editable instrument; audited."""
    instrument = _ensure_editable(criterion.instrument)
    if indicator is None:
        order = (criterion.indicators.aggregate(m=Max("order"))["m"] or 0) + 1
        indicator = Indicator(instrument=instrument, criterion=criterion, order=order)
    for name, value in fields.items():
        if name not in INDICATOR_FIELDS:
            raise TypeError(f"indicator_save() got an unexpected field {name!r}")
        setattr(indicator, name, value)
    if indicator.scale.instrument_id != instrument.pk:
        raise ValidationError({"scale": _("Choose a scale of this instrument.")})
    indicator.full_clean()
    indicator.save()
    audit_log(actor=actor, action="instrument.indicator.save", target=instrument, data={"code": indicator.code})
    return indicator


@transaction.atomic
def item_delete(*, actor: Any, item: Criterion | Indicator) -> None:
    """Remove a criterion (with its indicators) or an indicator from an editable instrument; audited."""
    instrument = _ensure_editable(item.instrument)
    kind = "criterion" if isinstance(item, Criterion) else "indicator"
    code = item.code
    item.delete()
    audit_log(actor=actor, action=f"instrument.{kind}.delete", target=instrument, data={"code": code})


@transaction.atomic
def item_move(*, actor: Any, item: Criterion | Indicator, direction: int) -> None:
    """Move a criterion or an indicator one place up (-1) or down (+1) among its siblings."""
    instrument = _ensure_editable(item.instrument)
    siblings: list[Criterion | Indicator] = list(
        instrument.criteria.order_by("order", "pk")
        if isinstance(item, Criterion)
        else item.criterion.indicators.order_by("order", "pk")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    target = index + direction
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    model = type(item)
    for position, sibling in enumerate(siblings):
        if sibling.order != position:
            model.objects.filter(pk=sibling.pk).update(order=position)
    audit_log(
        actor=actor, action="instrument.reorder", target=instrument, data={"code": item.code, "direction": direction}
    )


@transaction.atomic
def scale_save(
    *,
    actor: Any,
    instrument: Instrument,
    scale: AnswerScale | None,
    code: str,
    name: str,
    options: list[tuple[str, Decimal]],
) -> AnswerScale:
    """Add or change an answer scale and its options (label, score 0–100); audited."""
    instrument = _ensure_editable(instrument)
    if len(options) < 2:
        raise ValidationError({"options": _("A scale needs at least two options.")})
    if any(not Decimal(0) <= score <= Decimal(100) for _label, score in options):
        raise ValidationError({"options": _("An option score must be a number from 0 to 100.")})
    if len({label.strip().lower() for label, _score in options}) != len(options):
        raise ValidationError({"options": _("Two options have the same label.")})
    if scale is None:
        scale = AnswerScale(instrument=instrument)
    scale.code, scale.name = code, name
    scale.full_clean()
    scale.save()
    scale.options.all().delete()
    AnswerOption.objects.bulk_create(
        AnswerOption(scale=scale, label=label.strip(), score=score, order=i) for i, (label, score) in enumerate(options)
    )
    audit_log(actor=actor, action="instrument.scale.save", target=instrument, data={"code": code})
    return scale


@transaction.atomic
def instrument_settings_save(
    *,
    actor: Any,
    instrument: Instrument,
    name: str,
    regulation_label: str,
    predicate_threshold: Decimal,
    bonus_cap: Decimal,
    penalty_cap: Decimal,
    unit_types: list[UnitType],
) -> Instrument:
    """Change the name, predicate rule and unit types of an editable instrument; audited."""
    instrument = _ensure_editable(instrument)
    _check_unit_types_free(instrument.period, [t.code for t in unit_types], instrument_code=instrument.code)
    before = {
        "threshold": str(instrument.predicate_threshold),
        "bonus_cap": str(instrument.bonus_cap),
        "penalty_cap": str(instrument.penalty_cap),
    }
    instrument.name, instrument.regulation_label = name, regulation_label
    instrument.predicate_threshold, instrument.bonus_cap, instrument.penalty_cap = (
        predicate_threshold,
        bonus_cap,
        penalty_cap,
    )
    instrument.full_clean(exclude=["unit_types"])
    instrument.save()
    instrument.unit_types.set(unit_types)
    audit_log(
        actor=actor,
        action="instrument.settings",
        target=instrument,
        data={"before": before, "after": {"threshold": str(predicate_threshold)}},
    )
    return instrument
