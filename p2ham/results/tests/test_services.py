"""The determination services: the decree freezes the scored results (ranked, certificates, follow-ups, audit),
refuses everyone but Ditjen HAM, a second decree, a stale list and bad input, and changes nothing when it
refuses; the frozen results resist the panel and the unit; a correction goes back to the panel and returns by
re-determination (revisions, ranks, certificates); a certificate is revoked once. And the pure ranking rule.

``scored`` runs the whole path (verification, a panel of three); the ``quick_scored`` helper writes a scored
assessment directly, for the tests that need many units (the panel itself is tested in ``p2ham.reviews``)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.assessments.services import StaleVersion
from p2ham.audit.models import AuditEntry
from p2ham.organizations.models import Province, UnitType
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError
from p2ham.results import ranking, services
from p2ham.results.models import Certificate, Determination, FollowUpAction, Result, ResultRevision
from p2ham.results.tests.fixtures import determine
from p2ham.reviews import services_panel
from p2ham.reviews.models import AdjustmentRule, PanelResult

S = Assessment.Status
DECREE = "M.HH-12.HA.01.01 TAHUN 2026"


# ---------------------------------------------------------------- quick scored assessments


def quick_period(year: int = 2026) -> Period:
    return Period.objects.create(year=year, regulation_label="Permenkumham 25/2023", status=Period.Status.OPEN)


def quick_scored(
    period: Period,
    scorer: Any,
    *,
    code: str = "",
    total: str,
    predicate: bool = True,
    base_total: str | None = None,
    scores: dict[str, str] | None = None,
    vetoed: bool = False,
    unit_type: str = "lapas",
    province: str = "81",
    parent: Any = None,
    name: str = "",
    submitted_at: dt.datetime | None = None,
    unit: Any = None,
) -> Assessment:
    """A unit (new, or ``unit``) with an assessment *scored* by its panel, written directly."""
    unit = unit or UnitFactory(
        code=code,
        name=name or f"Lapas {code.title()}",
        unit_type=UnitType.objects.get(code=unit_type),
        province=Province.objects.get(code=province),
        parent=parent,
    )
    assessment = Assessment.objects.create(
        period=period, unit=unit, status=S.SCORED, submitted_at=submitted_at or timezone.now()
    )
    PanelResult.objects.create(
        assessment=assessment,
        total=Decimal(total),
        predicate=predicate and not vetoed,
        vetoed=vetoed,
        breakdown={"base_total": base_total or total},
        scores=scores if scores is not None else {"K1.01": "100.00"},
        scored_by=scorer,
        scored_at=timezone.now(),
    )
    return assessment


def rescore(assessment: Assessment, scorer: Any, *, total: str, predicate: bool) -> None:
    """What the chair's finishing again does to a reopened assessment, written directly."""
    PanelResult.objects.create(
        assessment=assessment,
        total=Decimal(total),
        predicate=predicate,
        breakdown={"base_total": total},
        scores={"K1.01": "100.00"},
        scored_by=scorer,
        scored_at=timezone.now(),
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=S.SCORED)
    assessment.refresh_from_db()


# ---------------------------------------------------------------- determine


def test_determine_freezes_the_scored_results(scored, ditjen):
    panel = PanelResult.objects.get(assessment=scored)
    determination = determine(scored.period, ditjen)

    assert determination.decree_number == DECREE and determination.determined_by == ditjen
    result = Result.objects.get(assessment=scored)
    assert result.determination == determination
    assert (result.rank, result.province_rank) == (1, 1)
    assert result.total == panel.total and result.predicate is True and result.vetoed is False
    assert result.scores == panel.scores and result.full_count == len(panel.scores) - 1
    assert result.cohort == "pemasyarakatan" and result.unit == scored.unit
    scored.refresh_from_db()
    assert scored.status == S.DETERMINED
    assert StatusChange.objects.filter(assessment=scored, to_status=S.DETERMINED).exists()
    certificate = Certificate.objects.get(result=result)
    assert certificate.valid and len(certificate.code) == 19 and certificate.issued_by == ditjen
    # One follow-up, for the one indicator not fully met; the others scored 100.
    (follow_up,) = FollowUpAction.objects.filter(result=result)
    assert follow_up.score == Decimal("60.00") and follow_up.status == FollowUpAction.Status.PROPOSED
    assert follow_up.indicator_code == max(panel.scores) and follow_up.indicator_question
    entry = AuditEntry.objects.get(action="determination.create")
    assert entry.actor == ditjen
    assert entry.data["results"] == 1 and entry.data["awarded"] == 1 and entry.data["follow_ups"] == 1
    assert entry.data["decree_number"] == DECREE


def test_certificates_only_for_the_predicate_and_follow_ups_below_100(tree, ditjen):
    period = quick_period()
    awarded = quick_scored(period, ditjen, code="A", total="90", scores={"K1": "100.00", "K2": "80.00"})
    not_awarded = quick_scored(
        period, ditjen, code="B", total="70", predicate=False, scores={"K1": "50.00", "K2": "not_applicable"}
    )
    vetoed = quick_scored(period, ditjen, code="C", total="95", vetoed=True)
    determine(period, ditjen)

    results = {r.assessment_id: r for r in Result.objects.all()}
    assert Certificate.objects.filter(result=results[awarded.pk]).count() == 1
    assert not Certificate.objects.filter(result__in=[results[not_awarded.pk], results[vetoed.pk]]).exists()
    assert results[vetoed.pk].vetoed and not results[vetoed.pk].predicate
    assert set(FollowUpAction.objects.values_list("result__assessment_id", "indicator_code")) == {
        (awarded.pk, "K2"),
        (not_awarded.pk, "K1"),
    }
    # Ranked by total within the cohort, whatever the predicate.
    assert [results[a.pk].rank for a in (vetoed, awarded, not_awarded)] == [1, 2, 3]


def test_ranks_follow_the_tie_breaks_per_cohort_and_province(tree, ditjen):
    period = quick_period()
    early = timezone.now() - dt.timedelta(days=3)
    a = quick_scored(period, ditjen, code="A", total="90", base_total="85")
    b = quick_scored(period, ditjen, code="B", total="90", base_total="88")  # same total, higher base
    c = quick_scored(period, ditjen, code="C", total="90", base_total="85", submitted_at=early)  # submitted earlier
    d = quick_scored(period, ditjen, code="D", total="95", province="12")
    e = quick_scored(period, ditjen, code="E", total="99", unit_type="kanim")  # another cohort
    determine(period, ditjen)

    ranks = {r.assessment_id: (r.rank, r.province_rank) for r in Result.objects.all()}
    assert ranks[d.pk] == (1, 1)  # Sumatera Utara's first
    assert ranks[b.pk] == (2, 1)  # Maluku's first
    assert ranks[c.pk] == (3, 2)
    assert ranks[a.pk] == (4, 3)
    assert ranks[e.pk] == (1, 1)


@pytest.mark.parametrize("who", ["kanwil", "operator", "kepala", "verifier", "admin_user"])
def test_only_ditjen_determines(request, scored, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        determine(scored.period, actor)
    assert not Determination.objects.exists() and not Result.objects.exists()
    scored.refresh_from_db()
    assert scored.status == S.SCORED


def test_a_second_determination_is_refused(tree, ditjen):
    period = quick_period()
    quick_scored(period, ditjen, code="A", total="90")
    determine(period, ditjen)
    quick_scored(period, ditjen, code="B", total="91")
    with pytest.raises(services.AlreadyDetermined, match="already determined"):
        determine(period, ditjen, decree_number="M.HH-13")
    assert Determination.objects.count() == 1 and Result.objects.count() == 1


def test_a_changed_list_is_refused_and_nothing_is_created(tree, ditjen):
    period = quick_period()
    quick_scored(period, ditjen, code="A", total="90")
    quick_scored(period, ditjen, code="B", total="80")
    with pytest.raises(StaleVersion, match=r"changed since you reviewed the ranking \(1, now 2\)"):
        determine(period, ditjen, expected_count=1)
    assert not Determination.objects.exists() and not Result.objects.exists() and not Certificate.objects.exists()
    assert not AuditEntry.objects.filter(action="determination.create").exists()
    assert set(Assessment.objects.values_list("status", flat=True)) == {S.SCORED}
    assert determine(period, ditjen, expected_count=2).results.count() == 2


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"decree_number": "  ", "decree_date": "2026-12-03"}, {"decree_number", "decree_date"}),
        ({"decree_number": "x" * 121}, {"decree_number"}),
        ({"decree_date": dt.date.today() + dt.timedelta(days=90)}, {"decree_date"}),
        ({"signatory_name": "", "signatory_title": " "}, {"signatory_name", "signatory_title"}),
    ],
)
def test_bad_decree_input_names_the_fields(tree, ditjen, extra, fields):
    period = quick_period()
    quick_scored(period, ditjen, code="A", total="90")
    with pytest.raises(ValidationError) as caught:
        determine(period, ditjen, **extra)
    assert set(caught.value.message_dict) == fields
    assert not Determination.objects.exists() and not Result.objects.exists()


def test_nothing_scored_nothing_to_determine(tree, ditjen):
    period = quick_period()
    with pytest.raises(TransitionError, match="No assessment of 2026 has been scored yet"):
        determine(period, ditjen)
    assert not Determination.objects.exists()


# ---------------------------------------------------------------- frozen


def test_after_the_decree_the_panel_and_the_unit_can_change_nothing(determined, scored, assessors, operator):
    result = Result.objects.get(assessment=scored)
    before = services._snapshot(result)
    chair = assessors[0]
    code = next(iter(result.scores))
    option = scored.instrument.indicators.get(code=code).scale.options.first()
    with pytest.raises(TransitionError):
        services_panel.panel_score_save(actor=chair, assessment=scored, indicator_code=code, option_id=option.pk)
    rule = AdjustmentRule.objects.exclude(max_points=0).first()
    assert rule is not None
    with pytest.raises(TransitionError):
        services_panel.adjustment_add(
            actor=chair, assessment=scored, kind=rule.kind, points=rule.max_points, justification="WBK 2026"
        )
    with pytest.raises(TransitionError):
        services_panel.veto_set(actor=chair, assessment=scored, reasons="Isu aktual")
    with pytest.raises(TransitionError):
        services_panel.panel_finish(actor=chair, assessment=scored, note="lagi")
    with pytest.raises((TransitionError, PermissionDenied)):
        assessment_services.answer_save(
            actor=operator, assessment=scored, indicator_code=code, option_id=option.pk, note=""
        )
    result.refresh_from_db()
    scored.refresh_from_db()
    assert services._snapshot(result) == before and scored.status == S.DETERMINED
    assert PanelResult.objects.filter(assessment=scored).exists()


# ---------------------------------------------------------------- correction and re-determination


def test_a_correction_reopens_the_panel_and_the_chair_takes_the_predicate_away(determined, scored, ditjen, assessors):
    result = Result.objects.get(assessment=scored)
    certificate = Certificate.objects.get(result=result)
    decreed = services._snapshot(result)

    services.correction_open(actor=ditjen, result=result, reason="Isu aktual: pungutan liar")
    scored.refresh_from_db()
    result.refresh_from_db()
    assert scored.status == S.IN_PANEL and result.correction_opened_at is not None
    assert services._snapshot(result) == decreed  # the decree stays in force meanwhile
    assert not PanelResult.objects.filter(assessment=scored).exists()
    reopen = ResultRevision.objects.get(result=result, kind=ResultRevision.Kind.REOPEN)
    assert reopen.reason == "Isu aktual: pungutan liar" and reopen.actor == ditjen
    assert reopen.before["total"] == decreed["total"] and reopen.before["panel"]["predicate"] is True
    assert AuditEntry.objects.filter(action="determination.correction_open").exists()
    assert Certificate.objects.get(pk=certificate.pk).valid  # until re-determined

    chair = assessors[0]
    services_panel.veto_set(actor=chair, assessment=scored, reasons="Pungutan liar terbukti")
    services_panel.panel_finish(actor=chair, assessment=scored, note="Dikoreksi: coret")
    scored.refresh_from_db()
    assert scored.status == S.SCORED

    services.redetermine(
        actor=ditjen,
        period=scored.period,
        assessments=[scored],
        decree_number="M.HH-20.HA.01.01 TAHUN 2026",
        decree_date=dt.date(2026, 12, 20),
        reason="Perubahan Kepmen",
    )
    result.refresh_from_db()
    scored.refresh_from_db()
    assert scored.status == S.DETERMINED
    assert result.predicate is False and result.vetoed is True and result.revision == 1
    assert result.correction_opened_at is None and not result.awarded
    revision = ResultRevision.objects.get(result=result, kind=ResultRevision.Kind.REDETERMINE)
    assert revision.decree_number == "M.HH-20.HA.01.01 TAHUN 2026" and revision.decree_date == dt.date(2026, 12, 20)
    assert revision.before["predicate"] is True and revision.after["predicate"] is False
    assert revision.after["rank"] == 1
    certificate.refresh_from_db()
    assert not certificate.valid and "M.HH-20.HA.01.01 TAHUN 2026" in certificate.revoke_reason
    entry = AuditEntry.objects.get(action="determination.redetermine")
    assert entry.data["before"]["predicate"] is True and entry.data["after"]["predicate"] is False
    assert entry.data["reason"] == "Perubahan Kepmen"
    assert entry.data["certificates"] == {"revoked": [certificate.code]}


def test_redetermination_recomputes_ranks_and_issues_a_won_certificate(tree, ditjen):
    period = quick_period()
    first = quick_scored(period, ditjen, code="A", total="90")
    second = quick_scored(period, ditjen, code="B", total="80", predicate=False)
    determine(period, ditjen)
    lower = Result.objects.get(assessment=second)
    assert lower.rank == 2 and not Certificate.objects.filter(result=lower).exists()

    services.correction_open(actor=ditjen, result=lower, reason="Nilai K1.01 salah input")
    second.refresh_from_db()
    rescore(second, ditjen, total="95", predicate=True)
    late = quick_scored(period, ditjen, code="C", total="85")  # scored after the decree
    changed = services.redetermine(
        actor=ditjen,
        period=period,
        assessments=[second, late],
        decree_number="M.HH-21",
        decree_date=dt.date(2026, 12, 21),
        reason="Koreksi",
    )
    assert len(changed) == 2
    ranks = {r.assessment_id: r.rank for r in Result.objects.all()}
    assert ranks == {second.pk: 1, first.pk: 2, late.pk: 3}
    assert Certificate.objects.filter(result__assessment=second, revoked_at__isnull=True).count() == 1
    assert Certificate.objects.filter(result__assessment=late, revoked_at__isnull=True).count() == 1
    new = ResultRevision.objects.get(result__assessment=late)
    assert new.before == {} and new.after["rank"] == 3
    entry = AuditEntry.objects.filter(action="determination.redetermine").first()
    assert entry is not None
    moved = entry.data["ranks_moved"]
    assert moved[str(first.pk)] == [1, 2]
    issued = {
        e.target_id: e.data["certificates"] for e in AuditEntry.objects.filter(action="determination.redetermine")
    }
    assert all(set(change) == {"issued"} for change in issued.values()) and len(issued) == 2


def test_redetermination_dismisses_follow_ups_the_correction_fully_met(determined, scored, ditjen, assessors):
    result = Result.objects.get(assessment=scored)
    action = FollowUpAction.objects.get(result=result)  # proposed for the indicator scored below 100
    services.correction_open(actor=ditjen, result=result, reason="Bukti K3.07 terlewat")
    chair = assessors[0]
    option = scored.instrument.indicators.get(code=action.indicator_code).scale.options.order_by("-score").first()
    services_panel.panel_moderate(
        actor=chair, assessment=scored, indicator_code=action.indicator_code, option_id=option.pk, note="Bukti sah"
    )
    services_panel.panel_finish(actor=chair, assessment=scored, note="Dikoreksi")
    scored.refresh_from_db()
    services.redetermine(
        actor=ditjen,
        period=scored.period,
        assessments=[scored],
        decree_number="M.HH-22",
        decree_date=dt.date(2026, 12, 22),
        reason="Koreksi bukti",
    )
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.DISMISSED and "M.HH-22" in action.review_note
    assert AuditEntry.objects.filter(action="followup.dismiss", target_id=str(action.pk)).exists()


def test_correction_and_redetermination_refusals(tree, ditjen, kanwil):
    period = quick_period()
    a = quick_scored(period, ditjen, code="A", total="90")
    with pytest.raises(TransitionError, match="not been determined"):
        services.redetermine(
            actor=ditjen,
            period=period,
            assessments=[a],
            decree_number="X",
            decree_date=dt.date(2026, 12, 1),
            reason="r",
        )
    determine(period, ditjen)
    result = Result.objects.get()
    with pytest.raises(PermissionDenied):
        services.correction_open(actor=kanwil, result=result, reason="r")
    with pytest.raises(ValidationError) as caught:
        services.correction_open(actor=ditjen, result=result, reason="  ")
    assert set(caught.value.message_dict) == {"reason"}
    services.correction_open(actor=ditjen, result=result, reason="salah")
    with pytest.raises(TransitionError, match="already open"):
        services.correction_open(actor=ditjen, result=result, reason="lagi")

    def again(actor: Any = ditjen, assessments: Any = None, **extra: Any) -> Any:
        values = {"decree_number": "M.HH-22", "decree_date": dt.date(2026, 12, 22), "reason": "Koreksi", **extra}
        return services.redetermine(actor=actor, period=period, assessments=assessments or [a], **values)

    with pytest.raises(PermissionDenied):
        again(actor=kanwil)
    with pytest.raises(TransitionError, match="scored them again"):
        again()  # still with its panel
    with pytest.raises(ValidationError) as caught:
        again(decree_number="", reason="")
    assert set(caught.value.message_dict) == {"decree_number"}  # the decree is checked first
    with pytest.raises(ValidationError) as caught:
        services.redetermine(
            actor=ditjen, period=period, assessments=[], decree_number="M", decree_date=dt.date(2026, 12, 1), reason="r"
        )
    assert set(caught.value.message_dict) == {"units"}
    assert not ResultRevision.objects.filter(kind=ResultRevision.Kind.REDETERMINE).exists()


# ---------------------------------------------------------------- revocation


def test_certificate_revoke(tree, ditjen, kanwil):
    period = quick_period()
    quick_scored(period, ditjen, code="A", total="90")
    determine(period, ditjen)
    certificate = Certificate.objects.get()
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=kanwil, certificate=certificate, reason="r")
    with pytest.raises(ValidationError) as caught:
        services.certificate_revoke(actor=ditjen, certificate=certificate, reason=" ")
    assert set(caught.value.message_dict) == {"reason"}
    assert Certificate.objects.get().valid

    services.certificate_revoke(actor=ditjen, certificate=certificate, reason="Pungutan liar terbukti")
    certificate.refresh_from_db()
    result = Result.objects.get()
    assert not certificate.valid and certificate.revoked_by == ditjen
    assert certificate.revoke_reason == "Pungutan liar terbukti"
    assert result.revoked_at == certificate.revoked_at and not result.awarded and result.predicate
    entry = AuditEntry.objects.get(action="certificate.revoke")
    assert entry.data == {"code": certificate.code, "reason": "Pungutan liar terbukti"} and entry.actor == ditjen
    with pytest.raises(TransitionError, match="already revoked"):
        services.certificate_revoke(actor=ditjen, certificate=certificate, reason="lagi")
    assert AuditEntry.objects.filter(action="certificate.revoke").count() == 1


# ---------------------------------------------------------------- the ranking rule, pure

BASE = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
rows_strategy = st.lists(
    st.builds(
        lambda cohort, province, total, base, full, submitted, code: (
            cohort,
            province,
            total,
            base,
            full,
            submitted,
            code,
        ),
        st.sampled_from(["pemasyarakatan", "imigrasi"]),
        st.sampled_from(["81", "12", "31"]),
        st.decimals(min_value=0, max_value=100, places=2),
        st.decimals(min_value=0, max_value=100, places=2),
        st.integers(min_value=0, max_value=5),
        st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
        st.text(alphabet="ABC", min_size=1, max_size=3),
    ),
    max_size=25,
)


def _inputs(raw: list[tuple[Any, ...]]) -> list[ranking.RankInput]:
    return [
        ranking.RankInput(
            key=i,
            cohort=cohort,
            province=province,
            total=total,
            base_total=base,
            full_count=full,
            submitted_at=None if submitted is None else BASE + dt.timedelta(days=submitted),
            unit_code=f"{code}-{i}",  # unit codes are unique
        )
        for i, (cohort, province, total, base, full, submitted, code) in enumerate(raw)
    ]


@given(rows_strategy, st.randoms(use_true_random=False))
def test_ranks_are_a_permutation_in_sort_key_order_whatever_the_input_order(raw, rnd):
    rows = _inputs(raw)
    ranks = ranking.rank(rows)
    assert set(ranks) == {r.key for r in rows}
    for cohort in {r.cohort for r in rows}:
        members = [r for r in rows if r.cohort == cohort]
        by_rank = sorted(members, key=lambda r: ranks[r.key][0])
        assert [ranks[r.key][0] for r in by_rank] == list(range(1, len(members) + 1))
        assert [ranking.sort_key(r) for r in by_rank] == sorted(ranking.sort_key(r) for r in members)
        for province in {r.province for r in members}:
            local = [r for r in by_rank if r.province == province]
            assert [ranks[r.key][1] for r in local] == list(range(1, len(local) + 1))
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert ranking.rank(shuffled) == ranks


def test_each_tie_break_decides_in_its_turn():
    def row(key: str, **changes: Any) -> ranking.RankInput:
        values: dict[str, Any] = {
            "key": key,
            "cohort": "c",
            "province": "81",
            "total": Decimal("90"),
            "base_total": Decimal("80"),
            "full_count": 3,
            "submitted_at": BASE,
            "unit_code": "M",
        }
        return ranking.RankInput(**{**values, **changes})

    rows = [
        row("code-z", unit_code="Z"),
        row("late", submitted_at=BASE + dt.timedelta(hours=1), unit_code="A"),
        row("never", submitted_at=None, unit_code="A"),
        row("fewer", full_count=2, unit_code="A"),
        row("base", base_total=Decimal("79.99"), full_count=9, unit_code="A"),
        row("total", total=Decimal("89.99"), base_total=Decimal("99"), unit_code="A"),
        row("code-a", unit_code="A"),
        row("best", total=Decimal("90.01"), base_total=Decimal("0"), full_count=0, submitted_at=None, unit_code="Z"),
    ]
    random.Random(4).shuffle(rows)
    order = sorted(rows, key=lambda r: ranking.rank(rows)[r.key][0])
    assert [r.key for r in order] == ["best", "code-a", "code-z", "late", "never", "fewer", "base", "total"]
    assert ranking.TIE_BREAKS == ("total", "base_total", "full_count", "submitted_at", "unit_code")
