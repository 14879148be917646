"""Import of units and of users from .csv / .xlsx: validate everything first, then write all or nothing.

``*_import_plan`` reads and validates a file without writing; ``*_import_apply`` writes a valid plan in
one transaction. Re-importing the same file updates rows in place (matched by unit code / username), so
an import is idempotent. The demo seed uses the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from p2ham.accounts.models import NATIONAL_ROLES, NATIONWIDE_ONLY_ROLES, Role, RoleAssignment, User
from p2ham.accounts.validators import validate_nip
from p2ham.audit.services import audit_log
from p2ham.core.tabular import TableRow, read_table
from p2ham.organizations.models import Institution, Province, Unit, UnitType, code_validator
from p2ham.organizations.services import unit_save

UNIT_ALIASES = {
    "kode": "code",
    "kode_unit": "code",
    "nama": "name",
    "nama_unit": "name",
    "jenis": "type",
    "jenis_unit": "type",
    "unit_type": "type",
    "instansi": "institution",
    "induk": "parent",
    "kode_induk": "parent",
    "parent_code": "parent",
    "provinsi": "province",
    "kode_provinsi": "province",
    "alamat": "address",
    "aktif": "active",
}
UNIT_COLUMNS = ("code", "name", "type", "institution", "parent", "province", "address", "active")
UNIT_REQUIRED = ("code", "name", "type", "institution", "province")

USER_ALIASES = {
    "nama_lengkap": "full_name",
    "nama": "full_name",
    "name": "full_name",
    "telepon": "phone",
    "hp": "phone",
    "peran": "role",
    "kode_unit": "unit",
    "unit_code": "unit",
}
USER_COLUMNS = ("username", "full_name", "nip", "email", "phone", "role", "unit")
USER_REQUIRED = ("username", "full_name", "role")
USER_LIMITS = {"username": 150, "full_name": 150, "email": 254, "phone": 30}

TRUE_WORDS = {"", "1", "ya", "yes", "true", "aktif", "y"}
FALSE_WORDS = {"0", "tidak", "no", "false", "nonaktif", "n"}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportPlan:
    kind: str  # "units" or "users"
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    creates: int = 0
    updates: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors


def _missing_columns(header: list[str], required: tuple[str, ...]) -> list[RowError]:
    return [
        RowError(1, col, _("Required column “%(column)s” is missing from the header row.") % {"column": col})
        for col in required
        if col not in header
    ]


# ---------------------------------------------------------------- units


def units_import_plan(*, data: bytes, filename: str) -> ImportPlan:
    """Read and validate a units file; raises TableFileError for an unreadable file."""
    header, rows = read_table(data, filename, UNIT_ALIASES)
    return units_plan_rows(rows, header=header)


def units_plan_rows(rows: list[TableRow], *, header: list[str] | None = None) -> ImportPlan:
    """Validate unit rows against the database and each other."""
    plan = ImportPlan(kind="units")
    if header is not None:
        plan.errors.extend(_missing_columns(header, UNIT_REQUIRED))
        if plan.errors:
            return plan
    if not rows:
        plan.errors.append(RowError(1, "", _("The file has no data rows.")))
        return plan
    types = {t.code.lower(): t for t in UnitType.objects.all()}
    institutions = {i.code.lower(): i for i in Institution.objects.all()}
    provinces: dict[str, Province] = {}
    for p in Province.objects.all():
        provinces[p.code] = p
        provinces[p.name.lower()] = p
    existing = {code.lower(): code for code in Unit.objects.values_list("code", flat=True)}
    codes_in_file: dict[str, int] = {}
    for row in rows:
        v = row.values
        code = v.get("code", "")
        if code:
            if code.lower() in codes_in_file:
                plan.errors.append(
                    RowError(
                        row.number,
                        "code",
                        _("Duplicate code “%(code)s”: already used in row %(row)s.")
                        % {"code": code, "row": codes_in_file[code.lower()]},
                    )
                )
            else:
                codes_in_file[code.lower()] = row.number
    for row in rows:
        v = row.values
        errors: list[RowError] = []

        def err(column: str, message: str, _row: TableRow = row, _errors: list[RowError] = errors) -> None:
            _errors.append(RowError(_row.number, column, message))

        for col in UNIT_REQUIRED:
            if not v.get(col):
                err(col, _("This value is required."))
        code = v.get("code", "")
        if code:
            try:
                code_validator(code)
            except ValidationError:
                err(
                    "code",
                    _("Code “%(code)s” may contain only letters, digits, dots, dashes and underscores.")
                    % {"code": code},
                )
            if len(code) > 40:
                err("code", _("Code is longer than 40 characters."))
        if len(v.get("name", "")) > 200:
            err("name", _("Name is longer than 200 characters."))
        unit_type = types.get(v.get("type", "").lower())
        if v.get("type") and unit_type is None:
            err("type", _("Unknown unit type “%(value)s”.") % {"value": v["type"]})
        institution = institutions.get(v.get("institution", "").lower())
        if v.get("institution") and institution is None:
            err("institution", _("Unknown institution “%(value)s”.") % {"value": v["institution"]})
        province_value = v.get("province", "")
        province = provinces.get(province_value.zfill(2) if province_value.isdigit() else province_value.lower())
        if province_value and province is None:
            err(
                "province",
                _("Unknown province “%(value)s”. Use the 2-digit Kemendagri code or the name.")
                % {"value": province_value},
            )
        parent_code = v.get("parent", "")
        if parent_code:
            if parent_code.lower() == code.lower():
                err("parent", _("A unit cannot be its own parent."))
            elif parent_code.lower() not in existing and parent_code.lower() not in codes_in_file:
                err(
                    "parent",
                    _("Unknown parent unit “%(value)s”: it is neither in this file nor in the system.")
                    % {"value": parent_code},
                )
        active_word = v.get("active", "").lower()
        if active_word not in TRUE_WORDS | FALSE_WORDS:
            err("active", _("“%(value)s” is not yes/no.") % {"value": v.get("active")})
        plan.errors.extend(errors)
        if not errors:
            plan.rows.append(
                {
                    "row": row.number,
                    "code": existing.get(code.lower(), code),
                    "name": v["name"],
                    "unit_type": unit_type,
                    "institution": institution,
                    "province": province,
                    "parent_code": existing.get(parent_code.lower(), parent_code) if parent_code else "",
                    "address": v.get("address", ""),
                    "active": active_word not in FALSE_WORDS,
                }
            )
            if code.lower() in existing:
                plan.updates += 1
            else:
                plan.creates += 1
    if not plan.errors:
        plan.errors.extend(_cycle_errors(plan.rows))
    return plan


def _cycle_errors(rows: list[dict[str, Any]]) -> list[RowError]:
    parent_of = {r["code"].lower(): r["parent_code"].lower() for r in rows}
    db_parent = dict((c.lower(), (p or "").lower()) for c, p in Unit.objects.values_list("code", "parent__code"))
    errors = []
    for r in rows:
        seen = {r["code"].lower()}
        current = parent_of.get(r["code"].lower(), "")
        while current:
            if current in seen:
                errors.append(RowError(r["row"], "parent", _("The parent chain of this unit loops back to itself.")))
                break
            seen.add(current)
            current = parent_of.get(current, db_parent.get(current, ""))
    return errors


@transaction.atomic
def units_import_apply(*, actor: Any, plan: ImportPlan) -> dict[str, int]:
    """Write a valid units plan in one transaction, parents before children; audited."""
    if not plan.valid:
        raise ValueError("an import plan with errors cannot be applied")
    by_code = {
        u.code.lower(): u for u in Unit.objects.select_for_update().filter(code__in=[r["code"] for r in plan.rows])
    }
    pending = list(plan.rows)
    codes_pending = {r["code"].lower() for r in pending}
    created = updated = unchanged = 0
    while pending:
        progressed = []
        for r in pending:
            parent_code = r["parent_code"].lower()
            if parent_code and parent_code in codes_pending:
                continue  # its parent is written first
            parent = None
            if parent_code:
                parent = by_code.get(parent_code) or Unit.objects.get(code__iexact=parent_code)
                by_code[parent_code] = parent
            unit = by_code.get(r["code"].lower())
            fields = {
                "name": r["name"],
                "unit_type": r["unit_type"],
                "institution": r["institution"],
                "parent": parent,
                "province": r["province"],
                "address": r["address"],
                "active": r["active"],
            }
            if unit is not None and all(
                getattr(unit, k + "_id" if k in {"unit_type", "institution", "parent", "province"} else k)
                == (v.pk if hasattr(v, "pk") else v)
                for k, v in fields.items()
            ):
                unchanged += 1
            else:
                if unit is None:
                    created += 1
                else:
                    updated += 1
                unit = unit_save(actor=actor, code=r["code"], unit=unit, **fields)
            by_code[r["code"].lower()] = unit
            progressed.append(r)
        if not progressed:  # cannot happen after _cycle_errors; guards against an endless loop
            raise ValueError("unit import could not order parents before children")
        for r in progressed:
            pending.remove(r)
            codes_pending.discard(r["code"].lower())
    summary = {"created": created, "updated": updated, "unchanged": unchanged}
    if created or updated:
        audit_log(actor=actor, action="unit.import", data=summary)
    return summary


# ---------------------------------------------------------------- users


def users_import_plan(*, data: bytes, filename: str) -> ImportPlan:
    """Read and validate a users file; raises TableFileError for an unreadable file."""
    header, rows = read_table(data, filename, USER_ALIASES)
    return users_plan_rows(rows, header=header)


def _role_from(value: str) -> Role | None:
    key = value.strip().lower().replace(" ", "_")
    for role in Role:
        if key in {role.value, str(role.label).lower().replace(" ", "_")}:
            return role
    return None


def users_plan_rows(rows: list[TableRow], *, header: list[str] | None = None) -> ImportPlan:
    """Validate user rows (one row per user and role) against the database and each other."""
    plan = ImportPlan(kind="users")
    if header is not None:
        plan.errors.extend(_missing_columns(header, USER_REQUIRED))
        if plan.errors:
            return plan
    if not rows:
        plan.errors.append(RowError(1, "", _("The file has no data rows.")))
        return plan
    units = {code.lower(): pk for code, pk in Unit.objects.values_list("code", "pk")}
    existing_users = {u.username.lower(): u for u in User.objects.all().only("username", "nip", "email")}
    nip_owner = {u.nip: name for name, u in existing_users.items() if u.nip}
    email_owner = {u.email.lower(): name for name, u in existing_users.items() if u.email}
    first_row_of: dict[str, tuple[int, dict[str, str]]] = {}
    nip_in_file: dict[str, tuple[str, int]] = {}  # NIP -> (username, first row)
    email_in_file: dict[str, tuple[str, int]] = {}
    seen_roles: set[tuple[str, str, str]] = set()
    usernames_planned: set[str] = set()
    for row in rows:
        v = row.values
        errors: list[RowError] = []

        def err(column: str, message: str, _row: TableRow = row, _errors: list[RowError] = errors) -> None:
            _errors.append(RowError(_row.number, column, message))

        for col in USER_REQUIRED:
            if not v.get(col):
                err(col, _("This value is required."))
        username = v.get("username", "")
        key = username.lower()
        if username and not all(ch.isalnum() or ch in "@.+-_" for ch in username):
            err("username", _("Username may contain only letters, digits and @ . + - _"))
        for column, limit in USER_LIMITS.items():
            if len(v.get(column, "")) > limit:
                err(column, _("Longer than %(limit)s characters.") % {"limit": limit})
        nip = v.get("nip", "")
        if nip:
            if "nip" in row.numeric_columns:
                err("nip", _("The NIP is stored as a number, which loses digits. Format the NIP column as Text."))
            else:
                try:
                    validate_nip(nip)
                except ValidationError as exc:
                    err("nip", " ".join(exc.messages))
            owner = nip_owner.get(nip)
            if owner and owner != key:
                err("nip", _("NIP %(nip)s already belongs to user “%(user)s”.") % {"nip": nip, "user": owner})
        email = v.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                err("email", _("“%(value)s” is not a valid e-mail address.") % {"value": email})
            owner = email_owner.get(email.lower())
            if owner and owner != key:
                err(
                    "email", _("E-mail %(email)s already belongs to user “%(user)s”.") % {"email": email, "user": owner}
                )
        role = _role_from(v.get("role", "")) if v.get("role") else None
        if v.get("role") and role is None:
            err(
                "role",
                _("Unknown role “%(value)s”. Use one of: %(roles)s.")
                % {"value": v["role"], "roles": ", ".join(r.value for r in Role)},
            )
        unit_code = v.get("unit", "")
        unit_id = units.get(unit_code.lower()) if unit_code else None
        if unit_code and unit_id is None:
            err("unit", _("Unknown unit “%(value)s”.") % {"value": unit_code})
        if role is not None and not unit_code and role not in NATIONAL_ROLES:
            err("unit", _("The role “%(role)s” needs a unit.") % {"role": role.label})
        if role is not None and unit_code and role in NATIONWIDE_ONLY_ROLES:
            err("unit", _("The role “%(role)s” is nationwide: leave the unit empty.") % {"role": role.label})
        if key in first_row_of:
            first_number, first_values = first_row_of[key]
            for col in ("full_name", "nip", "email", "phone"):
                if v.get(col, "") != first_values.get(col, ""):
                    err(col, _("Differs from row %(row)s for the same username.") % {"row": first_number})
        elif key:
            first_row_of[key] = (row.number, v)
            # The same NIP or e-mail for two different usernames in one file.
            if nip:
                other = nip_in_file.setdefault(nip, (key, row.number))
                if other[0] != key:
                    err("nip", _("The same NIP is used in row %(row)s for another user.") % {"row": other[1]})
            if email:
                other = email_in_file.setdefault(email.lower(), (key, row.number))
                if other[0] != key:
                    err("email", _("The same e-mail is used in row %(row)s for another user.") % {"row": other[1]})
        role_key = (key, role.value if role else "", unit_code.lower())
        if role is not None and role_key in seen_roles:
            err("role", _("This role for this unit is listed twice for the same user."))
        seen_roles.add(role_key)
        plan.errors.extend(errors)
        if not errors and role is not None:
            plan.rows.append(
                {
                    "row": row.number,
                    # An existing account keeps its stored spelling: "Budi" in the file updates user "budi".
                    "username": existing_users[key].username if key in existing_users else username,
                    "full_name": v["full_name"],
                    "nip": nip or None,
                    "email": email,
                    "phone": v.get("phone", ""),
                    "role": role,
                    "unit_id": unit_id,
                }
            )
            if key not in usernames_planned:
                usernames_planned.add(key)
                if key in existing_users:
                    plan.updates += 1
                else:
                    plan.creates += 1
    return plan


@transaction.atomic
def users_import_apply(*, actor: Any, plan: ImportPlan, passwords: dict[str, str] | None = None) -> dict[str, int]:
    """Write a valid users plan in one transaction: create/update people, add their roles; audited.

    New accounts get no usable password (they set one through "forgot password") unless ``passwords``
    gives one, which only the demo seed does.
    """
    if not plan.valid:
        raise ValueError("an import plan with errors cannot be applied")
    passwords = {name.lower(): pw for name, pw in (passwords or {}).items()}
    users: dict[str, User] = {
        u.username.lower(): u
        for u in User.objects.select_for_update().filter(username__in=[r["username"] for r in plan.rows])
    }
    created = updated = roles_added = 0
    touched: set[str] = set()  # a user listed on several rows (one per role) is written once
    for r in plan.rows:
        key = r["username"].lower()
        user = users.get(key)
        fields = {"full_name": r["full_name"], "nip": r["nip"], "email": r["email"], "phone": r["phone"]}
        if user is None:
            user = User(username=r["username"], **fields)
            if key in passwords:
                user.set_password(passwords[key])
            else:
                user.set_unusable_password()
            user.save()
            users[key] = user
            created += 1
            audit_log(actor=actor, action="user.create", target=user, data={"username": user.username})
        elif key not in touched:
            changed = {k: [getattr(user, k), val] for k, val in fields.items() if getattr(user, k) != val}
            if changed:
                for k, val in fields.items():
                    setattr(user, k, val)
                user.save(update_fields=list(fields))
                updated += 1
                audit_log(actor=actor, action="user.update", target=user, data=changed)
        touched.add(key)
        assignment, made = RoleAssignment.objects.get_or_create(user=user, role=r["role"], unit_id=r["unit_id"])
        if made:
            roles_added += 1
            audit_log(
                actor=actor,
                action="role.grant",
                target=user,
                unit=assignment.unit,
                data={"role": r["role"].value, "unit_id": r["unit_id"]},
            )
    summary = {"created": created, "updated": updated, "roles_added": roles_added}
    if created or updated or roles_added:
        audit_log(actor=actor, action="user.import", data=summary)
    return summary
