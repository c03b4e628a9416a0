"""In-memory item search (事项搜索): finds what people mean, not only what officials write.

Pure Python over plain data, no Django: `tongban.search.selectors` builds one index per process from
`ItemSearchDocument`s and the synonym table. A query is matched in four ways whose points add up:

* words — jieba (search mode) tokens scored BM25-style per field, name ≫ keywords/synonyms > result > themes > materials;
* units — the query's characters aligned with item names, keywords and synonym terms one Chinese character (or
  typed pinyin syllable, or typed initial) at a time: the same character scores most, the same pinyin less, a
  pinyin confusable in Yunnan/southwestern Mandarin (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing) less again;
* synonyms — a colloquial term in the query (上户口) adds the official term (出生登记) to the query;
* near misses — rapidfuzz on names and keywords for wrong characters that do not even sound alike (户口薄).

Exact characters earn more than sounds, so 税费缴纳 stays above 水费缴纳 for "税费缴纳". An item's popularity
weight adds up to POPULARITY_BOOST and breaks ties; hits far below the best match are dropped.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import jieba
import opencc
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

jieba.setLogLevel(logging.WARNING)

MAX_QUERY_CHARS = 40
MAX_INITIALS = 10

# Toneless pinyin syllables (ü written v), for splitting typed pinyin like "shenfenzheng".
SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce cen ceng
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu
cuan cui cun cuo da dai dan dang dao de dei deng di dian diao die ding diu dong dou du duan dui dun duo e ei en eng
er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing
jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan
lang lao le lei leng li lia lian liang liao lie lin ling liu long lou lu luan lun luo lv lve ma mai man mang mao me
mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin
ning niu nong nu nuan nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia
qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru ruan rui run ruo sa
sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui
tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang
yao ye yi yin ying yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen
zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())
INITIALS = frozenset("b p m f d t n l g k h j q x zh ch sh r z c s y w".split())

# Words that say how people ask, not what they need.
STOPWORDS = frozenset("""
我 我们 我想 想 想要 要 我要 需要 请问 请 问 帮 帮我 给 一下 下 个 一个 的 了 吗 呢 吧 啊 呀 么 是 有 在 去 到 能 能不能 可以
怎么 怎么样 怎样 如何 咋 咋办 怎么办 怎么弄 哪里 哪儿 在哪 在哪里 哪些 什么 啥 多久 多少 多少钱 办 办理 弄 搞 手续 流程 材料
需要什么 申请 网上 线上 手机 现在 刚 刚刚 还 又 和 与 及 或 了解 咨询 查询一下
""".split())

# Field weights of the word (BM25) match and of the unit alignment.
FIELD_WEIGHTS = {"name": 10.0, "keywords": 6.0, "result": 3.0, "taxonomy": 1.5, "materials": 0.5}
EXPANSION_WEIGHT = 0.8
NAME_UNITS_WEIGHT = 8.0
TERM_UNITS_WEIGHT = 6.0
FUZZY_WEIGHT = 3.0
EXACT_NAME_BONUS = 6.0
BM25_K1, BM25_B = 1.2, 0.75
FUZZY_CUTOFF = 72.0
SUGGEST_TEXT_CUTOFF, SUGGEST_SOUND_CUTOFF = 50.0, 60.0  # rapidfuzz ratio of 您是不是要找 candidates
RELATIVE_CUTOFF = 0.3
POPULARITY_BOOST = 0.08  # an item of weight 100 scores 8 % more than one of weight 0: near ties go to the popular
MIN_SCORE = 1.5

# Credit of one aligned unit: same character; same pinyin (homophone typo); confusable pinyin; typed pinyin.
CREDIT_CHAR, CREDIT_HOMOPHONE, CREDIT_CONFUSABLE = 1.0, 0.75, 0.55
CREDIT_TYPED, CREDIT_TYPED_CONFUSABLE, CREDIT_INITIAL = 0.9, 0.6, 0.6
PART_WORD_FACTOR = 0.8  # a run that starts or ends inside a word of the name (sfz in 教师资格) counts less
SYNONYM_SLACK = 2  # a synonym of three or more characters still counts with this many characters inside it

_converter = opencc.OpenCC("t2s")
_tokenizer = jieba.Tokenizer()  # our own, so item names never leak into other users of jieba; loads on first use
_tokenizer_lock = threading.Lock()
_known_words: set[str] = set()


class SearchDocument(Protocol):
    """What the index reads of one item; `tongban.catalog.selectors.ItemSearchDocument` has this shape."""

    @property
    def item_id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def weight(self) -> int: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def themes(self) -> tuple[str, ...]: ...
    @property
    def life_events(self) -> tuple[str, ...]: ...
    @property
    def result_name(self) -> str: ...
    @property
    def materials(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SearchHit:
    item_id: int
    code: str
    name: str
    score: float
    matched: tuple[str, ...]  # why it matched: name, keyword, synonym, pinyin, initials, fuzzy, result, theme, material


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    normalized: str
    hits: list[SearchHit]
    total: int


# ------------------------------------------------------------ text


def normalize(text: str) -> str:
    """Simplified, half-width, lower-case letters and digits only: '身份證 ＡＢＣ！' → '身份证abc'."""
    text = _converter.convert(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"


def confusable(syllable: str) -> str:
    """Fold the syllables Yunnan speakers do not tell apart: zh→z, ch→c, sh→s, l→n, ang→an, eng→en, ing→in."""
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    elif syllable[:1] == "l":
        syllable = "n" + syllable[1:]
    if syllable.endswith(("ang", "eng", "ing")):
        syllable = syllable[:-1]
    return syllable


@dataclass(frozen=True, slots=True)
class Unit:
    """One position of a text: a character with its pinyin, a typed syllable, or a typed initial."""

    char: str  # "" for typed pinyin
    syllable: str  # toneless pinyin; the character itself for letters and digits; "" for a typed initial
    initial: str  # first letters: "zh" for 中, "s" for 身; the letter for a typed initial

    @property
    def key(self) -> str:
        return confusable(self.syllable) if self.syllable else ""


@lru_cache(maxsize=4096)
def _han_units(run: str) -> tuple[Unit, ...]:
    syllables = lazy_pinyin(run)
    if len(syllables) != len(run):  # characters without pinyin come back joined
        syllables = [lazy_pinyin(ch)[0] for ch in run]
    return tuple(Unit(ch, s, _initial_of(s)) for ch, s in zip(run, syllables, strict=True))


def _initial_of(syllable: str) -> str:
    return syllable[:2] if syllable[:2] in ("zh", "ch", "sh") else syllable[:1]


def text_units(text: str) -> tuple[Unit, ...]:
    """Units of a normalized text, Chinese characters with their pinyin, other characters as themselves."""
    units: list[Unit] = []
    for run in re.findall(r"[\u3400-\u9fff\U00020000-\U0002ffff]+|[^\u3400-\u9fff\U00020000-\U0002ffff]+", text):
        if _is_han(run[0]):
            units.extend(_han_units(run))
        else:
            units.extend(Unit(ch, ch, ch) for ch in run)
    return tuple(units)


def split_pinyin(letters: str) -> tuple[Unit, ...] | None:
    """Typed pinyin as units: whole syllables where possible, else initials ('sfz', 'shenfz'); None if neither."""
    n = len(letters)
    best: list[tuple[int, tuple[Unit, ...]] | None] = [None] * (n + 1)  # cheapest reading of letters[:i]
    best[0] = (0, ())
    for i in range(n):
        entry = best[i]
        if entry is None:
            continue
        cost, units = entry
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = letters[i:j]
            if piece in SYLLABLES:
                unit, step = Unit("", piece, _initial_of(piece)), 1
            elif piece in INITIALS:
                unit, step = Unit("", "", piece), 3
            else:
                continue
            current = best[j]
            if current is None or cost + step < current[0]:
                best[j] = (cost + step, (*units, unit))
    last = best[n]
    return last[1] if last is not None else None


def query_readings(normalized: str) -> list[tuple[Unit, ...]]:
    """Ways to read a query as units. Runs of Latin letters that read as pinyin become syllables, else initials;
    a short all-letter query is also read as initials only ('ydjyba' is 异地就医备案, not y-d-j-y + 'ba')."""
    units: list[Unit] = []
    for run in re.findall(r"[a-z]+|[^a-z]+", normalized):
        typed = split_pinyin(run) if run[0].isascii() and run[0].isalpha() else None
        units.extend(typed if typed is not None else text_units(run))
    readings = [tuple(units)]
    if normalized.isascii() and normalized.isalpha() and 2 <= len(normalized) <= MAX_INITIALS:
        initials = tuple(Unit("", "", letter) for letter in normalized)
        if initials != readings[0]:
            readings.append(initials)
    return readings


def unit_credit(query: Unit, target: Unit) -> float:
    """How well one query unit matches one unit of an item name or term (0 when not at all)."""
    if query.char:
        if query.char == target.char:
            return CREDIT_CHAR
        if not _is_han(query.char) or not _is_han(target.char):
            return 0.0
        if query.syllable == target.syllable:
            return CREDIT_HOMOPHONE
        return CREDIT_CONFUSABLE if query.key == target.key else 0.0
    if query.syllable:
        if query.syllable == target.syllable:
            return CREDIT_TYPED
        return CREDIT_TYPED_CONFUSABLE if _is_han(target.char) and query.key == target.key else 0.0
    return CREDIT_INITIAL if _is_han(target.char) and target.syllable.startswith(query.initial) else 0.0


def _tokens(text: str) -> list[str]:
    return _tokenizer.lcut_for_search(text, HMM=False) if text else []


def _word_bounds(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where the words of a name begin and end: the longest words tiling it, and the words inside those.

    居民身份证申领 → 居民身份证|申领 and 居民, 身份, 身份证 inside; 教师资格认定 → 教师|资格|认定, not 师资 across them.
    """
    words = [(start, end) for _, start, end in _tokenizer.tokenize(text, mode="search", HMM=False)
             if end - start < len(text)]
    tiles, position = [], 0
    while position < len(text):
        end = max((e for s, e in words if s == position), default=position + 1)
        tiles.append((position, end))
        position = end
    kept = tiles + [(s, e) for s, e in words if any(ts <= s and e <= te for ts, te in tiles)]
    return frozenset(s for s, _ in kept), frozenset(e for _, e in kept)


def _add_words(words: Iterable[str]) -> None:
    """Teach the shared tokenizer the catalogue's words; words are only ever added, so searches need no lock."""
    with _tokenizer_lock:
        for word in words:
            if len(word) > 1 and word not in _known_words:
                _tokenizer.add_word(word)
                _known_words.add(word)


# ------------------------------------------------------------ index


@dataclass(frozen=True, slots=True)
class _Surface:
    """A name, keyword or synonym term of one item, as aligned units with their weights."""

    doc: int
    kind: str  # name | keyword | synonym
    text: str
    units: tuple[Unit, ...]
    weights: tuple[float, ...]
    starts: frozenset[int]  # where its words begin (see _word_bounds)
    ends: frozenset[int]  # and where they end


@dataclass(frozen=True, slots=True)
class _Field:
    lengths: list[int]  # tokens per document
    average: float


class SearchIndex:
    """An immutable search index over published items; build once, query from any thread."""

    def __init__(self, documents: Sequence[SearchDocument], synonyms: Mapping[str, str]) -> None:
        self._docs = list(documents)
        self._names = [normalize(d.name) for d in documents]
        self._synonyms = {t: c for t, c in ((normalize(t), normalize(c)) for t, c in synonyms.items()) if t and c}
        _add_words([*self._names, *(normalize(k) for d in documents for k in d.keywords), *self._synonyms,
                    *self._synonyms.values()])
        self._rare_idf = _idf(len(self._docs), 1)  # for words and sounds no item has
        terms = self._terms()
        self._index_words(terms)
        self._index_units(terms)
        self._fuzzy_choices = {i: s.text for i, s in enumerate(self._surfaces) if s.kind != "synonym"}
        self._surface_texts = [s.text for s in self._surfaces]
        self._surface_sounds = [tuple(u.key for u in s.units) for s in self._surfaces]

    @classmethod
    def build(cls, documents: Sequence[SearchDocument], synonyms: Mapping[str, str]) -> SearchIndex:
        """Index documents; `synonyms` maps a colloquial term to an official one (上户口 → 出生登记)."""
        return cls(documents, synonyms)

    def _terms(self) -> list[dict[str, str]]:
        """Per document, its keywords and the synonym terms that point at it: term -> keyword | synonym."""
        terms: list[dict[str, str]] = [{} for _ in self._docs]
        for i, doc in enumerate(self._docs):
            for keyword in doc.keywords:
                if text := normalize(keyword):
                    terms[i][text] = "keyword"
        for term, canonical in self._synonyms.items():
            for i in _canonical_targets(canonical, self._names, terms):
                terms[i].setdefault(term, "synonym")
        return terms

    def _index_words(self, terms: list[dict[str, str]]) -> None:
        field_texts: dict[str, list[list[str]]] = {
            "name": [[n] for n in self._names],
            "keywords": [list(t) for t in terms],
            "result": [[normalize(d.result_name)] for d in self._docs],
            "taxonomy": [[normalize(x) for x in (*d.themes, *d.life_events)] for d in self._docs],
            "materials": [[normalize(m) for m in d.materials] for d in self._docs],
        }
        self._fields: dict[str, _Field] = {}
        postings: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
        for field_name, per_doc in field_texts.items():
            tfs = [Counter(tok for text in texts for tok in _tokens(text)) for texts in per_doc]
            lengths = [sum(tf.values()) for tf in tfs]
            self._fields[field_name] = _Field(lengths, (sum(lengths) / len(lengths) if lengths else 0.0) or 1.0)
            for i, tf in enumerate(tfs):
                for token, count in tf.items():
                    postings[token].append((i, field_name, count))
        self._postings = dict(postings)
        self._idf = {t: _idf(len(self._docs), len({i for i, _, _ in rows})) for t, rows in postings.items()}

    def _index_units(self, terms: list[dict[str, str]]) -> None:
        texts = [(i, "name", n) for i, n in enumerate(self._names) if n]
        texts += [(i, kind, t) for i, per_doc in enumerate(terms) for t, kind in per_doc.items()]
        units = [text_units(text) for _, _, text in texts]
        keys_per_doc: dict[int, set[str]] = defaultdict(set)
        for (doc, _, _), of_text in zip(texts, units, strict=True):
            keys_per_doc[doc].update(u.key for u in of_text)
        df = Counter(key for keys in keys_per_doc.values() for key in keys)
        self._unit_idf = {key: _idf(len(self._docs), n) for key, n in df.items()}
        self._initial_weight = sum(self._unit_idf.values()) / len(self._unit_idf) if self._unit_idf else 1.0
        self._surfaces: list[_Surface] = []
        for (doc, kind, text), of_text in zip(texts, units, strict=True):
            starts, ends = _word_bounds(text)
            weights = tuple(self._unit_idf[u.key] for u in of_text)
            self._surfaces.append(_Surface(doc, kind, text, of_text, weights, starts, ends))
        self._pair_postings: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        self._initial_postings: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        self._char_postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for s_idx, surface in enumerate(self._surfaces):
            su = surface.units
            for j, unit in enumerate(su):
                self._char_postings[unit.char].append((s_idx, j))
                if j + 1 < len(su):
                    self._pair_postings[(unit.key, su[j + 1].key)].append((s_idx, j))
                    self._initial_postings[(unit.initial[:1], su[j + 1].initial[:1])].append((s_idx, j))

    # -------------------------------------------------------- querying

    def search(self, query: str, *, allowed_item_ids: AbstractSet[int] | None = None, audience: str | None = None,
               limit: int = 10, offset: int = 0) -> SearchOutcome:
        normalized = normalize(query or "")[:MAX_QUERY_CHARS]
        scores = self._score(normalized) if normalized else {}
        ranked = self._rank(scores, allowed_item_ids, audience)
        hits = [self._hit(i, score, reasons) for i, score, reasons in ranked[offset:offset + max(limit, 0)]]
        return SearchOutcome(query=query, normalized=normalized, hits=hits, total=len(ranked))

    def suggest(self, query: str, limit: int = 5, *, allowed_item_ids: AbstractSet[int] | None = None,
                audience: str | None = None) -> list[str]:
        """Item names close to a query that found nothing (您是不是要找)."""
        normalized = normalize(query or "")[:MAX_QUERY_CHARS]
        if not normalized:
            return []
        sounds = [u.key for u in query_readings(normalized)[0] if u.key]
        ways: list[tuple[Sequence[str], Sequence[Sequence[str]], float]] = [
            (normalized, self._surface_texts, SUGGEST_TEXT_CUTOFF)]
        if len(sounds) >= 2:
            ways.append((sounds, self._surface_sounds, SUGGEST_SOUND_CUTOFF))
        best: dict[int, float] = {}
        for wanted, choices, cutoff in ways:
            for _, score, s_idx in process.extract(wanted, choices, scorer=fuzz.ratio, score_cutoff=cutoff,
                                                   limit=None):
                doc = self._surfaces[s_idx].doc
                if score > best.get(doc, 0.0) and self._allowed(self._docs[doc], allowed_item_ids, audience):
                    best[doc] = score
        ranked = sorted(best, key=lambda i: (-best[i], -self._docs[i].weight, self._docs[i].code))
        return [self._docs[i].name for i in ranked[:limit]]

    def popular(self, limit: int = 10, *, allowed_item_ids: AbstractSet[int] | None = None,
                audience: str | None = None) -> list[SearchHit]:
        """The most needed items (by weight), for a page with no hits."""
        docs = [i for i, d in enumerate(self._docs) if self._allowed(d, allowed_item_ids, audience)]
        docs.sort(key=lambda i: (-self._docs[i].weight, self._docs[i].code))
        return [self._hit(i, 0.0, ()) for i in docs[:limit]]

    def _score(self, normalized: str) -> dict[int, tuple[float, set[str]]]:
        """Relevance and reasons per document that matched at all."""
        totals: dict[int, float] = defaultdict(float)
        reasons: dict[int, set[str]] = defaultdict(set)

        def add(doc: int, gained: float, reason: str) -> None:
            if gained > 0:
                totals[doc] += gained
                reasons[doc].add(reason)

        tokens = [t for t in dict.fromkeys(_tokens(normalized)) if t not in STOPWORDS]
        expansions = [c for t, c in self._synonyms.items() if c not in normalized and (
            t in normalized or (len(t) >= 3 and _loosely_in(t, normalized)))]
        expansion_tokens = [t for t in dict.fromkeys(tok for c in expansions for tok in _tokens(c))
                            if t not in STOPWORDS and t not in tokens]
        for doc, field_name, gained in self._bm25(tokens):
            add(doc, gained, _FIELD_REASONS[field_name])
        for doc, field_name, gained in self._bm25(expansion_tokens):
            add(doc, EXPANSION_WEIGHT * gained, "synonym" if field_name in ("name", "keywords") else
                _FIELD_REASONS[field_name])

        best_name: dict[int, tuple[float, str]] = {}
        best_term: dict[int, tuple[float, str]] = {}
        for units in query_readings(normalized):
            for s_idx, (query_cover, surface_cover, exact) in self._align(units).items():
                surface = self._surfaces[s_idx]
                match = 0.6 * query_cover + 0.4 * surface_cover
                reason = surface.kind if exact else (
                    "initials" if all(not u.char and not u.syllable for u in units) else "pinyin")
                best = best_name if surface.kind == "name" else best_term
                if match > best.get(surface.doc, (0.0, ""))[0]:
                    best[surface.doc] = (match, reason)
        for weight, best in ((NAME_UNITS_WEIGHT, best_name), (TERM_UNITS_WEIGHT, best_term)):
            for doc, (match, reason) in best.items():
                add(doc, weight * match, reason)

        if len(normalized) >= 3:
            for _, ratio, s_idx in process.extract(normalized, self._fuzzy_choices, scorer=fuzz.partial_ratio,
                                                   score_cutoff=FUZZY_CUTOFF, limit=None):
                add(self._surfaces[s_idx].doc, FUZZY_WEIGHT * (ratio - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF),
                    "fuzzy" if ratio < 100 else self._surfaces[s_idx].kind)
        for doc, name in enumerate(self._names):
            if name == normalized:
                add(doc, EXACT_NAME_BONUS, "name")
        return {doc: (total, reasons[doc]) for doc, total in totals.items()}

    def _bm25(self, tokens: list[str]) -> Iterable[tuple[int, str, float]]:
        """Per document and field: weighted BM25 as a share of the query's information (sum of idf)."""
        total_idf = sum(self._idf.get(t, self._rare_idf) for t in tokens)  # words no item has count too
        if not total_idf:
            return
        for token in tokens:
            idf = self._idf.get(token, 0.0)
            for doc, field_name, tf in self._postings.get(token, ()):
                field = self._fields[field_name]
                norm = 1 - BM25_B + BM25_B * field.lengths[doc] / field.average
                saturation = tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
                yield doc, field_name, FIELD_WEIGHTS[field_name] * idf * saturation / ((BM25_K1 + 1) * total_idf)

    def _align(self, units: tuple[Unit, ...]) -> dict[int, tuple[float, float, bool]]:
        """Surfaces sharing runs of units with the query: surface -> (query coverage, surface coverage, exact).

        Coverage weighs each unit by how rare its sound is, so a shared 登记 counts less than a shared 结婚.
        A run is two or more units (one for a one-character query). A run with typed initials only counts when it
        is the whole query, and initials alone only when they spell whole words. A run that cuts through a word of
        the surface counts less.
        """
        if len(units) == 1:
            unit = units[0]
            runs: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
            for s_idx, j in self._char_postings.get(unit.char, ()) if unit.char else ():
                runs[(s_idx, j)][0] = CREDIT_CHAR
        else:
            runs = self._runs(units)
        matched: dict[int, dict[int, tuple[float, int]]] = defaultdict(dict)  # surface -> query pos -> (credit, j)
        for (s_idx, diagonal), run in runs.items():
            initials = [not units[i].syllable for i in run]
            if any(initials) and len(run) < len(units):
                continue
            surface, best = self._surfaces[s_idx], matched[s_idx]
            for segment in _segments(sorted(run)):
                whole_words = segment[0] + diagonal in surface.starts and segment[-1] + diagonal + 1 in surface.ends
                if all(initials) and not whole_words:
                    continue
                for i in segment:
                    credit = run[i] if whole_words else run[i] * PART_WORD_FACTOR
                    if credit > best.get(i, (0.0, 0))[0]:
                        best[i] = (credit, i + diagonal)
        query_weights = [self._unit_weight(u) for u in units]
        query_total = sum(query_weights)
        result = {}
        for s_idx, positions in matched.items():
            surface = self._surfaces[s_idx]
            on_surface: dict[int, float] = {}
            for credit, j in positions.values():
                on_surface[j] = max(on_surface.get(j, 0.0), credit)
            query_cover = sum(credit * query_weights[i] for i, (credit, _) in positions.items()) / query_total
            surface_cover = sum(c * surface.weights[j] for j, c in on_surface.items()) / sum(surface.weights)
            exact = all(units[i].char == surface.units[j].char for i, (_, j) in positions.items())
            result[s_idx] = (query_cover, surface_cover, exact)
        return result

    def _runs(self, units: tuple[Unit, ...]) -> dict[tuple[int, int], dict[int, float]]:
        """Unit pairs of the query found in surfaces, grouped by (surface, offset): runs of matching units."""
        runs: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
        for i in range(len(units) - 1):
            a, b = units[i], units[i + 1]
            if a.syllable and b.syllable:
                candidates = self._pair_postings.get((a.key, b.key), ())
            else:
                candidates = self._initial_postings.get((a.initial[:1], b.initial[:1]), ())
            for s_idx, j in candidates:
                target = self._surfaces[s_idx].units
                credit_a, credit_b = unit_credit(a, target[j]), unit_credit(b, target[j + 1])
                if credit_a and credit_b:
                    run = runs[(s_idx, j - i)]
                    run[i] = credit_a
                    run[i + 1] = credit_b
        return runs

    def _unit_weight(self, unit: Unit) -> float:
        return self._unit_idf.get(unit.key, self._rare_idf) if unit.key else self._initial_weight

    def _rank(self, scores: dict[int, tuple[float, set[str]]], allowed_item_ids: AbstractSet[int] | None,
              audience: str | None) -> list[tuple[int, float, set[str]]]:
        """Hits best first. The floor follows the best match anywhere, so when the item meant is outside the
        filter, its weak look-alikes inside do not stand in for it."""
        boosted = [(doc, points * (1 + POPULARITY_BOOST * self._docs[doc].weight / 100), reasons)
                   for doc, (points, reasons) in scores.items()]
        if not boosted:
            return []
        floor = max(MIN_SCORE, RELATIVE_CUTOFF * max(points for _, points, _ in boosted))
        kept = [row for row in boosted
                if row[1] >= floor and self._allowed(self._docs[row[0]], allowed_item_ids, audience)]
        kept.sort(key=lambda row: (-round(row[1], 3), -self._docs[row[0]].weight, self._docs[row[0]].code))
        return kept

    @staticmethod
    def _allowed(doc: SearchDocument, allowed_item_ids: AbstractSet[int] | None, audience: str | None) -> bool:
        return (allowed_item_ids is None or doc.item_id in allowed_item_ids) and (not audience or
                                                                                   doc.audience == audience)

    def _hit(self, doc: int, score: float, reasons: Iterable[str]) -> SearchHit:
        d = self._docs[doc]
        return SearchHit(item_id=d.item_id, code=d.code, name=d.name, score=round(score, 3),
                         matched=tuple(sorted(set(reasons), key=REASONS.index)))


REASONS = ("name", "keyword", "synonym", "pinyin", "initials", "fuzzy", "result", "theme", "material")
_FIELD_REASONS = {"name": "name", "keywords": "keyword", "result": "result", "taxonomy": "theme",
                  "materials": "material"}


def _segments(positions: list[int]) -> list[list[int]]:
    """Sorted positions cut into runs of consecutive ones: [1, 2, 5] → [[1, 2], [5]]."""
    segments: list[list[int]] = []
    for position in positions:
        if segments and segments[-1][-1] == position - 1:
            segments[-1].append(position)
        else:
            segments.append([position])
    return segments


def _loosely_in(term: str, text: str) -> bool:
    """The term's characters in order within a short stretch of text: 开公司 in 开个公司, 办结婚证 in 办理结婚证."""
    start = text.find(term[0])
    while start != -1:
        position, stop = start, start + len(term) + SYNONYM_SLACK
        for ch in term[1:]:
            position = text.find(ch, position + 1, stop)
            if position == -1:
                break
        else:
            return True
        start = text.find(term[0], start + 1)
    return False


def _idf(total: int, frequency: int) -> float:
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _canonical_targets(canonical: str, names: list[str], terms: list[dict[str, str]]) -> list[int]:
    """Items an official term points at: the item of that name, else items whose name contains it, else items
    that have it as a keyword."""
    exact = [i for i, n in enumerate(names) if n == canonical]
    if exact:
        return exact
    return [i for i, n in enumerate(names) if canonical in n] or [i for i, t in enumerate(terms) if canonical in t]
