"""Prefill (免填): values the platform already holds, offered per field with where they came from.

A field names its source as ``<source>.<key>`` (``identity.id_number``, ``profile.phone``,
``organization.credit_code``) or as ``<source>`` alone, when the key is the field's own name (``history``: the
same field of the applicant's latest application). Sources are plugins: this module registers the three the
catalogue can read itself (verified identity, the personal profile, the acting organisation); higher apps
register theirs with :func:`prefill_source_register` in ``AppConfig.ready`` — ``history`` (cases), ``license``
(electronic licences), ``exchange`` (data sharing). A form may already name those three before they are
registered; until then they are skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.catalog.forms.spec import KIND_LABELS, PrefilledValue
from tongban.core.errors import DomainError
from tongban.identity import selectors as identity_selectors
from tongban.identity.interface import birth_date_of, sex_of
from tongban.organizations import selectors as organization_selectors

if TYPE_CHECKING:
    from tongban.catalog.forms.spec import FormSpec

log = logging.getLogger(__name__)

SOURCE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Sources that later apps register; a form may name them before they exist (they are skipped until then).
RESERVED_SOURCES: dict[str, Any] = {
    "history": gettext_lazy("本人历史办件"),
    "license": gettext_lazy("电子证照库"),
    "exchange": gettext_lazy("部门共享数据"),
}
TEXT_KINDS = ("text", "textarea")


@dataclass(frozen=True)
class PrefillKey:
    """One value a source offers: its label in the editor and the field kinds it fits (empty: any value kind)."""

    label: Any
    kinds: tuple[str, ...] = ()


class PrefillProvider:
    """Base class of prefill sources. ``keys`` lists what the source offers (``None``: any key, named by the form).

    ``values`` returns, for the keys asked for, the values it holds for this applicant; keys it has nothing for
    are left out. It must scope its reads to ``user`` (and ``acting_org_id``, checked, when it reads organisation
    data) and never return another person's data.
    """

    label: Any = ""
    keys: Mapping[str, PrefillKey] | None = None

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: FormSpec) -> Mapping[str, PrefilledValue]:
        raise NotImplementedError


_PROVIDERS: dict[str, PrefillProvider] = {}
_BUILT_IN: set[str] = set()


def prefill_source_register(name: str, provider: PrefillProvider) -> None:
    """Register (or replace) the prefill source ``name``. Called by apps in ``AppConfig.ready``."""
    if not SOURCE_NAME_RE.fullmatch(name):
        raise ValueError(f"invalid prefill source name: {name!r}")
    _PROVIDERS[name] = provider


def prefill_source_unregister(name: str) -> None:
    """For tests: forget a source registered by a test."""
    if name not in _BUILT_IN:
        _PROVIDERS.pop(name, None)


def prefill_sources() -> dict[str, PrefillProvider]:
    return dict(_PROVIDERS)


def prefill_choices() -> list[tuple[str, str]]:
    """``(reference, label)`` of every known source key, for the editor's drop-down."""
    choices: list[tuple[str, str]] = []
    for name, provider in _PROVIDERS.items():
        if provider.keys is None:
            choices.append((name, _("%(s)s（同名字段）") % {"s": provider.label}))
            continue
        for key, spec in provider.keys.items():
            choices.append((f"{name}.{key}", f"{provider.label}：{spec.label}"))
    for name, label in RESERVED_SOURCES.items():
        if name not in _PROVIDERS:
            choices.append((name, _("%(s)s（同名字段，待接入）") % {"s": label}))
    return choices


def split_reference(reference: str) -> tuple[str, str]:
    source, _dot, key = reference.partition(".")
    return source, key


def prefill_source_problem(reference: str, *, kind: str) -> str | None:
    """Why ``reference`` cannot prefill a field of ``kind`` (a phrase that follows the field's label), or None."""
    source, key = split_reference(reference)
    provider = _PROVIDERS.get(source)
    if provider is None:
        if source in RESERVED_SOURCES and (not key or SOURCE_NAME_RE.fullmatch(key)):
            return None
        known = "、".join(sorted({*_PROVIDERS, *RESERVED_SOURCES}))
        return _("的预填来源“%(s)s”不存在（可用：%(k)s）。") % {"s": source, "k": known}
    if provider.keys is None:
        return None if not key or SOURCE_NAME_RE.fullmatch(key) else _("的预填项“%(r)s”无效。") % {"r": reference}
    if key not in provider.keys:
        offered = "、".join(provider.keys)
        return _("的预填来源“%(s)s”没有“%(k)s”这一项（可用：%(o)s）。") % {"s": source, "k": key, "o": offered}
    kinds = provider.keys[key].kinds
    if kinds and kind not in kinds:
        return _("的预填项“%(r)s”不能填入“%(t)s”类型的字段。") % {"r": reference, "t": KIND_LABELS.get(kind, kind)}
    return None


def form_prefill(*, spec: FormSpec, user: Any, acting_org_id: int | None = None) -> dict[str, PrefilledValue]:
    """Prefilled values by field name for this applicant (and the organisation they act for, checked).

    Fields whose source is unknown or holds nothing are left out. An organisation the user may not act for is
    refused (:class:`~tongban.core.errors.NotPermitted`), never silently read.
    """
    wanted: dict[str, dict[str, list[str]]] = {}
    for field in spec.fields:
        if not field.prefill:
            continue
        source, key = split_reference(field.prefill)
        wanted.setdefault(source, {}).setdefault(key or field.name, []).append(field.name)
    result: dict[str, PrefilledValue] = {}
    for source, by_key in wanted.items():
        provider = _PROVIDERS.get(source)
        if provider is None:
            continue
        try:
            values = provider.values(keys=set(by_key), user=user, acting_org_id=acting_org_id, spec=spec)
        except DomainError:
            raise
        except Exception:  # a data source that fails must not stop the applicant from filling in the form
            if source in _BUILT_IN:
                raise
            log.exception("prefill source %s failed", source)
            continue
        for key, value in values.items():
            for name in by_key.get(key, []):
                fitted = _fit(spec, name, value)
                if fitted is not None:
                    result[name] = fitted
    return result


def _fit(spec: FormSpec, name: str, prefilled: PrefilledValue) -> PrefilledValue | None:
    """The value as the field takes it: choices must be one of the options (matched by value, then label)."""
    field = spec.field_named(name)
    value = prefilled.value
    if field is None or value in (None, "", [], {}):
        return None
    if field.kind == "choice":
        labels = {label: option for option, label in field.options}
        if value not in field.option_labels:
            if value not in labels:
                return None
            value = labels[value]
    if field.kind in ("region", "address") and not value:
        return None
    if value is prefilled.value:
        return prefilled
    return PrefilledValue(value=value, source=prefilled.source, source_label=prefilled.source_label,
                          locked=prefilled.locked)


# ------------------------------------------------------------------ built-in sources

IDENTITY_METHOD_LABELS: dict[str, Any] = {
    "population": gettext_lazy("公安人口库"),
    "face": gettext_lazy("公安人口库（人脸核验）"),
    "bankcard": gettext_lazy("公安人口库（银行卡核验）"),
    "manual_review": gettext_lazy("实名人工审核"),
    "in_person": gettext_lazy("窗口现场核验"),
    "window": gettext_lazy("窗口现场核验"),
}
SEX_LABELS = {"male": gettext_lazy("男"), "female": gettext_lazy("女")}


class IdentityProvider(PrefillProvider):
    """The verified name and ID number (and what follows from it): locked, corrected only by 纠错."""

    label = gettext_lazy("实名身份信息")
    keys = {
        "name": PrefillKey(gettext_lazy("姓名"), TEXT_KINDS),
        "id_number": PrefillKey(gettext_lazy("身份证号码"), ("id_number", "text")),
        "birth_date": PrefillKey(gettext_lazy("出生日期"), ("date",)),
        "sex": PrefillKey(gettext_lazy("性别（male/female）"), ("choice", "text")),
    }

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: FormSpec) -> Mapping[str, PrefilledValue]:
        if not getattr(user, "is_authenticated", False):
            return {}
        verified = identity_selectors.person_verified_identity(user_id=user.pk)
        if verified is None:
            return {}
        name, id_number = verified
        profile = identity_selectors.person_profile(user=user)
        method = profile.assurance_method if profile else ""
        label = str(IDENTITY_METHOD_LABELS.get(method, _("实名核验信息")))
        raw: dict[str, Any] = {"name": name, "id_number": id_number}
        try:
            raw["sex"] = str(sex_of(id_number))
            raw["birth_date"] = birth_date_of(id_number).isoformat()
        except DomainError:
            pass
        return {key: PrefilledValue(value=raw[key], source="identity.verified", source_label=label, locked=True)
                for key in keys if key in raw}


class ProfileProvider(PrefillProvider):
    """一人一档: the account's mobile number, the default address, the first emergency contact. Editable."""

    label = gettext_lazy("个人资料")
    keys = {
        "phone": PrefillKey(gettext_lazy("手机号码"), ("phone", "text")),
        "address": PrefillKey(gettext_lazy("常用地址（区划＋详细地址）"), ("address",)),
        "address_region": PrefillKey(gettext_lazy("常用地址所在区划"), ("region",)),
        "address_detail": PrefillKey(gettext_lazy("常用地址的详细地址"), TEXT_KINDS),
        "contact_name": PrefillKey(gettext_lazy("紧急联系人姓名"), TEXT_KINDS),
        "contact_phone": PrefillKey(gettext_lazy("紧急联系人手机号码"), ("phone", "text")),
        "contact_relation": PrefillKey(gettext_lazy("与紧急联系人的关系"), ("choice", "text")),
    }

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: FormSpec) -> Mapping[str, PrefilledValue]:
        if not getattr(user, "is_authenticated", False):
            return {}
        profile = identity_selectors.person_prefill_profile(user_id=user.pk)
        if profile is None:
            return {}
        raw: dict[str, Any] = {
            "phone": profile.phone, "address_region": profile.address_region, "address_detail": profile.address_detail,
            "contact_name": profile.contact_name, "contact_phone": profile.contact_phone,
            "contact_relation": profile.contact_relation,
        }
        if profile.address_region:
            raw["address"] = {"region": profile.address_region, "detail": profile.address_detail}
        label = str(self.label)
        return {key: PrefilledValue(value=raw[key], source="profile", source_label=label, locked=False)
                for key in keys if raw.get(key)}


class OrganizationProvider(PrefillProvider):
    """The legal person the applicant acts for (checked: its own account, its legal representative or an
    authorised agent). Values checked against the registry are locked."""

    label = gettext_lazy("法人信息")
    keys = {
        "name": PrefillKey(gettext_lazy("单位名称"), TEXT_KINDS),
        "credit_code": PrefillKey(gettext_lazy("统一社会信用代码"), ("credit_code", "text")),
        "legal_rep_name": PrefillKey(gettext_lazy("法定代表人（负责人）姓名"), TEXT_KINDS),
        "org_type": PrefillKey(gettext_lazy("法人类型"), ("choice", "text")),
    }

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: FormSpec) -> Mapping[str, PrefilledValue]:
        if not getattr(user, "is_authenticated", False):
            return {}
        if acting_org_id is None:
            summary = organization_selectors.organization_for_account(user=user)
            if summary is None:
                return {}
        else:
            summary = organization_selectors.organization_summary_for(user=user, org_id=acting_org_id)
        verified = summary.registry_checked
        rep_verified = summary.legal_rep_confirmed or verified
        raw = {"name": (summary.name, verified), "credit_code": (summary.credit_code, verified),
               "legal_rep_name": (summary.legal_rep_name, rep_verified), "org_type": (summary.org_type, verified)}
        out = {}
        for key in keys:
            if key not in raw or not raw[key][0]:
                continue
            value, locked = raw[key]
            out[key] = PrefilledValue(
                value=value, source="organization.verified" if locked else "organization",
                source_label=str(_("法人登记信息") if locked else _("法人账户信息")), locked=locked)
        return out


for _name, _provider in (("identity", IdentityProvider()), ("profile", ProfileProvider()),
                         ("organization", OrganizationProvider())):
    prefill_source_register(_name, _provider)
    _BUILT_IN.add(_name)
