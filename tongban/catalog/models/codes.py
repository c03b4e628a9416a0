"""Code tables of GB/T 39046-2020 appendix A and Tongban's own enumerations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):  # 事项类型
    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    COERCION = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    PAYMENT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class Audience(models.TextChoices):  # 服务主题分类：自然人 / 法人
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人")


class ServiceObject(models.TextChoices):  # 服务对象
    NATURAL_PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    PUBLIC_INSTITUTION = "3", _("事业法人")
    SOCIAL_ORGANIZATION = "4", _("社会组织法人")
    GOVERNMENT = "5", _("行政机关")
    OTHER_ORGANIZATION = "6", _("其他组织")


class HandlingForm(models.TextChoices):  # 办理形式
    WINDOW = "1", _("窗口办理")
    PC_ONLINE = "2", _("电脑端网办")
    MOBILE = "3", _("移动端办理")
    EXPRESS = "4", _("快递申请")
    OTHER = "9", _("其他")


class CaseType(models.TextChoices):  # 办件类型
    IMMEDIATE = "1", _("即办件")
    PROMISED = "2", _("承诺件")
    OTHER = "9", _("其他")


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("工作日")
    NATURAL_DAY = "natural_day", _("自然日")


class ResultType(models.TextChoices):  # 结果类型
    CERTIFICATE = "certificate", _("出证")
    DOCUMENT = "document", _("出文")
    APPROVAL = "approval", _("审批")


class OnlineDepth(models.IntegerChoices):  # 网办深度
    PUBLICITY = 1, _("Ⅰ级 办事指南公开")
    DOWNLOAD = 2, _("Ⅱ级 表格下载、在线咨询")
    PRE_REVIEW = 3, _("Ⅲ级 网上预审、在线申报")
    FULLY_ONLINE = 4, _("Ⅳ级 全程网办")


class Scope(models.TextChoices):  # 通办范围
    NATIONAL = "全国", _("全国通办")
    CROSS_PROVINCE = "跨省", _("跨省通办")
    PROVINCE = "全省", _("全省通办")
    CROSS_CITY = "跨市", _("跨市通办")
    CROSS_COUNTY = "跨县", _("跨县通办")
    NONE = "无", _("不通办")


class AssuranceLevel(models.TextChoices):  # 办理所需的身份等级
    GUEST = "guest", _("游客可办")
    REGISTERED = "registered", _("注册用户")
    VERIFIED = "verified", _("实名认证用户")


class CatalogStatus(models.TextChoices):  # 事项 / 实施清单状态
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUSPENDED = "suspended", _("暂停")
    CANCELLED = "cancelled", _("已取消")
