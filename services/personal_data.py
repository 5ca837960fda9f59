"""Personal data in free text: find and mask phone numbers, and scrub names, phones and flats
from what the public (volunteers, their group) will read.

Matching runs on a copy of the text with full-width digits and separators made ASCII; the copy
has the same length, so spans found in it are the spans of the original text.
"""

import re
from collections.abc import Iterable

_ASCII = str.maketrans("０１２３４５６７８９－＋．　（）—", "0123456789-+. ()-")
_SEP = r"[ .\-]?"
# A mainland mobile (1[3-9]x, 11 digits) with any single separators, optionally +86 / 0086 / 86.
_MOBILE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?86{_SEP})?(?P<mobile>1[3-9]\d(?:{_SEP}\d){{8}})(?!\d)")
_AREA = r"(?:0[12]\d|0[3-9]\d{2})"  # 010, 021…029 have three digits, other area codes four
# A landline with its area code: 021-6123 4567, (010)12345678, 0571 8765432.
_LANDLINE = re.compile(
    rf"(?<![\d+])(?P<area>\(?{_AREA}\)?){_SEP}(?P<local>\d{{3,4}}{_SEP}\d{{4}})(?!\d)")
_FLAT = re.compile(
    r"(?<!\d)\d{1,3}\s*-\s*\d{1,2}\s*-\s*\d{3,4}(?!\d)"  # 3-2-301
    r"|(?<!\d)\d{1,2}\s*单元\s*(?:\d{3,4}\s*[室房号]?)?"  # 2单元301
    r"|(?<!\d)\d{3,4}\s*[室房](?!子)"  # 301室
    r"|(?<=[楼栋幢])\s*\d{3,4}(?![\d元块岁年月日米])"  # 3号楼301
)
_HAN = "[\u4e00-\u9fff]"
# "电话：" "联系方式是" before a number: removed with the number, so nothing dangles.
_PHONE_LABEL = (r"(?:(?:(?:我的|联系)?(?:电话|手机|手机号|联系方式|号码|tel|TEL|Tel)(?:号码)?"
                r"|联系|请打|打)(?:是|为)?[:：]?\s*)?")
# Someone introduced by name: 我叫刘桂兰, 我姓刘, 儿子叫张伟 (the relation stays, the name goes).
# A name of two characters, or three when the third ends the clause (张伟在外地 → 张伟).
_NAME = rf"{_HAN}{{2}}(?:{_HAN}(?=[，,。；;！!\s]|$))?"
_INTRODUCED = re.compile(rf"(?:我叫|名叫|本人叫|我的名字是){_NAME}|我姓{_HAN}")
_RELATIVE_NAMED = re.compile(
    rf"(?P<who>儿子|女儿|老伴|丈夫|老公|妻子|爱人|孙子|孙女|外孙|外孙女|儿媳|女婿|母亲|父亲|妈妈"
    rf"|爸爸|哥哥|姐姐|弟弟|妹妹)(?:叫|名叫|的名字是)\s*{_NAME}")
_HONORIFIC = "奶奶|爷爷|阿姨|大爷|大妈|大娘|叔叔|伯伯|婆婆|老师|师傅|女士|先生|阿婆|阿公"


def _ascii(text: str) -> str:
    return text.translate(_ASCII)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mask_phones(text: str | None) -> str:
    """Hide the middle of every phone number in free text: 139-8765-1234 → 139****1234."""
    text = text or ""
    spans: list[tuple[int, int, str]] = []
    flat = _ascii(text)
    for m in _MOBILE.finditer(flat):
        digits = _digits(m["mobile"])
        spans.append((m.start(), m.end(), f"{digits[:3]}****{digits[-4:]}"))
    for m in _LANDLINE.finditer(flat):
        if not any(s <= m.start() < e for s, e, _ in spans):
            local = _digits(m["local"])[-4:]
            spans.append((m.start(), m.end(), f"{_digits(m['area'])}-****{local}"))
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def _names(names: Iterable[str | None]) -> list[str]:
    return sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)


def _name_patterns(names: Iterable[str | None]) -> list[re.Pattern[str]]:
    """A known name, said with an introduction (我是…) or as surname + honorific (刘奶奶)."""
    patterns = []
    for name in _names(names):
        patterns.append(re.compile(rf"(?:我是|我叫|本人是?|名叫)?\s*{re.escape(name)}"))
        if re.fullmatch(f"{_HAN}+", name):
            patterns.append(re.compile(rf"{re.escape(name[0])}(?:{_HONORIFIC})"))
    return patterns


def _remove(text: str, pattern: re.Pattern[str], keep: str = "") -> str:
    """Remove each match from the original text (matched on its ASCII copy)."""
    flat = _ascii(text)
    for m in reversed(list(pattern.finditer(flat))):
        kept = m[keep] if keep else ""
        text = text[:m.start()] + kept + text[m.end():]
    return text


def scrub(text: str, *, names: Iterable[str | None] = ()) -> str:
    """The text without phones, flats, the given names or names introduced in it, tidied up."""
    text = _remove(text, re.compile(_PHONE_LABEL + rf"(?:{_MOBILE.pattern}|{_LANDLINE.pattern})"))
    text = _remove(text, _FLAT)
    for pattern in _name_patterns(names):
        text = _remove(text, pattern)
    text = _remove(text, _INTRODUCED)
    text = _remove(text, _RELATIVE_NAMED, keep="who")
    text = re.sub(r"\s{2,}", " ", text)
    text = re.sub(r"([，,。；;、])(?:\s*[，,。；;、])+", r"\1", text)  # 我是，，想要 → one comma
    return text.strip(" ，,。；;、：:")


def found_in(text: str, *, names: Iterable[str | None] = ()) -> list[str]:
    """What personal data the text still holds: "phone", "flat", "name" (empty when none)."""
    flat = _ascii(text)
    found = []
    if _MOBILE.search(flat) or _LANDLINE.search(flat):
        found.append("phone")
    if _FLAT.search(flat):
        found.append("flat")
    if (any(p.search(flat) for p in _name_patterns(names)) or _INTRODUCED.search(flat)
            or _RELATIVE_NAMED.search(flat)):
        found.append("name")
    return found


_ONLY_MOBILE = re.compile(rf"(?:(?:\+|00)?86{_SEP})?(1[3-9]\d(?:{_SEP}\d){{8}})")
_ONLY_LANDLINE = re.compile(rf"\(?({_AREA})\)?{_SEP}(\d{{3,4}}{_SEP}\d{{4}})")


def normalize_phone(text: str) -> str | None:
    """A mainland mobile (13912345678) or a landline with its area code (021-61234567) as stored,
    from however it was written (separators, +86, full-width digits); None if it is neither."""
    flat = _ascii(text.strip())
    if m := _ONLY_MOBILE.fullmatch(flat):
        return _digits(m[1])
    if (m := _ONLY_LANDLINE.fullmatch(flat)) and 7 <= len(_digits(m[2])) <= 8:
        return f"{m[1]}-{_digits(m[2])}"
    return None


def looks_like_phone(word: str) -> bool:
    """Whether a word was meant as a phone number (six digits or more, no Chinese, not a flat
    like 3-2-301), valid or not."""
    flat = _ascii(word)
    return (len(_digits(flat)) >= 6 and not re.search(_HAN, flat)
            and not _FLAT.fullmatch(flat))


def _phone_chars(word: str) -> bool:
    return re.fullmatch(r"[+()\d.\-]+", _ascii(word)) is not None


def take_phone(words: list[str]) -> tuple[str | None, list[str]]:
    """Pick the phone out of a command's words, also when written in groups ("+86 139 1234
    5678"): (the phone as written, or a word meant as one, or None; the other words)."""
    for i in range(len(words)):
        for j in range(len(words), i, -1):
            group = words[i:j]
            if all(_phone_chars(w) for w in group) and normalize_phone(" ".join(group)):
                return " ".join(group), words[:i] + words[j:]
    for i, word in enumerate(words):
        if looks_like_phone(word):
            return word, words[:i] + words[i + 1:]
    return None, words
