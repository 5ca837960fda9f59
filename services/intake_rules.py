"""Keyword weights for classifying residents' reports; tune here, not in the parser.

Each pattern is a regular expression (a plain phrase is one too) searched in the text; a
pattern counts once however often it appears. Weight 3 is strong evidence on its own,
weight 1-2 only tips the balance. Keep patterns short: they run on every message.
"""

from models.enums import CaseKind

KindRules = tuple[tuple[str, float], ...]

KIND_RULES: dict[CaseKind, KindRules] = {
    CaseKind.EMERGENCY: (
        ("救命|救救|快救人", 5.0),
        ("晕倒|昏倒|昏迷|不省人事|没有呼吸|中风|叫不醒|说不出话|抽搐", 5.0),
        ("喘不[上过]气|呼吸困难|嘴唇发紫", 5.0),
        ("倒在|倒地|躺在地上|动不了|半边身子|口吐白沫|扶不[动起]|叫都不[动醒应]|高烧", 3.0),
        ("爬到.{0,4}外面|悬在", 4.0),  # a child outside a window; not "花盆在窗台外面"
        ("摔倒|摔了一跤|跌倒|滑倒", 3.0),  # not 绊倒: "地砖绊倒好几回" reports the tile
        ("起不来|爬不起来|流血|头破", 3.0),
        ("煤气味|燃气味|天然气味|煤气泄漏|燃气泄漏", 5.0),
        ("漏气", 4.0),
        ("煤气|燃气|天然气", 1.5),  # context: makes "漏气" or "有股味" about gas
        ("起火|(?<!不)着火|失火|火灾|烧起来|冒黑烟", 5.0),  # not "打不着火" (a broken stove)
        ("烧焦|焦糊|糊味", 3.0),
        ("自燃|爆炸|浓烟|都是烟|持刀|拿着?刀|砍人|行凶|抢劫", 5.0),
        ("落水|溺水|掉[进到](水|河|池|井)|掉(水|河|池塘|井)里|[人孩]掉下去", 4.0),  # not 掉水泥
        ("冒烟|点着了", 4.0),
        ("触电|电到人", 5.0),
        ("跳楼|坠楼|轻生", 5.0),
        ("[打叫报拨]了?(120|119|110)(?!\\d)", 3.0),  # not room 110: needs a verb
        # A lone elderly resident not answering is the classic 网格员 emergency.
        ("没开门|敲门.{0,4}没人|没人应|没人答应|没见人|没见着人|没动静|没人开", 3.0),
        # Weak alone: "物业电话打不通" is no emergency.
        ("联系不上|打不通|没人接|不接电话|电话也不接", 1.5),
        ("[天日].{0,3}没(看)?(见|到|开门|出门|动静|下楼|露面)", 2.0),
        # A confused elderly resident gone missing.
        ("走失|走丢|失踪|找不到人", 4.0),
        ("还没回来|没回家|老年痴呆|糊涂", 2.0),
        ("独居|独自|孤寡|一个人住", 1.5),  # weak: lonely residents also make wishes
    ),
    CaseKind.REPAIR: (
        ("坏了|坏掉|损坏|故障|失灵|不亮|不热|发黄|不出水", 3.0),
        ("漏水|渗水|漏雨|返水|冒水|爆了|跳闸|冒火花|冒火星|漏电|关不住", 3.0),
        ("停[的了]?[水电暖]|[水电]停了|没来[水电]", 3.0),
        ("报修|维修|修一下|修修|来修|检修", 3.0),
        ("松动|堵了|堵住|破了|冲不下|下不去|排不出|断电|断水", 2.5),
        # "X不Y" faults: doors that will not close, stoves that will not light, meters stuck.
        ("[关锁]不[上住严]|打不开|打不着|不走字|不转了|不响了|不好使|不能用|用不了", 2.5),
        ("翘起|鼓包|脱落|开裂|变形|长霉|发霉|发黑|返潮|渗|吹跑|刮跑|被偷", 2.0),
        ("往下掉|掉下来|掉渣|陷下去|塌陷|下沉|抬不起|一闪一闪|忽明忽暗", 2.5),
        ("水压|水流.{0,3}小|水太小", 2.5),
        ("停了|滴水|漏了|掉了|碎了|裂了|松了|老化|不通|生锈|塌了|窟窿|没水|没电", 2.0),
        ("返[臭味]|反味|困在|困人|被困|关在?里面", 2.0),
        ("楼道灯|声控灯|下水道|化粪池|井盖|消防栓", 2.0),
        ("电梯|路灯|暖气|水管|水龙头|插座|电线|地漏|闭门器|水表|电表|燃气表|电闸|马桶", 1.5),
        ("单元门|窗户|玻璃|吊顶|外墙|管道|地砖|车棚|雨棚|屋顶|楼梯|栏杆|线路", 1.0),
        ("门禁|道闸|扶手|热水器|防水|天花板|墙皮|台阶|健身器材|单杠|不动|晃", 1.0),
    ),
    CaseKind.DISPUTE: (
        ("调解|纠纷", 4.0),
        ("谈不拢|噪音|扰民|吵架|吵起来|打起来|打架|骂人|堆杂物", 3.0),
        # 楼上/楼下 alone is not a dispute ("楼上漏水" is a repair); noise from them is.
        ("楼[上下].{0,12}(跺脚|吵|蹦|敲|拖|响|拍|跳|砸|切割|唱|轰|震)", 3.0),
        ("高空抛物|往下扔|往楼下扔|咚咚|哐哐|砰砰|轰轰|嗡嗡|刺耳|声音大", 2.5),
        ("隐私|摄像头对着|群租", 2.5),
        ("车位.{0,6}占|占.{0,4}车位", 3.0),
        ("[狗猫].{0,6}叫", 3.0),
        ("说了.{0,6}(不听|不管|不挪|没用)|跟他.{0,6}(不听|不管|骂)", 2.5),
        # Someone refusing responsibility turns damage into a case for mediation.
        ("不给修|不是他家|不承认|不认账|推卸|扯皮|不赔|不挪|不来看|就是不来|不负责", 3.0),
        ("电钻|油烟", 2.5),
        ("邻居|两家|睡不着|随地大小便|赔偿|麻将|广场舞|太响|声音太大", 2.0),
        ("养了.{0,6}[鸡鸭鸽狗猫]|[滴扔倒堆放砸][在到]我家|当垃圾站|空调外机", 2.0),
        ("圈起来|圈占|当自己家|据为己有|占用公共", 2.0),
        ("对门|隔壁|那家人?|这家人|那户|这户|租户|把我家|吵|骂|赔|占着|装修|杂物|熏", 1.5),
        ("管管|物业也不管|找过他|找了他|受不了|半夜|凌晨", 1.0),
    ),
    CaseKind.WISH: (
        ("心愿", 4.0),  # also 微心愿, the name of the community wish programme
        ("希望.{0,8}(志愿者|有人)", 4.0),
        ("想要(?!投诉|反映|举报|咨询|问)", 3.0),  # "想要投诉" is not a wish
        # "有没有人能教我" asks for help; "有没有人管" is a complaint (OTHER).
        ("有没有(人|志愿者)(能|会|可以|愿意|帮)|有没有志愿者|能不能有人", 3.0),
        ("想(请|找|有)个?人|想找个?志愿者|想申请", 3.0),
        ("教教|教我|陪.{0,4}(聊天|说话)|陪[我他她]|陪老人", 2.5),
        ("(?<![需不只])要(一[个台副套辆张本]|个)", 2.0),  # "我要一台电风扇", not "需要一个"
        ("想学|帮忙(买菜|写|送|理发|打扫)|送上楼|送[点些]|上门|帮我[读念写填]", 2.0),
        ("[交买]不起", 2.0),
        ("志愿者|残疾|孤单|闷得慌|条件.{0,4}困难|困难户|空巢|瘫|行动不便|腿脚不[好便]", 1.5),
        ("独居|轮椅|理发", 1.0),
    ),
    CaseKind.OTHER: (
        # Offers and questions are OTHER even when they mention a need of someone else:
        # "想给留守儿童捐文具，联系谁" is an offer, not a wish.
        ("捐|建议|补办|开个?证明|私自搭建|违建|违章搭建", 3.0),
        ("需要带|要带什么|带什么|怎么办理|怎么申请|哪里办|去哪里", 3.0),
        # Public order is handled by the property company / city management, not a repair.
        ("乱停|乱扔|乱贴|没人清运|没人管理", 3.0),
        ("什么时候|几点|哪天|在哪里?|哪儿|(可以|行|允许|合法)吗", 2.5),
        ("没人管|有没有人管|谁来管|飞线|种菜|报名|招人|招生|推荐", 2.5),
        # Installing a new lift is a residents' project, not a repair of the old one.
        ("需要.{0,6}(同意|签字|手续|条件)|加装电梯|装电梯", 3.0),
        ("联系谁|问一下|请问|咨询|物业费|低保|义诊|体检|谢谢|感谢|解决了|表扬", 2.0),
        ("垃圾桶满|占了绿化|消防通道|收据|材料|证明|通知", 1.5),
    ),
}

# Tie-break order when two kinds score the same: safety first.
PRIORITY: tuple[CaseKind, ...] = (
    CaseKind.EMERGENCY, CaseKind.DISPUTE, CaseKind.REPAIR, CaseKind.WISH, CaseKind.OTHER,
)

# One strong emergency signal (煤气味, 救命, 起火 …) outranks any amount of other evidence.
EMERGENCY_OUTRANKS = 4.0
# Score at which one kind counts as fully supported (before rivals are taken into account).
STRONG = 3.0

# Dangerous repairs (and fights) are urgent even though they are not emergencies.
URGENT_PATTERN = (
    "困在|困人|被困|关在?里面|冒水|往外冒|爆了|漏电|触电|危险|起火|(?<!不)着火|冒烟|火花|火星"
    "|焦味|煤气|燃气|塌|快来|赶紧|打起来|打架|流血"
)
# "不危险" / "没有危险" must not make a report urgent.
NOT_URGENT_PATTERN = "不危险|没有?危险|不着急|不急"
