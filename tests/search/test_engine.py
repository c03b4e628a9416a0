"""Unit tests of the in-memory item search engine on a small hand-made catalogue (no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tongban.search.engine import SearchIndex, confusable, normalize, split_pinyin


@dataclass(frozen=True)
class Doc:
    item_id: int
    code: str
    name: str
    audience: str
    weight: int
    keywords: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    department_category: str = ""
    result_name: str = ""
    materials: tuple[str, ...] = ()


DOCS = [
    Doc(1, "070010001000", "居民身份证申领、换领、补领", "person", 95, ("办身份证", "换身份证"), ("户籍证件",), (),
        "gongan", "居民身份证", ("居民户口簿",)),
    Doc(2, "070010002000", "临时居民身份证申领", "person", 40, ("临时身份证",), ("户籍证件",), (), "gongan",
        "临时居民身份证", ("居民户口簿",)),
    Doc(3, "070010003000", "出生登记", "person", 90, ("报户口", "新生儿落户"), ("户籍证件", "婚姻生育"), ("出生",),
        "gongan", "居民户口簿", ("出生医学证明", "居民身份证")),
    Doc(4, "070010004000", "户口迁移", "person", 70, ("迁户口",), ("户籍证件",), ("住房",), "gongan", "准予迁入证明",
        ("居民身份证", "居民户口簿")),
    Doc(5, "070010005000", "普通护照签发", "person", 80, ("办护照",), ("出入境",), ("出行",), "gongan", "普通护照",
        ("居民身份证",)),
    Doc(6, "070020001000", "结婚登记", "person", 85, ("领结婚证",), ("婚姻生育",), ("婚育",), "minzheng", "结婚证",
        ("居民身份证", "居民户口簿")),
    Doc(7, "070130001000", "住房公积金提取", "person", 88, ("取公积金",), ("住房与不动产",), ("住房", "退休"), "gjj", "",
        ("居民身份证",)),
    Doc(8, "070130002000", "住房公积金单位缴存登记", "organization", 60, (), ("经营纳税与用工",), ("开办",), "gjj", "",
        ("营业执照",)),
    Doc(9, "010050001000", "企业设立登记", "organization", 92, ("办营业执照",), ("企业开办与变更注销",), ("开办",), "scjg",
        "营业执照", ("公司章程",)),
    Doc(10, "200060001000", "税费缴纳", "organization", 50, (), ("经营纳税与用工",), ("经营",), "shuiwu", "", ()),
    Doc(11, "200190001000", "水费缴纳", "person", 75, (), ("住房与不动产",), ("住房",), "water", "", ()),
    Doc(12, "070010006000", "居民户口簿换领、补领", "person", 50, (), ("户籍证件",), (), "gongan", "居民户口簿", ()),
    Doc(13, "070010007000", "户籍证明开具", "person", 30, (), ("户籍证件",), (), "gongan", "户籍证明", ()),
    Doc(14, "070010008000", "户籍证明开具", "person", 60, (), ("户籍证件",), (), "gongan", "户籍证明", ()),
    Doc(15, "200020001000", "老年人优待证办理", "person", 45, ("老年证",), ("社会救助与福利",), ("养老",), "minzheng",
        "老年人优待证", ("居民身份证",)),
]
SYNONYMS = {"上户口": "出生登记", "开公司": "企业设立登记", "提公积金": "住房公积金提取", "扯证": "结婚登记",
            "户口本": "居民户口簿"}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(DOCS, SYNONYMS)


def names(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    return [h.name for h in index.search(query, **kwargs).hits]  # type: ignore[arg-type]


def first(index: SearchIndex, query: str, **kwargs: object) -> str | None:
    found = names(index, query, **kwargs)
    return found[0] if found else None


def test_normalize_folds_traditional_width_case_and_punctuation() -> None:
    assert normalize("身份證") == "身份证"
    assert normalize("ＳＦＺ　１２３！") == "sfz123"
    assert normalize(" 户口，迁移？ ") == "户口迁移"
    assert normalize("😀 !!! ") == ""


def test_split_pinyin_prefers_syllables_and_falls_back_to_initials() -> None:
    assert [u.syllable for u in split_pinyin("shenfenzheng") or ()] == ["shen", "fen", "zheng"]
    assert [u.initial for u in split_pinyin("sfz") or ()] == ["s", "f", "z"]
    assert split_pinyin("iv") is None


def test_confusable_folds_southwestern_mandarin() -> None:
    assert confusable("zheng") == confusable("zen") == "zen"
    assert confusable("shi") == confusable("si")
    assert confusable("lan") == confusable("nang")
    assert confusable("jing") == confusable("jin")


def test_segmented_words_in_another_order(index: SearchIndex) -> None:
    assert first(index, "提取住房公积金") == "住房公积金提取"
    assert first(index, "公积金提取") == "住房公积金提取"


def test_traditional_input(index: SearchIndex) -> None:
    assert first(index, "身份證") == "居民身份证申领、换领、补领"
    assert first(index, "護照") == "普通护照签发"


@pytest.mark.parametrize("query", ["shenfenzheng", "shen fen zheng", "SHENFENZHENG", "sfz", "shenfz"])
def test_pinyin_and_initials(index: SearchIndex, query: str) -> None:
    assert first(index, query) == "居民身份证申领、换领、补领"


def test_initials_of_other_items(index: SearchIndex) -> None:
    assert first(index, "gjj") == "住房公积金提取"
    assert first(index, "zfgjjtq") == "住房公积金提取"
    assert first(index, "hz") == "普通护照签发"


def test_initials_must_cover_a_short_query(index: SearchIndex) -> None:
    assert "水费缴纳" not in names(index, "sfz")


@pytest.mark.parametrize(("query", "expected"), [
    ("身分证", "居民身份证申领、换领、补领"),
    ("户口签移", "户口迁移"),
    ("护招", "普通护照签发"),
    ("结昏登记", "结婚登记"),
    ("出申登记", "出生登记"),  # en/eng
    ("sen fen zen", "居民身份证申领、换领、补领"),  # s/sh, z/zh, en/eng
    ("nao nian ren you dai zheng", "老年人优待证办理"),  # n/l
    ("老年人优待正", "老年人优待证办理"),
])
def test_homophone_and_confusable_typos(index: SearchIndex, query: str, expected: str) -> None:
    assert first(index, query) == expected


def test_near_miss_character(index: SearchIndex) -> None:
    assert first(index, "户口薄换领") == "居民户口簿换领、补领"


def test_synonyms_expand_colloquial_terms(index: SearchIndex) -> None:
    assert first(index, "开公司") == "企业设立登记"
    assert first(index, "提公积金") == "住房公积金提取"
    assert first(index, "扯证") == "结婚登记"
    assert first(index, "孩子刚出生怎么上户口") == "出生登记"
    hit = index.search("上户口").hits[0]
    assert "synonym" in hit.matched


def test_synonyms_survive_a_word_in_between(index: SearchIndex) -> None:
    assert first(index, "我想开个公司") == "企业设立登记"


def test_synonym_to_an_official_term_inside_names(index: SearchIndex) -> None:
    assert first(index, "户口本丢了") == "居民户口簿换领、补领"


def test_exact_outranks_fuzzy(index: SearchIndex) -> None:
    assert names(index, "税费缴纳")[:2] == ["税费缴纳", "水费缴纳"]  # the water bill is more popular but only sounds alike
    assert first(index, "水费") == "水费缴纳"
    exact, homophone = index.search("身份证").hits[0], index.search("身分证").hits[0]
    assert exact.name == homophone.name and exact.score > homophone.score
    assert "pinyin" in homophone.matched and "pinyin" not in exact.matched


def test_ties_go_to_the_more_popular_item(index: SearchIndex) -> None:
    hits = index.search("户籍证明开具").hits
    assert [h.item_id for h in hits[:2]] == [14, 13]


def test_audience_filter(index: SearchIndex) -> None:
    assert set(names(index, "公积金", audience="organization")) == {"住房公积金单位缴存登记"}
    assert "住房公积金单位缴存登记" not in names(index, "公积金", audience="person")


def test_filters_do_not_promote_weak_look_alikes(index: SearchIndex) -> None:
    assert index.search("开公司", audience="person").total == 0  # what is meant is an organisation item
    assert index.search("护照", allowed_item_ids={1, 2, 3, 4}).total == 0


def test_allowed_item_ids_filter(index: SearchIndex) -> None:
    outcome = index.search("身份证", allowed_item_ids={2, 3})
    assert [h.item_id for h in outcome.hits] == [2]
    assert outcome.total == 1
    assert index.search("身份证", allowed_item_ids=set()).total == 0


def test_limit_offset_and_total(index: SearchIndex) -> None:
    everything = index.search("登记", limit=50)
    page = index.search("登记", limit=2, offset=1)
    assert page.total == everything.total >= 3
    assert [h.item_id for h in page.hits] == [h.item_id for h in everything.hits[1:3]]


@pytest.mark.parametrize("query", ["", "   ", "!!!", "a" * 500, "😀🎉", "\x00\n\t", "的的的的", "zzzzqqqq", "ℹ️"])
def test_empty_and_hopeless_queries_return_nothing(index: SearchIndex, query: str) -> None:
    outcome = index.search(query)
    assert outcome.hits == [] and outcome.total == 0
    assert isinstance(index.suggest(query), list)


def test_suggest_close_names_for_a_query_without_hits(index: SearchIndex) -> None:
    assert index.search("税务缴费").total == 0
    assert "税费缴纳" in index.suggest("税务缴费")
    assert index.suggest("税务缴费", audience="person") == []
    assert index.suggest("") == []


def test_popular_lists_items_by_weight(index: SearchIndex) -> None:
    assert [h.name for h in index.popular(2)] == ["居民身份证申领、换领、补领", "企业设立登记"]
    assert [h.name for h in index.popular(1, audience="person", allowed_item_ids={4, 5})] == ["普通护照签发"]


def test_hits_say_why_they_matched(index: SearchIndex) -> None:
    assert "initials" in index.search("gjj").hits[0].matched
    assert "name" in index.search("结婚登记").hits[0].matched
