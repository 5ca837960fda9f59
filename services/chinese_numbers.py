"""Chinese numerals to Arabic digits, limited to what residents write in addresses."""

import re

_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_UNITS: dict[str, int] = {"十": 10, "百": 100}
CN_NUMERAL = "[零〇一二两三四五六七八九十百]"

# Full-width digits and dashes come from Chinese input methods ("３号楼", "3－2－301").
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－—–", "0123456789---")

# Convert Chinese numerals only right before an address word, so that "三天", "十分钟",
# "七点", "八十多", "一楼" (a floor) and "十几只" keep their Chinese form and never look
# like a building. The suffix is captured inside the look-ahead so the caller can see it.
_BEFORE_ADDRESS_WORD = re.compile(rf"({CN_NUMERAL}+)(?=\s*(号楼|号|栋|幢|座|单元|室|房))")


def cn_to_int(text: str) -> int | None:
    """Return the value of a Chinese numeral (十二, 二十三, 两, 三零一, 一百零一), else None."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if not any(ch in _UNITS for ch in text):
        # No 十/百: read digit by digit, the way room numbers are spoken (三零一 -> 301).
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _UNITS:
            total += (current or 1) * _UNITS[ch]  # a bare 十 means 一十
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def _replace(match: re.Match[str]) -> str:
    numeral, suffix = match.group(1), match.group(2)
    # "两栋楼" means "two buildings"; 两 is only an address number in "两单元".
    if numeral.startswith("两") and suffix != "单元":
        return numeral
    value = cn_to_int(numeral)
    return numeral if value is None else str(value)


def normalise_numbers(text: str) -> str:
    """Make digits half-width and turn Chinese numerals before 号楼/栋/单元/室… into digits."""
    return _BEFORE_ADDRESS_WORD.sub(_replace, text.translate(_FULL_WIDTH))
