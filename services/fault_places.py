"""Where in a neighbourhood a reported fault is, beyond the building, and whose it is: the
entrance, floor, gate, car-park zone, side, named spot and flat a report names, and whether it
speaks of the common parts ("整栋", "楼道", "我家也…") or of one flat's own ("我家马桶",
"跳闸", "只有我家"). Reads the intake normaliser's output."""

import re
from dataclasses import dataclass
from enum import StrEnum

from services.chinese_numbers import cn_to_int

_CN = "[一二两三四五六七八九十]"


class Scope(StrEnum):
    """Whose the fault is, as far as the words say."""

    UNSAID = "unsaid"
    COMMON = "common"  # the building's, the entrance's, the corridor's, several flats'
    MINE = "mine"  # inside one flat ("我家", "卫生间"): may still be a common fault's symptom
    ONLY_MINE = "only_mine"  # confined to one flat ("跳闸", "只有我家", "欠费")


@dataclass(frozen=True, slots=True)
class Place:
    """The place details a report names; an empty set means the report does not say."""

    buildings: frozenset[str] = frozenset()
    entrances: frozenset[str] = frozenset()
    floors: frozenset[str] = frozenset()
    gates: frozenset[str] = frozenset()
    zones: frozenset[str] = frozenset()
    sides: frozenset[str] = frozenset()
    spots: frozenset[str] = frozenset()
    flats: frozenset[str] = frozenset()


_BUILDING = re.compile(r"(?<![\d-])(\d{1,3})\s*(?:号楼|号院楼|栋|幢|座)")
_DASHED = re.compile(r"(?<![\d-])(\d{1,3})-(\d{1,2})-(\d{3,4})(?!\d)")
_ENTRANCE = re.compile(rf"(\d{{1,2}}|[东西中])\s*单元"
                       rf"|(?<=[楼栋座])(\d{{1,2}}|{_CN}{{1,2}})门(?![禁锁卡铃])")
_BASEMENT = re.compile(rf"(?:负|地下|-)\s*(\d|{_CN})\s*(?:层|楼)|(?<![a-z0-9])b(\d)(?![\d区])")
_FLOOR = re.compile(rf"(?<![\d号\-a-z])(\d{{1,2}}|{_CN}{{1,3}})\s*(?:楼|层|f(?![a-z]))(?![上下房])")
_TOP = re.compile(r"顶楼|顶层|楼顶|天台|屋顶")
_GATE = re.compile(r"([东南西北正后侧]|\d{1,2}号)\s*大?门(?!禁|锁|卡|铃)")
_ZONE = re.compile(r"(?<![a-z0-9])([a-z])\s*区|([东南西北])区|(\d{1,2})\s*区")
_SIDE = re.compile(r"([东南西北])\s*(?:侧|边|面|头)")
_FLAT = re.compile(r"(?<![\d.:\-])([1-9]\d{2,3})(?![\d.:年元块米分秒万斤个次天多平路号栋幢座单层%]"
                   r"|楼(?![上下]))")
_HOTLINES = {"110", "119", "120", "122", "999"}  # "打了120" names no flat
# Named spots, the longer names first; each maps to one canonical spot.
_SPOTS = (
    ("地下车库", "车库"), ("地下停车场", "车库"), ("地库", "车库"), ("车库", "车库"),
    ("地面停车场", "地面停车场"), ("露天停车场", "地面停车场"),
    ("地下室", "地下室"), ("篮球场", "篮球场"), ("羽毛球场", "羽毛球场"), ("网球场", "网球场"),
    ("足球场", "足球场"), ("儿童乐园", "儿童乐园"), ("游乐场", "儿童乐园"), ("健身区", "健身区"),
    ("健身广场", "健身区"), ("健身场", "健身区"), ("广场", "广场"),
    ("凉亭", "凉亭"), ("亭子", "凉亭"), ("花园", "花园"), ("车棚", "车棚"), ("垃圾站", "垃圾站"),
    ("垃圾房", "垃圾站"), ("幼儿园", "幼儿园"), ("会所", "会所"), ("岗亭", "门岗"),
    ("门岗", "门岗"),
    ("喷泉", "水池"), ("水池", "水池"), ("池塘", "水池"), ("天台", "屋顶"), ("楼顶", "屋顶"),
    ("屋顶", "屋顶"), ("楼道", "楼道"), ("走廊", "楼道"), ("过道", "楼道"), ("楼梯间", "楼道"),
    ("楼梯口", "楼道"),
    ("电梯里", "电梯"), ("电梯内", "电梯"), ("轿厢", "电梯"),
    ("大堂", "大堂"),
)
_SPOT = re.compile("|".join(name for name, _ in _SPOTS))
_SPOT_OF = dict(_SPOTS)

_ONLY_MINE = re.compile(
    r"只有我家|就我家|就我们家|单单我家|光我家|别人家都|邻居家都|其他家都|人家都有|我家自己")
# What usually fails inside one flat; the common parts' words still win over these.
_FLATS_OWN = re.compile(
    r"跳闸|空开|保险丝|电闸|欠费|没交费|户内|光猫|路由器|阀门|机顶盒|燃气灶|灶台|插座"
    r"|水龙头.{0,4}(坏|关不|拧不|漏)|家里?的?.{0,2}(水管|阀门|水表|电线|线路|开关)")
_MINE = re.compile(
    r"(我|我们|俺|咱)家(?!门口|楼|那栋|这栋|单元|小区|附近|对面|旁边)|家里|屋里|家中|室内"
    r"|客厅|卧室|厨房|卫生间|洗手间|阳台|马桶|水龙头|插座|洗手池|洗菜池|洗脸池|洗碗池|面盆|浴缸|淋浴"
    r"|浴室")
_COMMON = re.compile(
    r"整栋|整幢|整个楼|楼上楼下|也是|也都|单元门(?!口)|楼门(?!口)|门禁|楼宇|电梯|路灯|道闸|整楼|全楼|整个单元|全单元|整单元|(咱|我们|这个?)单元|整个小区|全小区|小区里"
    r"|公共|主管|总管|立管|总闸|总阀|楼道|走廊|过道|楼梯间|大堂|大家|家家|各家|好几家|几家|全部|这一?片|片区|楼里|整片|邻居.{0,3}(也|都)"
    r"|都这样|都是这样|都一样|也一样|也这样|也(停|没|断|不|漏|跳)|都(停|断|没(?!有))|全(黑|停|断)")


def _floor_value(numeral: str) -> str:
    """A floor number as text, from digits or a Chinese numeral."""
    value = int(numeral) if numeral.isdigit() else cn_to_int(numeral)
    return str(value) if value is not None else numeral


def place_of(text: str) -> Place:
    """The place details a normalised report names."""
    buildings = {m.group(1) for m in _BUILDING.finditer(text)}
    entrances = {_floor_value(m.group(1) or m.group(2)) for m in _ENTRANCE.finditer(text)}
    flats = set()
    for m in _DASHED.finditer(text):
        buildings.add(m.group(1))
        entrances.add(m.group(2))
        flats.add(m.group(3))
    rest = _DASHED.sub(" ", text)
    floors = {"-" + _floor_value(m.group(1) or m.group(2)) for m in _BASEMENT.finditer(rest)}
    rest = _BASEMENT.sub(" ", rest)
    floors |= {_floor_value(m.group(1)) for m in _FLOOR.finditer(rest)}
    if _TOP.search(rest):
        floors.add("顶")
    flats |= {m.group(1) for m in _FLAT.finditer(rest)} - _HOTLINES
    return Place(
        buildings=frozenset(buildings), entrances=frozenset(entrances),
        floors=frozenset(floors), gates=frozenset(m.group(1) for m in _GATE.finditer(text)),
        zones=frozenset(next(g for g in m.groups() if g) for m in _ZONE.finditer(text)),
        sides=frozenset(m.group(1) for m in _SIDE.finditer(text)),
        spots=frozenset(_SPOT_OF[m.group(0)] for m in _SPOT.finditer(text)),
        flats=frozenset(flats))


def scope_of(text: str) -> Scope:
    """Whose fault a normalised report speaks of: "only mine" wins, then the common parts."""
    if _ONLY_MINE.search(text):
        return Scope.ONLY_MINE
    if _COMMON.search(text):
        return Scope.COMMON
    if _FLATS_OWN.search(text):
        return Scope.ONLY_MINE
    return Scope.MINE if _MINE.search(text) else Scope.UNSAID


_LOWEST_TOP = 5  # a top floor ("顶楼") may be any floor from here up, never 1-4 or a basement


def _agree(first: str, second: str) -> bool:
    """Two floor or other values name the same place; "顶" agrees with a high floor."""
    if first == second:
        return True
    number = second if first == "顶" else first if second == "顶" else None
    return number is not None and number.isdigit() and int(number) >= _LOWEST_TOP


def _differ(mine: frozenset[str], theirs: frozenset[str]) -> bool:
    """Both say something and nothing agrees."""
    if not mine or not theirs:
        return False
    return not any(_agree(a, b) for a in mine for b in theirs)


def conflict(first: Place, second: Place, *, by_floor: bool, by_flat: bool) -> str | None:
    """The first place detail on which two reports disagree, or None; unsaid never disagrees."""
    checks = [("楼栋", first.buildings, second.buildings),
              ("单元", first.entrances, second.entrances),
              ("门", first.gates, second.gates), ("区", first.zones, second.zones),
              ("方位", first.sides, second.sides), ("地点", first.spots, second.spots)]
    if by_floor:
        checks.append(("楼层", first.floors, second.floors))
    if by_flat:
        checks.append(("房号", first.flats, second.flats))
    return next((name for name, mine, theirs in checks if _differ(mine, theirs)), None)
