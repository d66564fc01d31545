"""Generated social-media posts for agreement tests and benchmarks (seeded, no network).

Sentences are drawn from templates filled with taxonomy terms, user-dictionary words and
everyday phrases, with the noise real posts carry: hashtags in three platform styles, mentions,
URLs, emoticons, emoji, full-width characters, traditional characters, numbers and English.
"""

from __future__ import annotations

import numpy as np

from brandlab.nlp.taxonomy import Taxonomy, load_taxonomy
from brandlab.nlp.tokenize import USERDICT, read_user_dict

_TEMPLATES = (
    "今天和朋友去了{place}，{t1}真的太{adj}了，{t2}也很不错！",
    "#{place}# {who}说这里的{t1}和{t2}让人{feel}，下次还要来{place2}",
    "在{platform}上刷到{place}的视频，{t1}{t2}，{adj}到哭{emo}",
    "{who}第一次来{city}，感觉这座城市很{adj}，{t1}、{t2}、{t3}都值得一去。",
    "求推荐{city}的{t1}！预算{num}元，想去{place}附近，有没有{t2}？@{nick} 帮忙看看",
    "{year}年{month}月{day}日 {city}发布了{t1}新政，{t2}最高{num}元，{who}都在讨论 {url}",
    "{place}的{t1}太出片了📷 #{t2}[话题]# #{city}旅游[话题]#",
    "說實話{city}的{t1}比我想像中好太多了，{t2}的氛圍也很{adj}",
    "打卡{place}！！！{t1}yyds，人均{num}块，{t2}绝了[哈哈][赞] #{city}美食 #{t3}",
    "转发微博 //@{nick}:#{topic}# {t1}和{t2}，{feel}",
    "ＯＭＧ　{place}的夜景也太{adj}了吧，{t1}　{t2}　{emo}",
    "The {t1} in {city} is amazing, {t2}也很赞 {num}%的人都推荐",
    "作为{who}，我觉得{city}最大的优点是{t1}和{t2}，缺点是{t3}有点少。",
    "{city}{t1}项目正式开工，总投资{num}亿元，将建成{t2}和{t3}。",
    "周末带娃去{place}，{t1}很好玩，{t2}有点贵，整体{feel}。[笑哭R]",
)
_ADJ = ("好看", "好吃", "热闹", "安逸", "震撼", "方便", "美", "时尚", "繁华", "有活力", "舒服", "便宜")
_FEEL = ("很开心", "有点失望", "超级满意", "一般般", "爱了爱了", "想再去一次", "值得", "不太推荐")
_WHO = ("00后", "95后的我", "大学生", "打工人", "宝妈", "退休的爸妈", "研一的我", "外地游客", "本地人", "90后")
_EMO = ("😂", "👍", "❤️", "🔥", "[哈哈]", "[泪]", "[doge]", "[赞]", "✨", "")
_CITIES = ("成都", "杭州", "重庆", "西安", "上海", "长沙", "武汉", "南京", "开化", "淄博")


def _pool(taxonomy: Taxonomy) -> dict[str, list[str]]:
    words = [w for w, _ in read_user_dict(USERDICT)]
    return {
        "terms": taxonomy.all_terms(),
        "places": [w for w in words if len(w) >= 3 and w[-1] in "路街巷里寺祠园湖山城楼镇馆洞子桥塔口区" or w.endswith("公园")],
        "platforms": [c.terms[0] for c in taxonomy.channels],
    }


def synth_texts(n: int, seed: int = 0, taxonomy: Taxonomy | None = None) -> list[str]:
    """``n`` generated raw post texts, the same for the same seed."""
    rng = np.random.default_rng(seed)
    pool = _pool(taxonomy or load_taxonomy())
    terms, places, platforms = pool["terms"], pool["places"], pool["platforms"]

    def pick(seq: tuple[str, ...] | list[str]) -> str:
        return str(seq[int(rng.integers(len(seq)))])

    out = []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        parts = []
        for _ in range(k):
            tpl = pick(_TEMPLATES)
            parts.append(tpl.format(
                place=pick(places), place2=pick(places), city=pick(_CITIES), t1=pick(terms), t2=pick(terms),
                t3=pick(terms), adj=pick(_ADJ), feel=pick(_FEEL), who=pick(_WHO), emo=pick(_EMO),
                platform=pick(platforms), nick=f"用户{int(rng.integers(1_000_000))}_{pick(('ab', 'x-y', '小鱼'))}",
                num=int(rng.integers(1, 20000)), year=int(rng.integers(1990, 2026)), month=int(rng.integers(1, 13)),
                day=int(rng.integers(1, 29)), topic=pick(terms) + pick(("节", "季", "之旅", "")),
                url=f"https://t.cn/A{int(rng.integers(100_000_000))}",
            ))
        out.append("".join(parts))
    return out
