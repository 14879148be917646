from __future__ import annotations

import factory

from p2ham.accounts.models import RoleAssignment, User


def nip_for(n: int) -> str:
    """A valid, unique NIP: born 1985-03-15, appointed 2010-12, male, serial n."""
    return f"19850315201012{1}{n % 1000:03d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Pegawai Contoh {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.go.id")
    nip = factory.Sequence(nip_for)
    password = factory.PostGenerationMethodCall("set_password", "Rahasia-Kuat-2026")

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = "operator"
    unit = None
