"""Normalise a resident's text before it is classified: traditional characters to simplified,
full-width letters and digits to half-width, lower case, Chinese numerals before address words to
digits, and a few common homophone slips of voice input and pinyin typing (着伙 -> 着火).

The table covers the traditional characters residents actually use when writing about homes,
buildings, health and danger (Hong Kong, Taiwan and older residents); it is deliberately small,
so that nothing at run time depends on a conversion library.
"""

import re

from services.chinese_numbers import normalise_numbers

# Traditional -> simplified, one character each. Keep pairs together; add a pair when a message
# in a corpus shows a traditional character that changes nothing here.
_PAIRS = (
    "樓楼號号單单電电梯梯燈灯壞坏裡里裏里門门鎖锁閘闸開开關关間间問问聞闻閃闪"
    "著着煙烟燒烧災灾熱热燙烫爐炉煤煤氣气體体觸触線线響响鐘钟鈴铃警警報报險险"
    "幫帮請请謝谢說说話话語语讓让還还這这個个們们來来為为點点時时後后從从過过"
    "進进邊边遠远連连運运遲迟還还選选適适遇遇達达鄰邻隊队陽阳陰阴際际隨随險险"
    "雞鸡雜杂難难離离頭头顏颜題题顯显風风飛飞飯饭飲饮養养餓饿館馆馬马駕驾驚惊"
    "髒脏鬧闹魚鱼鳥鸟麼么黃黄齊齐齒齿龍龙龜龟亂乱爭争亞亚產产親亲傷伤傳传僅仅"
    "優优兒儿內内兩两冊册凍冻凈净劃划動动勞劳勢势區区華华協协廠厂廳厅厲厉參参"
    "叢丛吳吴員员啟启喚唤嗎吗嘆叹團团園园圖图圍围場场塊块壓压壺壶夢梦夾夹奪夺"
    "奮奋媽妈婦妇孫孙學学寶宝實实寫写寬宽對对尋寻導导屆届屬属層层岡冈崗岗嶺岭"
    "幣币師师帶带幹干廣广張张彈弹彎弯歸归當当錄录徑径從从復复徵征恆恒惡恶愛爱"
    "態态慣惯慮虑慘惨憂忧懷怀懶懒戰战戲戏據据掃扫揚扬換换損损搖摇擊击擔担擋挡"
    "擠挤擺摆擾扰攝摄敗败敵敌數数斷断無无舊旧暈晕曬晒書书會会極极構构標标樣样"
    "橋桥機机權权歡欢歲岁歷历殘残殺杀毀毁氣气決决沒没淚泪淺浅渾浑溫温滅灭滿满"
    "漲涨漬渍澆浇濕湿灑洒災灾為为煩烦燈灯爺爷爾尔狀状獨独獄狱現现環环瑪玛電电"
    "畫画療疗癢痒發发盜盗盡尽監监盤盘眾众睜睁矯矫磚砖礎础禍祸禮礼禿秃種种穩稳"
    "窩窝窗窗竄窜筆笔節节範范築筑簡简糧粮糾纠紅红約约級级紙纸紛纷細细終终組组"
    "結结絕绝給给絡络統统絲丝經经綁绑綠绿網网緊紧線线緩缓編编練练縣县縫缝縮缩"
    "總总繩绳繼继續续纏缠罰罚罵骂聯联聲声職职聽听肅肃脅胁脈脉腦脑腳脚腫肿膽胆"
    "臉脸臨临舉举興兴艦舰藥药蘭兰處处蟲虫衛卫衝冲補补裝装製制複复見见規规視视"
    "覺觉親亲觀观訂订計计記记許许設设訪访證证評评詢询試试詳详誤误認认語语誰谁"
    "課课調调談谈請请諒谅論论諸诸謀谋講讲謊谎證证識识議议護护讀读變变讓让貝贝"
    "負负財财貨货質质購购貴贵費费賠赔賣卖賬账賴赖趕赶趙赵跡迹踐践車车軋轧軟软"
    "較较載载輛辆輕轻輪轮轉转辦办農农邊边遷迁鄉乡醫医釘钉針针釣钓鈕钮鉛铅銀银"
    "銷销鋪铺鋼钢錢钱錯错鍋锅鍵键鎮镇鏡镜鐵铁鑰钥長长門门閉闭閒闲間间閣阁闆板"
    "陳陈陸陆險险隻只雙双雖虽雲云電电靈灵鞋鞋韓韩頁页項项順顺須须預预領领頸颈"
    "頻频顧顾飄飘餅饼餵喂館馆駛驶騙骗驗验骯肮髮发鬥斗鬆松麵面黨党點点齡龄倆俩"
    "們们偉伟側侧備备傢家債债傾倾僕仆價价儀仪億亿則则剛刚創创劍剑劑剂勁劲勵励"
    "匯汇協协卻却厭厌吶呐咗咗喪丧嘔呕嚇吓嚴严嚨咙囑嘱噴喷墜坠墻墙壩坝壯壮壽寿"
    "夠够奧奥婁娄嬰婴寵宠將将專专尷尴屍尸嶄崭巖岩幟帜幾几庫库廁厕廚厨廢废廬庐"
    "彥彦徹彻忙忙恥耻悶闷惱恼慚惭慶庆憑凭懇恳戶户掛挂採采揀拣擁拥擱搁攔拦攤摊"
    "敘叙斂敛暫暂曉晓檢检櫃柜欄栏歎叹歐欧氹凼沖冲況况淨净測测湧涌溝沟漁渔漢汉"
    "潑泼潔洁澀涩濃浓濟济瀉泻灣湾燦灿燭烛爛烂牆墙犧牺猶犹獎奖瑣琐甦苏癥症皺皱"
    "盞盏睏困矚瞩碼码確确礙碍禦御穌稣窮穷竅窍筍笋籠笼糞粪紀纪紋纹純纯納纳紐纽"
    "絮絮綜综綫线緣缘縱纵織织繞绕罈坛羅罗肅肃膠胶艱艰蘇苏虧亏蝦虾衹只襪袜覽览"
    "訊讯託托詐诈詞词誇夸誠诚諮咨謹谨譜谱貓猫貼贴賓宾趨趋跌跌蹤踪軌轨輩辈輸输"
    "轟轰辭辞遞递遺遗鄭郑醬酱釋释鈔钞鉤钩鋁铝錶表鍾钟鎚锤鏈链鐘钟闖闯闢辟陣阵"
    "隱隐雇雇雞鸡靜静響响頂顶頓顿頗颇頭头顆颗颳刮飽饱餘余馳驰騎骑騰腾驅驱髮发"
    "鬱郁鹹咸麥麦龐庞鍊炼燻熏應应該该癱瘫瘋疯蓋盖蔥葱薦荐藍蓝蘋苹虛虚蝕蚀蠻蛮衆众"
    "襯衬訴诉診诊詭诡諾诺謠谣鄰邻鑽钻鬧闹閥阀閱阅闊阔隸隶雛雏霧雾韌韧響响飢饥"
    "餚肴騷骚驟骤鬍胡鴨鸭鵝鹅鶏鸡麗丽鼕冬齣出滬沪粵粤閩闽劉刘鄧邓鍾钟孃娘倫伦"
    "洩泄斃毙癲癫癇痫痙痉攣挛積积嗆呛樹树攜携膚肤於于與与遊游兇凶槍枪棄弃撲扑"
    "滾滚臺台檯台颱台紮扎萬万圓圆壇坛窪洼漿浆灘滩濾滤疊叠盪荡蕩荡蠟蜡賊贼躍跃"
    "軀躯輔辅迴回週周遙遥郵邮釀酿銅铜鋸锯錘锤鏽锈鳴鸣鴿鸽黴霉攪搅擰拧擴扩斬斩"
    "棟栋榮荣槓杠樁桩樂乐橫横檔档櫥橱涼凉溼湿潰溃澤泽濺溅瀝沥烏乌熾炽燼烬牽牵"
    "獅狮獸兽畢毕瘡疮盧卢瞞瞒礦矿稅税窺窥竊窃篩筛簾帘籃篮籤签紗纱絞绞綱纲繃绷"
    "繡绣纖纤纜缆罷罢翹翘膿脓臟脏莊庄葉叶薑姜藝艺蘆芦褲裤襖袄誕诞謂谓謙谦讚赞"
    "豐丰豬猪貸贷貿贸賀贺賞赏贈赠軍军輯辑轄辖辯辩邁迈醜丑鈍钝鉗钳銳锐鋒锋鍛锻"
    "鏟铲鑄铸閑闲階阶顫颤颶飓飾饰餃饺餡馅饅馒驕骄鮮鲜鴉鸦鷹鹰鹼碱"
)
_T2S = str.maketrans(dict(zip(_PAIRS[0::2], _PAIRS[1::2], strict=True)))

# Full-width ASCII (Ｌｉｆｔ, ！) to half-width; the ideographic space to a plain one.
_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})

# Cantonese words to their Mandarin equivalents, so that rules and the model see one form
# (部𨋢壞咗 -> 部电梯坏了, 困咗喺入面 -> 困了在里面, 冇 -> 没有).
_CANTONESE = (
    ("𨋢", "电梯"), ("火烛", "着火"), ("冇", "没有"), ("唔", "不"), ("喺", "在"), ("咗", "了"),
    ("嘅", "的"), ("佢哋", "他们"), ("佢", "他"), ("俾", "给"), ("畀", "给"), ("睇", "看"),
    ("嚟", "来"), ("啲", "些"), ("嗰", "那"), ("咁", "这么"),
    ("搵", "找"), ("揾", "找"), ("入面", "里面"), ("晕低", "晕倒"), ("跌亲", "摔伤"),
    ("唔郁", "不动"), ("点算", "怎么办"), ("咋整", "怎么办"), ("乜", "什么"), ("嘢", "东西"),
    ("而家", "现在"), ("头先", "刚才"), ("琴日", "昨天"), ("寻日", "昨天"), ("听日", "明天"),
    ("细路仔", "小孩"), ("细路", "小孩"), ("撳", "按"), ("成日", "总是"), ("好似", "好像"),
    ("跳了掣", "跳闸"), ("边度", "哪里"), ("冇晒", "没了"), ("企了", "站了"),
)

# Homophone slips that voice input and pinyin keyboards make in exactly the words that matter.
_SLIPS = (
    (re.compile(r"[着著]伙|着活|召火|昭火"), "着火"),
    (re.compile(r"电题|电提|电涕|店梯|垫梯"), "电梯"),
    (re.compile(r"煤汽|媒气|霉气"), "煤气"),
    (re.compile(r"燃汽"), "燃气"),
    (re.compile(r"冒眼|冒焰"), "冒烟"),
    (re.compile(r"救明|就命|救名"), "救命"),
    (re.compile(r"困注|捆在|困再"), "困在"),
    (re.compile(r"漏点"), "漏电"),
    (re.compile(r"晕到|昏到"), "晕倒"),
    (re.compile(r"中峰|中疯"), "中风"),
    (re.compile(r"摔到了?(?=[了在地])"), "摔倒"),
)


# Each list in one pattern: most messages hold none of its words, and one search says so where
# one look per word said it (a prefilter only: the words are still replaced one by one, in order).
_ANY_CANTONESE = re.compile("|".join(re.escape(word) for word, _ in _CANTONESE))
_ANY_SLIP = re.compile("|".join(pattern.pattern for pattern, _ in _SLIPS))


def to_simplified(text: str) -> str:
    """Map the traditional characters of the table to simplified ones."""
    return text.translate(_T2S)


def normalise(text: str) -> str:
    """The form every classifier step reads: simplified, half-width, lower case, slips fixed."""
    text = to_simplified((text if isinstance(text, str) else "").translate(_WIDTH)).lower()
    if _ANY_CANTONESE.search(text):
        for word, mandarin in _CANTONESE:
            if word in text:
                text = text.replace(word, mandarin)
    if _ANY_SLIP.search(text):
        for pattern, fixed in _SLIPS:
            text = pattern.sub(fixed, text)
    return normalise_numbers(text)
