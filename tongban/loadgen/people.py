"""Generated applicants: natural persons (账号 + 自然人, verified at level 2–4 with their assurance record) and legal
persons (法人: their own login account, a legal representative among the persons), as the identity and
organisations apps store them — phone and ID number encrypted, found through their blind indexes.

Every value is fictitious but well-formed: ID numbers carry a real Yunnan county code, a birth date and the
GB 11643 check character; credit codes the GB 32100 check character; mobile numbers never collide with the demo
accounts (138…). Accounts have no usable password (they are not meant to sign in with one; benchmarks open their
sessions directly).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tongban.cases.actors import id_index as case_id_index
from tongban.cases.actors import name_index as case_name_index
from tongban.cases.models import Case
from tongban.core.crypto import encrypt_text
from tongban.directory.services import demo_credit_code
from tongban.identity.models import AccountKind, AssuranceEvent, Person, User
from tongban.identity.services import id_number_index, phone_index
from tongban.loadgen.writer import Table, Writer
from tongban.organizations.models import Organization, OrgStatus, OrgType
from tongban.organizations.records import legal_rep_id_index

# Common surnames, most frequent first (weights roughly follow their share of the population).
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
            "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉力鹏飞宇浩然子涵欣怡梓轩雨泽思远"
         "晨曦佳琪嘉怡俊杰志强海燕春梅丽华淑珍德胜国庆建国卫东红梅晓明晓红小燕云龙金凤玉梅永红凤英")
# Names of minority and foreign origin with the middle dot, and characters outside the BMP (生僻字).
DOTTED = ("阿依古丽·买买提", "古丽娜尔·艾力", "热合曼·吐尔逊", "扎西·次仁", "卓玛·拉姆", "阿卜杜·热合曼",
          "木沙·阿不都", "迪丽娜·沙吾提")
RARE = ("𠮷", "䶮", "𡒄", "𨭉", "𪚥", "堃", "喆", "昇", "珺", "淼")
METHODS = {2: "population", 3: "face", 4: "in_person"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ORG_WORDS = ("滇池", "春城", "彩云", "高原", "金马", "碧鸡", "石林", "翠湖", "澜沧", "红土", "茶马", "普洱", "苍山",
             "洱海", "玉龙", "哀牢", "乌蒙", "抚仙", "阳宗", "阿诗玛")
ORG_TRADES = ("科技", "商贸", "餐饮", "建筑工程", "物流", "农业开发", "文化传媒", "旅游", "食品", "医药", "信息技术",
              "家政服务", "汽车服务", "建材", "茶业")
ORG_FORMS = {OrgType.ENTERPRISE: "有限公司", OrgType.INDIVIDUAL: "经营部", OrgType.FARMER_COOP: "专业合作社",
             OrgType.SOCIAL_ORG: "协会"}
ORG_TYPES = ((OrgType.ENTERPRISE, 62), (OrgType.INDIVIDUAL, 30), (OrgType.FARMER_COOP, 5), (OrgType.SOCIAL_ORG, 3))
CREDIT_SERIAL_BASE = 10_000_000  # far above the demo bodies' serials


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who a generated case is for, with the case columns already sealed (contexts of ``cases.case``)."""

    user_id: int  # the account that submits
    org_id: int | None
    kind: str  # ApplicantKind: person / organization
    label: str  # how the timeline names the submitting account
    name: str
    id_number: str  # ID number or credit code
    phone: str
    region: str  # 12-digit code: 户籍 county, or where the organisation is registered
    joined: float  # timestamp of registration
    name_token: str
    name_index: str
    id_token: str
    id_index: str
    legal_rep_name: str = ""


def id_check_char(body: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def person_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(DOTTED)
    surname = rng.choice(COMPOUND_SURNAMES) if roll < 0.03 else SURNAMES[min(int(rng.expovariate(1 / 18)),
                                                                               len(SURNAMES) - 1)]
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
    if rng.random() < 0.005:
        given = given[:-1] + rng.choice(RARE)
    return surname + given


def _permute(serial: int, modulus: int, factor: int) -> int:
    """A bijection of [0, modulus): numbers look random, and distinct serials never collide."""
    return (serial * factor + 12_345) % modulus


BIRTH_FIRST = date(1945, 1, 1)
BIRTH_DAYS = 21_500  # born 1945 to 2003: aged about 20 to 80
USERNAME_FACTOR = 0x9E3779B97F4A7C15  # odd: a bijection of the 80-bit usernames
RETRY_SERIAL = 500_000_001  # added to a serial whose numbers are taken by an account made elsewhere


class PersonNumbers:
    """A person's ID number and mobile number from their serial, injectively: county, birth date and sequence
    number of the ID number are one permutation of the serial, so no two generated persons share a number however
    the work is split between processes (the serial is the person's account id; a second load gets other ids)."""

    def __init__(self, counties: list[tuple[str, str]]) -> None:
        self.counties = counties
        self.space = len(counties) * BIRTH_DAYS * 1000
        factor = 1_000_003
        while math.gcd(factor, self.space) != 1:
            factor += 2
        self.factor = factor

    def make(self, serial: int) -> tuple[str, date, str, str]:
        """(county code, birth date, ID number, mobile number)."""
        t = _permute(serial, self.space, self.factor)
        county = self.counties[t % len(self.counties)][0]
        rest = t // len(self.counties)
        born = BIRTH_FIRST + timedelta(days=rest % BIRTH_DAYS)
        body = f"{county[:6]}{born:%Y%m%d}{rest // BIRTH_DAYS:03d}"
        phone = f"1{'5789'[serial % 4]}{_permute(serial, 10**9, 7_919):09d}"
        return county, born, body + id_check_char(body), phone


@dataclass
class PeopleTables:
    user: Table
    person: Table
    assurance: Table
    organization: Table

    @classmethod
    def make(cls) -> PeopleTables:
        return cls(user=Table(User), person=Table(Person), assurance=Table(AssuranceEvent),
                   organization=Table(Organization))

    def all(self) -> list[Table]:
        return [self.user, self.person, self.assurance, self.organization]


class PeopleGenerator:
    """Writes persons and organisations. Person ``index`` (0-based, in order of registration) gets account
    ``first_user_id + index``, person ``first_person_id + index`` and assurance ``first_assurance_id + index``;
    organisation ``index`` gets account ``first_user_id + persons + index`` and organisation
    ``first_org_id + index`` — the same ids whichever process makes them. Random choices come from the ``rng``
    the caller passes (one per block of people: the same data for the same seed, however the blocks are shared)."""

    def __init__(self, *, tables: PeopleTables, writer: Writer, counties: list[tuple[str, str]], first_user_id: int,
                 first_person_id: int, first_assurance_id: int, first_org_id: int, persons: int,
                 taken_phone_indexes: set[str], taken_id_indexes: set[str]) -> None:
        self.t = tables
        self.writer = writer
        self.counties = counties
        self.numbers = PersonNumbers(counties)
        self.first_user = first_user_id
        self.first_person = first_person_id
        self.first_assurance = first_assurance_id
        self.first_org = first_org_id
        self.persons = persons
        self.taken_phones = taken_phone_indexes
        self.taken_ids = taken_id_indexes
        case_fields = {f.name: f for f in Case._meta.concrete_fields}
        self.ctx_case_name = case_fields["applicant_name"].context  # type: ignore[attr-defined]
        self.ctx_case_id = case_fields["applicant_id_number"].context  # type: ignore[attr-defined]
        person_fields = {f.name: f for f in Person._meta.concrete_fields}
        self.ctx_phone = person_fields["phone"].context  # type: ignore[attr-defined]
        self.ctx_id = person_fields["id_number"].context  # type: ignore[attr-defined]
        self.ctx_rep = {f.name: f for f in Organization._meta.concrete_fields}[
            "legal_rep_id_number"].context  # type: ignore[attr-defined]

    # -------------------------------------------------------------- persons

    def _user(self, *, user_id: int, username: str, kind: str, joined: datetime, rng: random.Random,
              display_name: str = "", custom: bool = False) -> None:
        self.writer.add(self.t.user, self.t.user.row({
            "id": user_id, "password": f"!{rng.getrandbits(160):040x}", "username": username,
            "date_joined": joined, "kind": kind, "display_name": display_name, "username_is_custom": custom,
            "is_active": True}))

    def person(self, *, index: int, joined: datetime, rng: random.Random) -> Applicant:
        user_id = self.first_user + index
        serial = user_id
        while True:
            county, _born, number, phone = self.numbers.make(serial)
            phone_idx = phone_index(phone)
            id_idx = id_number_index(number)
            if phone_idx not in self.taken_phones and id_idx not in self.taken_ids:
                break
            serial += RETRY_SERIAL  # taken by an account made elsewhere: another number
        name = person_name(rng)
        username = f"p{_permute(user_id, 16**20, USERNAME_FACTOR):020x}"  # as registration makes them; unique
        self._user(user_id=user_id, username=username, kind=AccountKind.PERSON, joined=joined, rng=rng)
        level = 2 if rng.random() < 0.6 else (3 if rng.random() < 0.88 else 4)
        verified = joined + timedelta(minutes=3 + rng.random() * 60)
        person_id = self.first_person + index
        self.writer.add(self.t.person, self.t.person.row({
            "id": person_id, "user_id": user_id, "name": name,
            "id_number": encrypt_text(number, context=self.ctx_id), "id_number_index": id_idx,
            "phone": encrypt_text(phone, context=self.ctx_phone), "phone_index": phone_idx,
            "assurance_level": level, "assurance_method": METHODS[level], "assurance_at": verified,
            "identity_locked": True, "elder_mode": number[6:10] < "1961" and rng.random() < 0.5,
            "notify_channel": "sms" if rng.random() < 0.8 else "site", "created_at": joined}))
        self.writer.add(self.t.assurance, self.t.assurance.row({
            "id": self.first_assurance + index, "person_id": person_id, "level": level, "method": METHODS[level],
            "provider": "loadgen", "occurred_at": verified}))
        return Applicant(
            user_id=user_id, org_id=None, kind="person", label=username, name=name, id_number=number, phone=phone,
            region=county, joined=joined.timestamp(),
            name_token=encrypt_text(name, context=self.ctx_case_name), name_index=case_name_index(name),
            id_token=encrypt_text(number, context=self.ctx_case_id), id_index=case_id_index(number))

    # -------------------------------------------------------------- organisations

    def organization(self, *, index: int, joined: datetime, representative: Applicant, rng: random.Random
                     ) -> tuple[Applicant, str]:
        """The organisation as an applicant, and its type (OrgType)."""
        org_id = self.first_org + index
        county, county_name = rng.choice(self.counties)
        org_type = rng.choices([t for t, _ in ORG_TYPES], weights=[w for _, w in ORG_TYPES])[0]
        place = county_name.removesuffix("彝族自治县").removesuffix("自治县").rstrip("县市区")
        name = f"{place}{rng.choice(ORG_WORDS)}{rng.choice(ORG_WORDS)}{rng.choice(ORG_TRADES)}{ORG_FORMS[org_type]}"
        code = demo_credit_code(county, CREDIT_SERIAL_BASE + org_id, enterprise=True)
        account_id = self.first_user + self.persons + index
        self._user(user_id=account_id, username=code, kind=AccountKind.ORGANIZATION, joined=joined, rng=rng,
                   display_name=name[:100], custom=True)
        self.writer.add(self.t.organization, self.t.organization.row({
            "id": org_id, "org_type": org_type, "name": name, "credit_code": code,
            "legal_rep_name": representative.name,
            "legal_rep_id_number": encrypt_text(representative.id_number, context=self.ctx_rep),
            "legal_rep_id_index": legal_rep_id_index(representative.id_number),
            "legal_rep_user_id": representative.user_id, "applicant_id": representative.user_id,
            "account_id": account_id, "status": OrgStatus.ACTIVE, "registry_provider": "loadgen",
            "registry_checked_at": joined, "created_at": joined, "confirmed_at": joined,
            "status_changed_at": joined}))
        return Applicant(
            user_id=account_id, org_id=org_id, kind="organization", label=name[:100], name=name, id_number=code,
            phone=representative.phone, region=county, joined=joined.timestamp(),
            name_token=encrypt_text(name, context=self.ctx_case_name), name_index=case_name_index(name),
            id_token=encrypt_text(code, context=self.ctx_case_id), id_index=case_id_index(code),
            legal_rep_name=representative.name), str(org_type)


def taken_indexes() -> tuple[set[str], set[str]]:
    """Blind indexes of phone and ID numbers already registered (generated numbers must not collide)."""
    phones: set[str] = set()
    ids: set[str] = set()
    for phone, number in Person.objects.values_list("phone_index", "id_number_index").iterator(chunk_size=20_000):
        if phone:
            phones.add(phone)
        if number:
            ids.add(number)
    return phones, ids


def as_row_values(applicant: Applicant) -> dict[str, Any]:
    """The applicant columns of a case."""
    return {"applicant_kind": applicant.kind, "applicant_user_id": applicant.user_id,
            "organization_id": applicant.org_id, "applicant_name": applicant.name_token,
            "applicant_name_index": applicant.name_index, "applicant_id_number": applicant.id_token,
            "applicant_id_index": applicant.id_index}
