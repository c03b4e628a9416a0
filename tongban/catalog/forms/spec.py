"""The plain data of application forms (申请表单): fields, specs and prefilled values. Frozen; no ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

# Field kinds (字段类型) an administrator can choose, with their labels in the editor.
KIND_LABELS: dict[str, Any] = {
    "text": _("单行文字"),
    "textarea": _("多行文字"),
    "number": _("数字"),
    "date": _("日期"),
    "choice": _("单选"),
    "multichoice": _("多选"),
    "region": _("行政区划"),
    "address": _("地址（区划＋详细地址）"),
    "id_number": _("身份证号码"),
    "credit_code": _("统一社会信用代码"),
    "phone": _("手机号码"),
    "email": _("电子邮箱"),
    "rows": _("重复行（表格）"),
    "attachment": _("附件栏（对应申请材料）"),
}
KINDS = frozenset(KIND_LABELS)
# Kinds a repeating row may hold (no nested rows, no attachment slots inside rows).
ROW_KINDS = KINDS - {"rows", "attachment"}
# Region depth (the finest level the applicant must choose) → directory region level.
REGION_LEVELS: dict[str, int] = {"prefecture": 2, "county": 3, "township": 4}
REGION_LEVEL_LABELS: dict[str, Any] = {"prefecture": _("州（市）"), "county": _("县（市、区）"),
                                       "township": _("乡镇（街道）")}
DEFAULT_SECTION = "main"


@dataclass(frozen=True)
class FormField:  # 表单字段
    """One field of a form, as the renderer, the validator and the case engine read it.

    ``visible_when`` is a tuple of ``(field name, accepted values)``: the field is shown (and required, and kept)
    only when every named field holds one of the accepted values. Inside repeating rows the names are those of
    the sibling sub-fields.
    """

    name: str
    label: str
    kind: str
    required: bool = False
    prefill: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    help: str = ""
    section: str = DEFAULT_SECTION
    visible_when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    widget: str = ""  # choice: "select" | "radio"
    placeholder: str = ""
    max_length: int | None = None  # text, textarea, address detail
    min_value: float | None = None  # number
    max_value: float | None = None
    integer: bool = False
    unit: str = ""  # number: 元, 平方米 …
    min_date: str = ""  # date: "today" or YYYY-MM-DD
    max_date: str = ""
    region_level: str = "county"  # region, address
    region_root: str = ""  # 12-digit code of the region the choice must lie in ("" = the whole directory)
    min_rows: int = 0  # rows
    max_rows: int = 20
    subfields: tuple[FormField, ...] = ()
    material: str = ""  # attachment: the name of the item's material (申请材料) this slot takes

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def option_labels(self) -> dict[str, str]:
        return dict(self.options)

    @property
    def conditions(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.visible_when}


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    help: str = ""


@dataclass(frozen=True)
class FormSpec:  # 申请表单（某一版本）
    """A form as published: the JSON Schema (draft 2020-12) generated from the field list, a layout (sections,
    order, help texts; for bundles the member items and their fields) and the fields themselves.

    ``key`` names exactly this content: ``impl:<implementation code>:v<version>`` for an implementation's own
    form, ``impl:<code>:v<version>:item-v<item version>`` when the implementation inherits the default form of
    the item's version in force, ``bundle:<code>:v<n>`` for a bundle's stored form and
    ``bundle:<code>:g<digest>`` for one generated from its members. ``digest`` changes whenever the content does.
    """

    key: str
    version: int
    schema: dict[str, Any]
    layout: dict[str, Any]
    fields: tuple[FormField, ...]
    title: str = ""
    digest: str = ""
    definition: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.fields

    def field_named(self, name: str) -> FormField | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


@dataclass(frozen=True)
class PrefilledValue:  # 预填值
    """A value the platform already holds for the applicant. ``locked`` values come from a verified source and
    cannot be changed by the applicant (a changed one is refused with ``prefill_locked``)."""

    value: Any
    source: str
    source_label: str
    locked: bool
