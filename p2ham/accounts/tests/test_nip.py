"""The NIP validator: 18 ASCII digits = birth date (8) + appointment year-month (6) + sex (1) + serial (3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from p2ham.accounts.validators import validate_nip

TODAY = dt.date(2026, 1, 15)


def nip(birth="19850315", appointed="201012", sex="1", serial="001"):
    return f"{birth}{appointed}{sex}{serial}"


def error_code(value, today=TODAY):
    with pytest.raises(ValidationError) as info:
        validate_nip(value, today=today)
    return info.value.code


# --- valid numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        nip(),
        nip(sex="2", serial="999"),
        nip(serial="000"),
        nip(birth="19700101", appointed="199503"),
        nip(birth="20000229", appointed="202401"),  # leap day
        nip(birth="19850315", appointed="200112"),  # appointed in the year the holder turns 16
        nip(birth="19850315", appointed="202601"),  # appointed this month
    ],
)
def test_valid_nips_pass(value):
    assert validate_nip(value, today=TODAY) is None


def test_validator_defaults_today_to_the_current_date():
    assert validate_nip(nip()) is None


# --- format ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "1", nip()[:17], nip() + "0", nip() + "00"])
def test_wrong_length_is_rejected(value):
    assert error_code(value) == "nip_format"


@pytest.mark.parametrize(
    "value",
    [
        "19850315 201012 1 001",
        "1985-03-15-2010121",
        "19850315201012100a",
        "1985031520101210O1",  # letter O instead of zero
        " 19850315201012100",
        "19850315201012100 ",
        "+19850315201012100",
        "-19850315201012100",
        "19850315201012100\n",
    ],
)
def test_non_digits_are_rejected(value):
    assert error_code(value) == "nip_format"


@pytest.mark.parametrize(
    "value",
    [
        "١٩٨٥٠٣١٥٢٠١٠١٢١٠٠١",  # Arabic-Indic digits, 18 of them
        "1985031520101210٠١",  # two Arabic-Indic digits at the end
        "198503152010121００1",  # full-width zeros
        "१९८५०३१५२०१०१२१००१",  # Devanagari digits
        "19850315201012100²",  # superscript two (str.isdigit() is True for it)
    ],
)
def test_non_ascii_digits_are_rejected(value):
    assert len(value) == 18
    assert error_code(value) == "nip_format"


# --- birth date -----------------------------------------------------------------------------------


@pytest.mark.parametrize("birth", ["19851332", "19851301", "19850001", "19850230", "19850431", "19850100", "00000101"])
def test_impossible_birth_date_is_rejected(birth):
    assert error_code(nip(birth=birth)) == "nip_birth_date"


def test_feb_29_in_a_non_leap_year_is_rejected():
    assert error_code(nip(birth="19850229")) == "nip_birth_date"


@pytest.mark.parametrize(
    ("birth", "appointed"),
    [
        ("20150101", "202501"),  # eleven years old
        ("20090116", "202501"),  # one day short of seventeen
        ("19000101", "192001"),  # 126 years old
        ("19350115", "196001"),  # turned 91 today
        ("20300101", "202501"),  # not born yet
    ],
)
def test_implausible_age_is_rejected(birth, appointed):
    assert error_code(nip(birth=birth, appointed=appointed)) == "nip_birth_date"


@pytest.mark.parametrize(("birth", "appointed"), [("20090115", "202501"), ("19350116", "196001")])
def test_ages_seventeen_and_ninety_are_accepted(birth, appointed):
    assert validate_nip(nip(birth=birth, appointed=appointed), today=TODAY) is None


def test_birth_date_error_names_the_date():
    with pytest.raises(ValidationError) as info:
        validate_nip(nip(birth="20150101"), today=TODAY)
    assert info.value.params == {"date": "2015-01-01"}


# --- appointment ----------------------------------------------------------------------------------


@pytest.mark.parametrize("appointed", ["201000", "201013", "201099"])
def test_impossible_appointment_month_is_rejected(appointed):
    assert error_code(nip(appointed=appointed)) == "nip_appointment"


@pytest.mark.parametrize("appointed", ["200012", "199001", "198503", "000001"])
def test_appointment_before_age_sixteen_is_rejected(appointed):
    assert error_code(nip(birth="19850315", appointed=appointed)) == "nip_appointment"


@pytest.mark.parametrize("appointed", ["202701", "203001", "999912"])
def test_appointment_in_a_future_year_is_rejected(appointed):
    assert error_code(nip(appointed=appointed)) == "nip_appointment"


@pytest.mark.parametrize("appointed", ["202602", "202612"])
def test_appointment_later_this_year_is_rejected(appointed):
    # TODAY is 2026-01-15: an appointment in February or December 2026 has not happened yet.
    assert error_code(nip(appointed=appointed)) == "nip_appointment"


# --- sex digit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sex", ["0", "3", "9"])
def test_sex_digit_other_than_one_or_two_is_rejected(sex):
    assert error_code(nip(sex=sex)) == "nip_sex"


# --- properties -----------------------------------------------------------------------------------

# Ages 20 to 60 on TODAY (2026-01-15): born 1965-01-16 .. 2006-01-15.
OLDEST = dt.date(1965, 1, 16)
YOUNGEST = dt.date(2006, 1, 15)


@st.composite
def valid_nips(draw):
    birth = draw(st.dates(min_value=OLDEST, max_value=YOUNGEST))
    year = draw(st.integers(min_value=birth.year + 18, max_value=TODAY.year))
    last_month = TODAY.month if year == TODAY.year else 12
    month = draw(st.integers(min_value=1, max_value=last_month))
    sex = draw(st.sampled_from("12"))
    serial = draw(st.integers(min_value=0, max_value=999))
    return f"{birth:%Y%m%d}{year:04d}{month:02d}{sex}{serial:03d}"


def is_18_ascii_digits(value):
    return len(value) == 18 and all(c in "0123456789" for c in value)


not_18_ascii_digits = st.one_of(
    st.text(),
    st.text(alphabet="0123456789", max_size=40).filter(lambda s: len(s) != 18),
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=18, max_size=18),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=18, max_size=18),
).filter(lambda s: not is_18_ascii_digits(s))


@given(valid_nips())
def test_every_well_formed_nip_validates(value):
    assert validate_nip(value, today=TODAY) is None


@given(not_18_ascii_digits)
def test_anything_but_eighteen_ascii_digits_is_rejected(value):
    with pytest.raises(ValidationError) as info:
        validate_nip(value, today=TODAY)
    assert info.value.code == "nip_format"
