from __future__ import annotations

from typing import Any

import factory

from p2ham.organizations.models import Institution, Province, Unit, UnitType
from p2ham.organizations.services import unit_save


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"INST-{n}")
    name = factory.LazyAttribute(lambda o: f"Instansi {o.code}")
    kind = Institution.Kind.KL


class UnitFactory(factory.django.DjangoModelFactory):
    """Units are created through ``unit_save`` so their tree path is right."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"UNIT-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Unit {o.code}")
    unit_type = factory.LazyFunction(lambda: UnitType.objects.get(code="lapas"))
    institution = factory.SubFactory(InstitutionFactory, code="KEMENIMIPAS")
    parent = None
    province = factory.LazyFunction(lambda: Province.objects.get(code="81"))
    address = ""
    active = True

    @classmethod
    def _create(cls, model_class: type[Unit], *args: Any, **kwargs: Any) -> Unit:
        code = kwargs.pop("code")
        return unit_save(actor=None, code=code, **kwargs)
