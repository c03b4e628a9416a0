"""Plain-language labels for catalogue elements on citizen pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tongban.catalog.interface import HandlingForm, ServiceObject, label_of

DEPARTMENT_CATEGORIES = {
    "gongan": _("公安"), "minzheng": _("民政"), "renshe": _("人力资源和社会保障"), "yibao": _("医疗保障"),
    "scjg": _("市场监管"), "shuiwu": _("税务"), "zhujian": _("住房和城乡建设"), "zrzy": _("自然资源（不动产登记）"),
    "jiaotong": _("交通运输"), "weijian": _("卫生健康"), "jiaoyu": _("教育"), "sifa": _("司法"),
    "gjj": _("住房公积金"), "yancao": _("烟草专卖"), "sthj": _("生态环境"), "yaojian": _("药品监管"),
    "canlian": _("残联"), "tyjr": _("退役军人事务"), "water": _("供水"), "power": _("供电"), "gas": _("燃气"),
    "wenlv": _("文化和旅游"), "nongye": _("农业农村"), "shangwu": _("商务"),
}

ASSURANCE_PLAIN = {
    "guest": _("无需登录即可办理"),
    "registered": _("需注册登录"),
    "verified": _("需实名认证后办理"),
}


def _limit(value: int, unit: str) -> str:
    if value == 0:
        return str(_("即办（当场办结）"))
    return f"{value}{_('个工作日') if unit == 'working_day' else _('个自然日')}"


def item_facts(v: Any) -> dict[str, Any]:
    """The guide's headline facts, worded for citizens."""
    return {
        "promised": _limit(v.promised_limit_value, v.promised_limit_unit),
        "legal": _limit(v.legal_limit_value, v.legal_limit_unit),
        "visits": _("一次都不用跑") if v.visit_count == 0 else _("最多跑%(n)d次") % {"n": v.visit_count},
        "fee": _("收费") if v.fee_charged else _("不收费"),
        "assurance": ASSURANCE_PLAIN.get(v.min_assurance, ""),
        "objects": "、".join(label_of(ServiceObject, o) for o in v.service_objects),
        "forms": "、".join(label_of(HandlingForm, f) for f in v.handling_forms),
    }
