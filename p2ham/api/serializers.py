from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from p2ham.accounts.models import RoleAssignment, User
from p2ham.organizations.models import Institution, Province, Unit, UnitType


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text=_("Username or e-mail"))
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "timezone", "zone"]


class UnitTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitType
        fields = ["code", "name", "cohort"]


class UnitSerializer(serializers.ModelSerializer):
    type: serializers.SlugRelatedField[UnitType] = serializers.SlugRelatedField(
        source="unit_type", slug_field="code", read_only=True
    )
    type_name = serializers.CharField(source="unit_type.name", read_only=True)
    institution: serializers.SlugRelatedField[Institution] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    # "parent" shadows Field.parent for the type checker only; DRF collects declared fields separately.
    parent: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )
    province: serializers.SlugRelatedField[Province] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province_name = serializers.CharField(source="province.name", read_only=True)
    timezone = serializers.CharField(source="province.timezone", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "type",
            "type_name",
            "institution",
            "parent",
            "province",
            "province_name",
            "timezone",
            "address",
            "active",
            "updated_at",
        ]


class RoleSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit_code = serializers.CharField(source="unit.code", default=None, read_only=True)
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_label", "unit_code", "unit_name"]


class MeSerializer(serializers.ModelSerializer):
    roles = RoleSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["username", "full_name", "nip", "email", "phone", "roles"]


class UnitFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET /units``; unknown values are a 400, not an empty list."""

    type = serializers.SlugRelatedField(slug_field="code", queryset=UnitType.objects.all(), required=False)
    province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all(), required=False)
    parent = serializers.CharField(required=False, max_length=40)  # type: ignore[assignment]
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(
        required=False, choices=["name", "-name", "code", "-code", "type", "-type", "province", "-province"]
    )


class StageWindowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_name = serializers.CharField()
    opens_at = serializers.DateTimeField(help_text="Wall-clock time (WIB); each unit reaches it in its own zone.")
    closes_at = serializers.DateTimeField(help_text="Wall-clock time (WIB); each unit reaches it in its own zone.")
    opens_local = serializers.CharField(help_text="Wall-clock time without offset, applied in each unit's own zone.")
    closes_local = serializers.CharField(help_text="Wall-clock time without offset, applied in each unit's own zone.")


class PeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    regulation_label = serializers.CharField()
    status = serializers.CharField()
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class PeriodDetailSerializer(PeriodSerializer):
    windows = StageWindowSerializer(many=True)
    instruments = serializers.ListField(child=serializers.DictField())


class PeriodCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2018, max_value=2100)
    regulation_label = serializers.CharField(max_length=120)


class InstrumentSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    current = serializers.BooleanField()
    frozen = serializers.BooleanField()
    unit_types = serializers.ListField(child=serializers.CharField())


class OptionTreeSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=80)  # type: ignore[assignment]
    score = serializers.CharField(help_text="0–100, at most two decimals, as a string")


class ScaleTreeSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=120)
    options = OptionTreeSerializer(many=True)


class EvidenceRuleSerializer(serializers.Serializer):
    required = serializers.BooleanField()  # type: ignore[assignment]
    min_files = serializers.IntegerField(min_value=0, max_value=20)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=["pdf", "jpeg", "png", "webp", "docx", "xlsx", "mp4"])
    )
    max_mb = serializers.IntegerField(min_value=1, max_value=500)


class IndicatorTreeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, help_text="unique in the instrument")
    question = serializers.CharField()
    guidance_unit = serializers.CharField(allow_blank=True)
    guidance_verifier = serializers.CharField(allow_blank=True)
    scale = serializers.SlugField(help_text="code of one of the instrument's scales")
    weight = serializers.CharField(help_text="> 0, at most two decimals, as a string")
    mandatory = serializers.BooleanField()
    evidence = EvidenceRuleSerializer()
    continues = serializers.CharField(allow_blank=True, help_text="code of last year's indicator it continues")


class CriterionTreeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    weight = serializers.CharField(help_text="> 0, at most two decimals, as a string")
    indicators = IndicatorTreeSerializer(many=True)


class InstrumentTreeSerializer(serializers.Serializer):
    """The instrument tree: the format of the default data files and of the Excel round trip."""

    code = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(read_only=True)
    regulation = serializers.CharField(allow_blank=True)
    unit_types = serializers.ListField(child=serializers.CharField())
    predicate_threshold = serializers.CharField()
    bonus_cap = serializers.CharField()
    penalty_cap = serializers.CharField()
    scales = ScaleTreeSerializer(many=True)
    criteria = CriterionTreeSerializer(many=True)


class StageWindowWriteSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(help_text="With an offset, or a wall-clock time read as WIB.")
    closes_at = serializers.DateTimeField(help_text="With an offset, or a wall-clock time read as WIB.")


class ExtensionSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=40, help_text="unit code")
    stage = serializers.CharField()
    closes_at = serializers.DateTimeField(help_text="The new deadline; a time without offset is the unit's local time.")
    reason = serializers.CharField(max_length=2000)
    granted_by = serializers.CharField(read_only=True)


class NewVersionSerializer(serializers.Serializer):
    change_note = serializers.CharField(max_length=2000)


class CloneSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="the draft period to copy into")
