"""Safety rules that sit beside the learned model: an emergency lexicon by category, and the
negation, past/resolved and hypothetical/question checks that keep it from crying wolf.

A cue is a phrase that, happening now, means danger to life (困在电梯里, 冒烟, 煤气味, 电线掉下来
冒火花, 倒地叫不醒, 拿着刀 …). It counts only when it is not defused:
- negated in its own clause ("没有煤气味", "没闻到烟味", "不是着火"),
- feared or hypothetical ("要是被困电梯打哪个电话", "担心会着火", "万一", "演练"),
- past and resolved ("昨天着的火已经灭了", "人已经救出来了", "现在没事了").
The texts come through services.intake_text.normalise first (simplified, lower case).
"""

import re
from dataclasses import dataclass

# Category -> (strong cue, weak cue). A live strong cue makes an emergency; a live weak cue
# (words that are also everyday talk: 烟味, 救命 as a sigh, 胸口闷, 砸门) makes one only with the
# model's support, and otherwise makes danger "likely" (the resident is shown the numbers and
# asked). The corpus's "category" labels use the same names.
CUES: dict[str, tuple[str, str]] = {
    "lift_entrapment": (
        r"(困|关|卡|锁)(在|住)了?.{0,4}电梯|电梯.{0,14}(困|关|卡|锁)(住|了|着)?.{0,4}"
        r"(人|孩|娃|老|妈|爸|出不来|出不去)|电梯.{0,12}(里面?|里头)(有人|还有人|出不来|出不去)"
        r"|电梯.{0,10}(急坠|下坠|坠落|往下掉|掉下去|蹲底|冲顶|溜梯)|(卡|停)在.{0,6}(两层|楼层|层)(中间|之间)"
        r"|电梯.{0,8}(卡住|卡在|停在|卡了).{0,8}(门打不开|开不了门|打不开门|出不去|出不来)"
        r"|在电梯里.{0,20}(门开不了|开不了门|打不开|出不去|出不来)|困在里面.{0,4}出不[去来]"
        r"|电梯.{0,16}(有人|人|我|我们|孩子|老人|小孩)被?(困|关|卡)(住|了|在)",
        r"电梯.{0,16}(出不来|出不去|门开不了|打不开门)|(困|关)在里面|困住了|被困",
    ),
    "fire_smoke": (
        r"(?<!不)着火|起火|失火|火灾|烧起来|(?<!油)浓烟|黑烟|好大的?烟|全是烟|都是烟|火苗|火光|明火|火势|烧着了"
        r"|着了火|(?<!不)冒烟|(?<!油)烟.{0,4}(呛|熏)得|烧(塑料|电线|胶皮|橡胶)的?味",
        r"(?<!油)烟味|焦糊味|烧焦|糊味|有烟|一股烟|(?<!油)烟雾(?!报警器)|烟感.{0,4}(响|叫)|报警器.{0,4}(响|叫)",
    ),
    "gas": (
        r"煤气味|燃气味|天然气味|液化气味|臭鸡蛋味|(煤气|燃气|天然气|液化气|气罐).{0,8}(味|漏|泄|嘶)"
        r"|(煤气|燃气|天然气|液化气|气罐).{0,20}(漏气|泄漏|嘶嘶|刺刺)",
        r"(?<![胎车球])漏气|泄漏|嘶嘶",
    ),
    "live_wire": (
        r"火花|火星子|(?<!打不)(?<!点不)打火(?!机)|触电|被电[到了打]|电[到了]人|电到[我他她手]"
        r"|(电线|电缆|高压线|线缆|插座|开关|电箱|电表箱|配电箱|电闸).{0,8}(冒烟|烧|噼啪|着了|冒.{0,2}火|焦)",
        r"(电线|电缆|高压线).{0,8}(掉|断|垂|耷拉|落|裸露)",
    ),
    "water_electric": (
        r"(灯|插座|开关|电箱|电表|配电|电线).{0,10}(进水|滴水|流水|淌水|漏水|冒水|往下流|往下滴|全是水|泡水)"
        r"|(水|漏水).{0,10}(流进|渗进|灌进|顺着).{0,6}(灯|插座|开关|电箱|电线)",
        r"",
    ),
    "burst_pipe": (
        r"(水管|管子|暖气管|暖气片|热水管|供水管|管道|阀门).{0,8}(爆|崩|裂|喷).{0,20}"
        r"(家里|屋里|满屋|一屋|客厅|卧室|烫|淹到|淹了)",
        r"(水管|管子|暖气管|暖气片|热水管|供水管|主管|管道|阀门).{0,6}(爆|崩|喷)",
    ),
    "fall_injury": (
        r"(摔|跌|滑倒|倒地|倒在|磕).{0,14}(流血|出血|血流|好多血|一地血|骨折|起不来|爬不起来|动不了|不动了"
        r"|昏|晕|不省人事|头破)|流了?(好多|很多|一地|满脸)的?血|满脸是血|血流不止|止不住血|一身血"
        r"|从.{0,10}(楼|梯子|窗|阳台|高处|脚手架|架子|屋顶|房顶|树上|楼梯).{0,4}(摔|掉|跌|坠|滚)下|坠楼",
        r"摔倒|摔了一跤|跌倒|流血",
    ),
    "medical": (
        r"昏迷|晕倒|昏倒|晕过去|不省人事|没有?了?呼吸|没气了|没意识|叫不醒|喊不醒|(叫|喊|拍|推|摇)"
        r".{0,6}没有?(反应|动静)|抽搐|抽风|口吐白沫|喘不[上过]气|呼吸困难|嘴唇发紫|噎住|卡住喉咙|休克"
        r"|大出血|人不行了|快不行了|心梗|脑梗|心脏骤停|(倒地|倒在地上|昏迷).{0,4}不醒|(倒|躺)在.{0,8}地上.{0,12}(没反应|不动|叫不醒)",
        r"胸口.{0,3}(疼|痛|闷)|心口.{0,3}(疼|痛)|中风|嘴歪|口眼歪斜|半边.{0,4}(不能动|麻|没知觉|动不了)"
        r"|一动不动|脸发紫|羊水破|要生了|高烧|烧到(39|4\d)|犯病|发病|病倒"
        r"|(手脚|半边|一边).{0,4}(发麻|没劲|不听使唤)|说话.{0,6}(含糊|不清|不利索)|口齿不清",
    ),
    "poisoning": (
        r"中毒|吃错.{0,2}药|误服|误食|误喝|喝了.{0,4}(农药|洗洁精|消毒液|84|百草枯|敌敌畏|老鼠药|漂白)"
        r"|吃了.{0,4}(老鼠药|农药)|药.{0,4}(吃多了|吞了|多吃)|多吃了.{0,6}药|吞了.{0,6}(药|电池|硬币|磁)"
        r"|(电池|药片?|硬币|磁铁|磁珠|纽扣).{0,6}吞(下|了|进)|食物中毒|集体.{0,4}(吐|拉)",
        r"",
    ),
    "carbon_monoxide": (
        r"一氧化碳|co.{0,3}报警|(报警器|警报器|报警).{0,14}(响|叫|滴滴).{0,20}(晕|头疼|头痛|恶心|想吐|难受)"
        r"|(晕|头疼|头痛|恶心|想吐).{0,20}(报警器|警报器).{0,4}(响|叫)|(烧炭|炭火|炭盆|煤炉).{0,20}(晕|头疼|头痛|恶心|想吐)",
        r"",
    ),
    "unresponsive_cold": (
        r"(躺|倒|坐|趴|蜷)在?.{0,12}(雪|地上|路边|外面|门口|长椅|花坛|楼下|草地|绿化带).{0,24}"
        r"(叫不醒|没反应|冻|不吭声|不说话|不动)|冻(僵|晕|得.{0,4}(不动|没反应))",
        r"",
    ),
    "child_locked": (
        r"(孩子|小孩|娃|宝宝|婴儿|儿子|女儿|闺女|小朋友|孙子|孙女|宝贝).{0,16}(锁|关|反锁)(在|住)?.{0,8}"
        r"(里|车|卫生间|厕所|浴室|屋|阳台|房)|(锁|关)在车里|车里.{0,12}(孩子|宝宝|婴儿|娃|小孩)"
        r"|反锁.{0,12}(孩子|宝宝|娃|小孩|婴儿)",
        r"",
    ),
    "child_water": (
        r"(孩子|小孩|娃|宝宝|人|小朋友|老人|儿子|女儿).{0,10}(掉|落|跌|滑|栽)(进|到|入)?了?.{0,4}"
        r"(水|河|湖|池|塘|井|沟|冰窟)|溺水|(?<!落)落水(?!管)|冰面.{0,10}(裂|掉下去)|掉进冰|在水里.{0,4}(扑腾|挣扎)|沉下去"
        r"|(爬|站|挂|翻)(到|在|出|了|去)*.{0,6}(窗外|窗台外|阳台外|栏杆外)|悬在|(吊|挂|悬)在半空",
        r"",
    ),
    "violence": (
        r"(拿|持|举|挥|抄)(着|起)?.{0,4}(刀|斧)|砍人|捅人|行凶|砍伤|捅伤|抢劫|掐.{0,2}脖子|杀人"
        r"|(要|说要|扬言|喊着?要?)(砍|杀|捅|打)死|(汽油|打火机).{0,16}(点了|烧了|点火|烧死|同归于尽)",
        r"(拿|持|举|挥|抄)(着|起)?.{0,4}(棍|棒|锤|铁锹|砖头|酒瓶)|(在|乱|到处)砸|砸(东西|车|窗|玻璃|家)"
        r"|扬言.{0,4}(杀|砍|弄死|报复|炸)|要杀|杀了你|弄死|家暴|动手打",
    ),
    "self_harm": (
        r"跳楼|轻生|自杀|寻死|割腕|(站|坐|爬)(在|到|上).{0,8}(楼顶|天台|楼边|窗台|屋顶|房顶|楼沿)"
        r"|(楼顶|天台|屋顶|房顶).{0,10}(边上|边缘|要跳|往下跳|不下来)",
        r"不想(活|生存)|想不开",
    ),
    "dog_attack": (
        r"(狗|犬).{0,12}(咬|扑).{0,14}(血|伤口|肉|送医|120|不松口|撕)|被.{0,6}(狗|犬).{0,4}咬.{0,12}(血|伤|住)"
        r"|(狗|犬).{0,6}(咬住|追着咬|扑倒)",
        r"被.{0,6}(狗|犬).{0,4}咬",
    ),
    "falling_object": (
        r"(树|树枝|广告牌|招牌|牌子|脚手架|空调外机|玻璃|瓷砖|花盆|棚|铁皮).{0,12}(砸|压)(到|伤|中|着|住)?了?"
        r"(人|路人|行人|孩子|老人|小孩)|(树|广告牌|招牌|脚手架).{0,8}(要倒|快倒|摇摇欲坠|倒下来|要砸|砸下来"
        r"|要掉下来|随时.{0,2}(倒|掉|砸))|(压住|压在|砸伤|砸到|砸中|压到|压伤)了?.{0,6}(人|工人|路人|行人|孩子|老人|小孩)",
        r"(树|树枝|广告牌|招牌|脚手架|空调外机|玻璃|瓷砖|铁皮|窗户|窗框).{0,10}(倒|掉|落|坠|晃|砸)",
    ),
    "call_for_help": (
        r"(打|叫|拨)了?(120|119)(?!\d)|叫(了)?救护车",
        r"救命|救救|快救|sos|help|(打|报|拨)了?110(?!\d)|报警了",
    ),
}
_STRONG = {name: re.compile(strong) for name, (strong, _) in CUES.items()}
_WEAK = {name: re.compile(weak) for name, (_, weak) in CUES.items() if weak}

# Before the cue, in the same clause: a negation right before it, or fear, prevention, a
# supposition or a near miss a little before it.
_NEGATION_BEFORE = re.compile(
    r"(没有|没(?![人多一过办法用完])|并没|并不|无|未|不是|不会|别|不要)[^,.;!?，。；！？\n]{0,3}$|[不没无]$"
    r"|(防止|预防|避免|以防|以免|免得|怕|担心|害怕|小心|当心|注意|容易|隐患|可能会|会不会|万一|如果|要是"
    r"|假如|假设|倘若|一旦|安全|宣传|不再|差点|差一点|险些|以为)[^,.;!?，。；！？\n]{0,8}$"
)
# Negations that belong to the cue itself (叫他没反应, 叫不醒, 出不来) are not turned round.
_INTRINSIC = re.compile(
    r"没有?了?(反应|动静|呼吸|意识|气了|起来|劲|知觉)|不省人事|不动|不[了来去开住上过]|不松口|不下来|不醒")
# Inside the cue: a negation that turns it round ("电梯今天还好没关人", "别刮下去砸着人").
_NEGATION_INSIDE = re.compile(r"没(?![人有过一])|没有|别|不会|不(?=漏|冒|是)|防止|小心|当心|差点")
# After the cue, in the same clause: 没有/没了 ("煤气味没有了"), resolved ("灭了"), 过 (past).
_NEGATION_AFTER = re.compile(
    r"^(过|[^,.;!?，。；！？\n]{0,3}吗|[^,.;!?，。；！？\n]{0,6}(没有了|没了|消失|散了|已经?(灭|没|停)|被?扑灭|灭了|的事|那事))")
# Anywhere in the message: the danger is over, or is only talked about.
_RESOLVED = re.compile(
    r"已经?(被)?(救出|扑灭|灭了|出来|修好|处理好|送(到|去)?医院|没事|脱险|好了|抢救过来|关好|关了|关掉)"
    r"|救出来了|放出来了|没事了|虚惊一场|误报|演习|演练|(火|烟)(已经)?灭了|平安|没大碍|无大碍|人没事|都没事"
    r"|已经出院|缝了.{0,3}针|原来是|不是着火|不用(担心|慌|怕)|别(慌|担心|怕)|吓(我)?一跳|缓过来|好多了"
    r"|现在好了|没危险|没有危险|没(砸|伤|碰)[着到]人|没进屋|里面没人|没关人|没骨折|医生说没事|不冒了"
    r"|不严重|就没了|以为.{0,12}结果|结果是|应该没有?事|没有事了|没味了?道?了|没有味道了|救熄|(拉|关)了?(总)?闸|断了电|解决了"
)
_HYPOTHETICAL = re.compile(
    r"如果|要是|万一|假如|假设|倘若|一旦|的话|打哪个|打什么电话|打啥电话|哪个电话|什么号码|电话是多少"
    r"|号码是多少|怎么预防|如何预防|培训|讲座|知识|科普|宣传|注意事项|安全检查|隐患|建议|提醒|温馨提示"
    r"|以后|将来|能不能(装|加|配|安)|有没有(应急|急救)|多少钱|问问|请问"
)
# Hearsay: defused unless the writer calls for help now.
_HEARSAY = re.compile(r"是真的吗|是不是真的|谣言|听说|有人说|视频|朋友圈|传言")
_CALLING = re.compile(r"快来|赶紧|马上|立刻|救命|快点|!|！")
_PAST = re.compile(
    r"昨天|昨晚|前天|上周|上个?月|去年|前几天|前阵子|那天|上次|之前|以前|曾经|当年|那次|琴日")
_NOW = re.compile(
    r"现在(?![没不好])|正在|还在|快来|赶紧|马上|立刻|救命|快点|急|!|！|刚才|刚刚|一直|谁能|快帮|帮帮")


@dataclass(frozen=True, slots=True)
class Danger:
    """What the safety rules saw: live strong cues, live weak cues, and defused ones."""

    live: tuple[str, ...]
    weak: tuple[str, ...]
    defused: tuple[str, ...]

    @property
    def category(self) -> str | None:
        """The first live category, strong before weak."""
        return (self.live + self.weak)[0] if self.live or self.weak else None


def _defused_here(text: str, match: re.Match[str]) -> bool:
    start, end = match.span()
    return bool(_NEGATION_BEFORE.search(text, max(0, start - 12), start)
                or _NEGATION_INSIDE.search(_INTRINSIC.sub("", match.group()))
                or _NEGATION_AFTER.search(text[end:end + 12]))


def _live(pattern: re.Pattern[str], text: str) -> bool:
    """Whether one occurrence of a pattern found in the text is not defused."""
    return any(not _defused_here(text, m) for m in pattern.finditer(text))


# (name, strong cue, weak cue or None) in the order of CUES, so that a scan, which for most
# messages finds nothing, is one loop of searches without dictionary look-ups.
_CHECKS = tuple((name, _STRONG[name], _WEAK.get(name)) for name in CUES)
_NO_DANGER = Danger((), (), ())


def scan(text: str) -> Danger:
    """Find the emergency cues of a normalised text and whether each is defused."""
    live: list[str] = []
    weak: list[str] = []
    defused: list[str] = []
    over: bool | None = None  # whether the whole message is defused: asked once a cue is found
    for name, strong, weak_cue in _CHECKS:
        if strong.search(text):
            pattern, bucket = strong, live
        elif weak_cue is not None and weak_cue.search(text):
            pattern, bucket = weak_cue, weak
        else:
            continue
        if over is None:
            over = _message_defused(text)
        (bucket if not over and _live(pattern, text) else defused).append(name)
    if over is None:
        return _NO_DANGER
    return Danger(tuple(live), tuple(weak), tuple(defused))


def _message_defused(text: str) -> bool:
    """The whole message is about danger that is over or only imagined."""
    if _RESOLVED.search(text):
        return True
    if _HEARSAY.search(text) and not _CALLING.search(text):
        return True
    if _HYPOTHETICAL.search(text) and not _NOW.search(text):
        return True
    return bool(_PAST.search(text) and not _NOW.search(text))
