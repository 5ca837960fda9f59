"""The fault topics residents report, each with the ways they say it: the names of the thing,
the thing together with how it fails, dialect, and the consequences that name it without saying
it (下不来楼 is a lift, 冰箱化了 is the power). Patterns read the intake normaliser's output
(services/intake_text.normalise): simplified, lower case, digits before address words.

A cue's weight is how surely it alone names the topic: 1.0 the fault itself ("电梯坏了",
"停电"), about 0.7 the thing without a failure ("路灯"), 0.3-0.6 a consequence or a word several
topics share ("黑漆漆", "臭"). A text's strength for a topic is the sum of its cues, at most 1.
"""

import re
from dataclasses import dataclass

# How things fail, shared by many topics ("灯…坏了", "井盖…丢了").
_BROKEN = (r"(坏|不亮|不动|不走|停|卡|故障|失灵|不好使|不管用|不能用|用不了|没反应|不灵|罢工|报废"
           r"|破|裂|碎|断|掉|松|歪|倒|塌|陷|翘|闪|响|晃|丢|不见|没了|烂|不行|有问题)")




def _near(limit: int, *, besides: str = "") -> str:
    """Up to `limit` characters within one clause, none of them starting one of `besides`."""
    guard = f"(?!{besides})" if besides else ""
    return f"(?:{guard}[^,.!?;。、\\s]){{0,{limit}}}"


@dataclass(frozen=True, slots=True)
class Topic:
    """One kind of fault: its Chinese name, where it can be, and the cues that name it."""

    name: str  # shown to residents: "3号楼电梯已有人报修"
    cues: tuple[tuple[re.Pattern[str], float], ...]
    any_cue: re.Pattern[str]  # one search that rules the topic out for most reports
    by_floor: bool = False  # one floor's fault is not another floor's (楼道灯, 漏水)
    scoped: bool = False  # may be one flat's own (跳闸, 我家马桶) or the building's (停电, 主管)
    # A supply that stops for everyone at once (power, water, heating, network): a resident
    # naturally reports it from home, so "我家没水" is not one flat's own against "整栋停水".
    outage: bool = False
    # Topics that, said of this thing in one report only, make it another fault of the same
    # thing: 暖气漏水 is not 暖气不热.
    apart: tuple[str, ...] = ()


def _topic(name: str, cues: dict[str, float], *, by_floor: bool = False,
           scoped: bool = False, outage: bool = False, apart: tuple[str, ...] = ()) -> Topic:
    """Compile a topic's cues."""
    compiled = tuple((re.compile(pattern), weight) for pattern, weight in cues.items())
    any_cue = re.compile("|".join(f"(?:{pattern})" for pattern in cues))
    return Topic(name=name, cues=compiled, any_cue=any_cue, by_floor=by_floor, scoped=scoped,
                 outage=outage, apart=apart)


_DARK = r"黑漆漆|黑乎乎|黑咕隆咚|漆黑|一片黑|全黑|黑着|黑了|黑灯瞎火|摸黑"

TOPICS: tuple[Topic, ...] = (
    _topic("电梯", {
        r"电梯|升降梯|升降机|直梯|客梯|货梯|轿厢": 0.7,
        r"(电梯|升降梯|升降机|直梯|轿厢).{0,8}(下坠|坠|咯噔|溜|冲顶|蹲底|夹|显示屏|按钮|抖|颠|震)"
        r"|(电梯|升降梯).{0,6}(不来|叫不上|叫不到|等不到)": 1.0,
        rf"(电梯|升降梯|升降机|直梯|客梯|货梯|轿厢|(?<![楼滑扶爬])梯)"
        rf"{_near(10, besides='灯|口|旁|边|外|墙|前|附近|对面')}"
        rf"{_BROKEN}": 1.0,
        r"困梯|困在电梯|关在电梯|被困|(困|关)在?里(面|头|边)|电梯.{0,4}(困|关)": 1.0,
        r"下不来楼|下不了楼|上不去楼|上不了楼|下不去楼|爬楼|走楼梯|只能走(上|下)|爬上"
        r"|爬(十|\d)|(楼|我|老人|腿|爸|妈).{0,6}(下不去|上不去|下不来|上不来)": 0.6,
    }),
    _topic("停电", {
        r"停电|没电|断电|没有电|掉电|来电|供电|停了电|电(都|也|全)?(停|断|没)了|不通电"
        r"|(没得|莫得)电": 1.0,
        r"跳闸|空开|电闸|保险丝|电表|掉闸|拉闸|限电|短路|线路|电箱|配电": 0.6,
        r"(空调|电视|冰箱|电器|电脑|洗衣机|微波炉|电饭锅|热水器|灯)[^,.!?]{0,6}(都|也|全)"
        r"(开不了|用不了|不亮|不转|没反应|停|打不开|罢工|不工作|不能用)": 0.8,
        r"电压|闪断|时有时无|一会儿?有一会儿?没|忽明忽暗|电器.{0,4}烧|(全|都)灭"
        r"|(邻居|别人|别家|隔壁|对门).{0,4}也黑": 0.8,
        r"家里.{0,4}灯.{0,4}(灭|不亮|黑)|(屋|家)里.{0,3}黑": 0.6,
        r"冰箱.{0,8}(化|坏|臭|不转|不制冷|不凉)|肉.{0,4}化|电器.{0,4}(用不了|都停)": 0.5,
        _DARK: 0.3,
    }, scoped=True, outage=True),
    _topic("灯", {
        r"路灯|楼道灯|感应灯|声控灯|照明|灯泡|灯管|景观灯|庭院灯|草坪灯|吸顶灯|灯杆|灯具": 0.7,
        rf"灯{_near(4)}({_BROKEN}|灭|黑|暗|不灭|常亮|一直亮|没亮|亮不了|不够亮|不开|没开"
        r"|没有亮)": 1.0,
        rf"{_BROKEN}.{{0,2}}的?灯": 0.7,
        r"(楼道|走廊|过道|楼梯|楼梯间|车库|路上).{0,4}(黑|暗|看不见|看不清)": 0.6,
        _DARK + r"|看不见路|看不清路|打手电|手电筒": 0.4,
        r"伸手不见五指|啥也看不见|什么都看不见|什么也看不见|看不见|山洞": 0.5,
        r"不亮": 0.5,
    }, by_floor=True, scoped=True),
    _topic("供水", {
        r"停水|没水|断水|没有水|不来水|来水|供水|水压|上不去水|水上不去|一滴水|拧不出水"
        r"|出不来水|不出水|水质|二次供水|水箱|自来水|水.{0,2}(停|断|没)了|(没得|莫得)水": 1.0,
        r"水表": 0.6,
        r"水[^,.!?]{0,4}不出|一点水都没": 1.0,
        r"水.{0,3}(小|细|黄|浑|浊|锈|有味|有沙|发黄|发红)|水流|一点点水|(只|就)流": 0.6,
    }, scoped=True, outage=True),
    _topic("热水", {r"热水(?!器)": 0.8}, scoped=True, outage=True, apart=("漏水",)),
    _topic("漏水", {
        r"漏水|渗水|滴水|漏雨|渗漏|跑水|爆管|积水|进水|淹|泡了|泡水|水漫|漫水|全是水"
        r"|一地水|到处是水|防水|(屋|家|楼道)里.{0,3}下雨": 1.0,
        r"滴答": 0.8,
        r"(水管|管道|管子).{0,4}(爆|破|裂|漏|坏|喷|呲|滋)|喷水|呲水|滋水|往下(滴|流|淌)"
        r"|(?<!地)漏(?![电气风])|渗": 0.9,
        r"洇|楼上.{0,6}(湿|水)|水.{0,4}(深|没过|倒灌)|积了.{0,4}水|一(大)?滩水"
        r"|水.{0,6}(膝盖|脚踝|脚脖|小腿|腰|半米|一米)|(地库|车库|地下室)里?.{0,2}水": 0.8,
        r"湿|发霉|霉|水渍|水印|水泡|冒水": 0.4,
    }, by_floor=True, scoped=True),
    _topic("下水道", {
        r"下水|排水|排污|污水|脏水|化粪池|窨井|检查井|地漏|反水|返水|返臭|反臭|冒臭|粪水|化粪"
        r"|黑水|臭水|冲不下去|(下水|管道|马桶|管子|地漏).{0,4}不通|井.{0,4}(冒|溢|满)": 1.0,
        r"冒水|冒.{0,2}水|疏通": 0.5,
        r"(马桶|管道|管子|水池|水槽|洗手池).{0,3}堵|堵.{0,3}(马桶|管道)|溢": 0.8,
        r"臭|异味|恶臭|熏": 0.4,
    }, by_floor=True, scoped=True, apart=("漏水",)),
    _topic("燃气", {
        r"煤气|燃气|天然气|液化气|漏气|燃气表|臭鸡蛋味|停气": 1.0,
        r"气味": 0.4,
    }, scoped=True, outage=True),
    _topic("暖气", {
        r"暖气|供暖|采暖|地暖|暖片|锅炉": 1.0,
        r"不热|冰凉|冷得|冻得|屋里冷|家里冷|温度低|冰窖|不烫|(十几|\d{1,2})度|温度": 0.5,
    }, scoped=True, outage=True, apart=("漏水",)),
    _topic("门禁", {
        r"门禁|单元门|楼门|铁门|防盗门|楼宇门|门锁|锁坏|闭门器|刷卡|刷脸|人脸识别|对讲|门铃|门磁"
        r"|闸机|进不去楼|进不了楼|门卡": 1.0,
        r"(?<!梯)门.{0,2}(关不上|合不上|关不严|打不开|开不了|开不开|坏|锁不上|关不住|锁不住"
        r"|合不拢|自己开|一吹就开)": 1.0,
        r"进不去|进不来|进不了|钥匙": 0.4,
    }, scoped=True),
    _topic("道闸", {
        r"道闸|抬杆|起杆|车牌识别|车牌|(?<!灯)杆[^,.!?]{0,8}(不落|落不下|放不下|抬不起|不抬|不起|坏|断)|栏杆[^,.!?]{0,8}(不|坏)"
        r"|杆子?.{0,4}(砸|打)": 1.0,
        r"车.{0,4}(进不来|出不去|进不去)": 0.6,
    }),
    _topic("垃圾", {
        r"(?<!翻)垃圾|清运|没人收|废品": 1.0,
        r"臭|苍蝇": 0.3,
        r"乱扔|乱丢|扔东西": 0.6,
        r"堆": 0.3,
    }, by_floor=True),
    _topic("停车", {
        r"乱停|停车(?!场)|车位|占道|僵尸车|私家车|车道|挪车|堵车|挡道|挡住|堵路"
        r"|(辆|的)车.{0,4}(停|挡|堵)|(堵|挡)在.{0,6}门口|停满": 1.0,
        r"(汽车|轿车|面包车|货车|私家车|车子|小车|三轮).{0,6}(停|挡|堵)|停在路|停在门口": 0.8,
        r"过不去": 0.4,
        r"消防通道": 0.6,
    }, by_floor=True),
    _topic("电动车充电", {
        r"飞线|拉线|充电(?!宝)|充不上": 1.0,
        r"电动车|电瓶车|电驴|电单车|电摩|电动自行车": 0.6,
        r"(电动车|电瓶车|电驴).{0,6}电梯|电梯.{0,6}(电动车|电瓶车|电驴)": 1.0,
    }, by_floor=True),
    _topic("噪音", {
        r"噪音|噪声|吵(?!架|起来|了一架)|扰民|吆喝|叫卖|喧哗|大声|嚷嚷|闹腾|闹哄哄|装修(?!垃圾)|电钻|砸墙|广场舞|音响|喇叭|震天响"
        r"|施工": 1.0,
        r"(声音|动静|响声).{0,4}(大|响)|拖(椅子|凳子|桌子|家具)|咚咚|砰砰|哐哐|跺|弹珠|蹦迪"
        r"|跳绳|跑跳|拍球|跑来跑去|蹦蹦|蹦跳|楼板|震得"
        r"|ktv|唱歌": 1.0,
        r"睡不着|没法睡|不能睡|睡不好|半夜.{0,4}(响|声)|声音大|敲|放歌|音乐": 0.5,
    }, by_floor=True),
    _topic("邻里纠纷", {
        r"吵架|打架|骂|吵起来|吵了一架|纠纷|矛盾|不讲理|理论|动手|摔东西|家暴|威胁": 1.0,
    }, by_floor=True),
    _topic("虫鼠", {
        r"蟑螂|小强|蠊|偷油婆|老鼠|耗子|鼠|蚊|蛾子|飞蛾|蜘蛛|蜈蚣|苍蝇|白蚁|蚂蚁|臭虫|跳蚤|虫|马蜂|蜂窝|黄蜂|蜜蜂|灭鼠|灭蟑"
        r"|打药|消杀|杀虫": 1.0,
    }, by_floor=True),
    _topic("树木绿化", {
        r"树|绿化|草坪|草丛|灌木|花坛|树枝|树根|落叶|草地": 0.6,
        r"杂草|草.{0,6}(高|长|深|割|疯)|没人打理": 1.0,
        rf"(树|枝|杈){_near(6)}(倒|断|歪|枯|死|修剪|砍|挡|伸|遮|压|剪)|修剪|砍树|草长|草太高": 1.0,
    }),
    _topic("外墙坠物", {
        r"外墙|墙皮|瓷砖|墙砖|脱落|坠落|坠物|高空抛物|空鼓|(东西|花盆).{0,4}掉"
        r"|墙(面|皮|体)?.{0,4}(裂|塌|鼓|掉|脱)|(水泥|砖|墙).{0,3}掉": 1.0,
        r"裂缝|开裂|砸到|砸人|砸车|掉皮|起皮|掉渣|掉灰|掉下来|往下掉"
        r"|外机|支架|防盗网|雨棚|广告牌|招牌": 0.6,
        r"(外机|支架|架子|防盗网|雨棚|广告牌|招牌|晾衣架)[^,.!?]{0,6}(掉|松|锈|坠|歪|晃)": 1.0,
    }, by_floor=True, apart=("漏水",)),
    _topic("窗户", {
        r"窗户|窗玻璃|玻璃|窗": 0.5,
        rf"(窗|玻璃){_near(4)}({_BROKEN}|关不上|合不上)": 1.0,
    }, by_floor=True, scoped=True, apart=("漏水",)),
    _topic("路面", {
        r"路面|地面|道路|马路|人行道|步道|地砖|路砖|石板|台阶|坡道|井盖|盲道": 0.7,
        rf"(路面|地面|道路|马路|小路|路上|人行道|步道|地砖|路砖|石板|台阶|坡道|井盖)"
        rf"{_near(5, besides='灯|路灯')}"
        rf"({_BROKEN}|坑|缺)": 1.0,
        r"坑|路不平|坑坑洼洼|绊倒": 0.8,
        r"结冰|路滑": 0.6,
    }),
    _topic("健身器材", {
        r"健身器材|健身器|器材|单杠|双杠|跑步机|扭腰|转腰|漫步机|太空漫步|拉伸器"
        r"|健身(?!区|广场|场)": 1.0,
    }),
    _topic("游乐设施", {
        r"滑梯|秋千|跷跷板|游乐|蹦床|沙坑|摇摇马|儿童乐园设施": 1.0,
    }),
    _topic("座椅", {
        r"座椅|长椅|石凳|长凳|坐凳|休息椅": 1.0,
        r"椅子|凳子": 0.6,
    }),
    _topic("球场设施", {
        r"篮球架|篮筐|篮板|球架|球网|围网|球门": 1.0,
    }),
    _topic("网络", {
        r"网络|宽带|网断|没网|断网|上不了网|网速|光纤|wifi|光猫|路由|网.{0,2}(卡|慢|断)"
        r"|网.{0,4}(连不上|上不去|不通|没信号|掉线)|连不上网|掉线": 1.0,
        r"信号": 0.4,
    }, scoped=True, outage=True),
    _topic("有线电视", {
        r"有线电视|机顶盒|收不到台|台都收不到|一个台|雪花|花屏"
        r"|电视.{0,4}(信号|收不到|没台|黑屏|看不了|没图像)": 1.0,
        r"电视": 0.6,
        r"信号": 0.4,
    }, scoped=True, outage=True),
    _topic("电线", {
        r"电线|电缆|线缆|网线|光缆": 0.6,
        r"(电线|电缆|线缆|网线|光缆|线)[^,.!?]{0,6}(掉|垂|耷拉|挂|断|裸露|老化|乱|太低|冒火)": 1.0,
    }, by_floor=True),
    _topic("消防设施", {
        r"灭火器|消防栓|消火栓|水带|喷淋|烟感|消防门|防火门|应急灯|安全出口|疏散指示|消防设施"
        r"|消防箱|消防器材|消防通道.{0,4}门": 1.0,
    }, by_floor=True, apart=("漏水",)),
    _topic("监控", {
        r"监控|摄像头|探头|录像": 1.0,
    }),
    _topic("治安", {
        r"小偷|被偷|偷(?!油)|被盗|盗窃|陌生人|可疑|撬|推销|保安": 1.0,
    }),
    _topic("动物", {
        r"翻垃圾|流浪狗|流浪猫|野狗|野猫|遛狗|拴绳|牵绳|狗屎|狗粪|狗叫|狗|猫|鸽子|养鸡|咬人"
        r"|蛇": 1.0,
    }, by_floor=True),
    _topic("楼道杂物", {
        r"杂物|堆放|堆满|堆东西|纸箱|家具|沙发|床垫|破烂|占用楼道|乱放"
        r"|(楼道|过道|(?<!消防)通道|楼梯|走廊).{0,6}(堆|堵|占)|(扔|放|摆|堆|搁)在?(楼道|过道|走廊|楼梯)"
        r"|旧(冰箱|沙发|家具|床|柜子|桌子)": 1.0,
        r"堆|自行车|单车|婴儿车|童车|推车": 0.5,
        r"消防通道.{0,4}(占|堵)": 0.6,
    }, by_floor=True),
    _topic("楼梯扶手", {
        rf"扶手|楼梯{_near(3, besides='灯')}{_BROKEN}": 1.0,
    }, by_floor=True),
    _topic("保洁", {
        r"抽烟|吸烟|烟头|小广告|乱贴|乱画|涂鸦|随地|吐痰|尿|脏|卫生|打扫|保洁|清扫|灰尘"
        r"|电梯(里|内)?.{0,3}(异味|臭|味道)": 1.0,
    }, by_floor=True),
    _topic("信报箱", {r"信报箱|信箱|报箱|快递柜": 1.0}),
)
