"""A seeded simulation of the SYNTHETIC Chengdu demo campaign: accounts, posts, comments, reposts.

:func:`simulate` returns a :class:`World` of plain records; :mod:`brandlab.demo.writers` turns it
into the real export formats. Every random choice goes through one ``random.Random(seed)``, so
the same seed gives byte-identical files.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from brandlab.demo import vocab as V

TZ = ZoneInfo("Asia/Shanghai")
PLATFORMS = ("douyin", "xhs", "weibo")
#: root posts per platform, comments per platform (Weibo gets reposts instead of comments)
N_ROOTS = {"douyin": 460, "xhs": 380, "weibo": 520}
N_COMMENTS = {"douyin": 1250, "xhs": 950}
N_ORDINARY = {"douyin": 420, "xhs": 360, "weibo": 260}


@dataclass(eq=False)
class Account:
    platform: str
    user_id: str
    nickname: str
    role: str
    gender: str                      # m / f / unknown
    birth_year: int | None           # the truth (what the generation stage tries to recover)
    bio: str
    region: str
    followers: int
    following: int
    verified_reason: str = ""
    birthday: str = ""               # what Weibo shows (a date, a zodiac sign, or "")
    education: str = ""
    activity: float = 1.0


@dataclass
class Item:
    platform: str
    kind: str                        # post / comment / repost
    item_id: str
    author: Account
    created: datetime
    text: str
    title: str = ""
    tags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    likes: int = 0
    comments: int = 0
    shares: int = 0
    collects: int = 0
    plays: int = 0
    parent: Item | None = None       # the comment replied to, or the repost passed on
    root: Item | None = None         # the post a comment or repost belongs to
    own_text: str = ""               # a repost's own words (without the //@ chain)
    ip_location: str = ""
    media: str = "video"             # douyin/xhs: video or image post
    children: int = 0


@dataclass
class World:
    seed: int
    accounts: dict[str, list[Account]]
    items: dict[str, list[Item]]


def _days() -> list[date]:
    start, end = (date.fromisoformat(d) for d in V.TIMELINE)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def _window(day: date, start: str, end: str, ramp: int = 10, tail: int = 30) -> float:
    """1 inside the window (ramping up over ``ramp`` days), decaying over ``tail`` days after."""
    s, e = date.fromisoformat(start), date.fromisoformat(end)
    if day < s:
        return 0.0
    if day <= e:
        return min(1.0, ((day - s).days + 1) / ramp)
    return math.exp(-(day - e).days / (tail / 3))


def campaign_intensity(day: date) -> dict[str, float]:
    return {key: _window(day, s, e) for key, _, s, e in V.CAMPAIGNS}


def _event(day: date) -> float:
    _, s, e = V.EVENT
    return 1.0 if date.fromisoformat(s) <= day <= date.fromisoformat(e) else 0.0


class _Ids:
    """Platform-shaped ids: Douyin 19 digits, XHS 24 hex, Weibo 16 digits + 9-char bid."""

    B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def _unique(self, make: object) -> str:
        while True:
            v = make()  # type: ignore[operator]
            if v not in self.seen:
                self.seen.add(v)
                return str(v)

    def digits(self, n: int, first: str = "") -> str:
        return self._unique(lambda: first + "".join(self.rng.choice("0123456789") for _ in range(n - len(first))))

    def hexid(self, prefix: str = "64") -> str:
        """24 hex chars; pass the creation time as 8 hex chars, as Xiaohongshu ids begin with it."""
        return self._unique(lambda: prefix + "".join(self.rng.choice("0123456789abcdef")
                                                     for _ in range(24 - len(prefix))))

    def bid(self) -> str:
        return self._unique(lambda: "N" + "".join(self.rng.choice(self.B62) for _ in range(8)))


def _nickname(rng: random.Random, marker: str | None) -> str:
    base = rng.choice(V.SURNAME_SYLLABLES) + rng.choice(V.NAME_PARTS) + rng.choice(V.NAME_SUFFIXES)
    if marker and rng.random() < 0.35:
        return rng.choice((f"{marker}的{base}", f"{base}{marker}", f"{marker}{base}"))
    return base


def _birth_year(rng: random.Random) -> int:
    # campaign audience skews young: Z 55%, Y 33%, X 12%
    r = rng.random()
    if r < 0.55:
        return rng.randint(1995, 2006)
    if r < 0.88:
        return rng.randint(1980, 1994)
    return rng.randint(1960, 1979)


def _marker_for(rng: random.Random, year: int) -> str | None:
    fits = [m for m, lo, hi in V.COHORT_MARKERS if lo <= year <= hi]
    return rng.choice(fits) if fits and rng.random() < 0.6 else None


def _bio(rng: random.Random, year: int, marker: str | None) -> str:
    tpl = rng.choice(V.BIO_TEMPLATES)
    if "{marker}" in tpl and not marker:
        tpl = rng.choice(("{job}｜喜欢{hobby}", "", "喜欢{hobby}，也喜欢成都"))
    return tpl.format(marker=marker or "", job=rng.choice(V.JOBS), hobby=rng.choice(V.HOBBIES),
                      year=year if rng.random() < 0.5 else str(year)[2:], n=rng.randint(1, 9))


def _accounts(rng: random.Random, ids: _Ids, platform: str) -> list[Account]:
    def uid() -> str:
        if platform == "xhs":
            return ids.hexid("5f")
        if platform == "weibo":
            return ids.digits(10, "7")
        return ids.digits(11, "9")

    out: list[Account] = []
    for name, reason in V.OFFICIAL:
        out.append(Account(platform, uid(), name, "official", "unknown", None, reason, "四川",
                           rng.randint(2_000_000, 9_000_000), rng.randint(100, 900), reason, activity=20.0))
    for name, reason in V.MEDIA:
        out.append(Account(platform, uid(), name, "media", "unknown", None, reason, "四川",
                           rng.randint(1_000_000, 12_000_000), rng.randint(200, 2000), reason, activity=7.0))
    for name, role, bio in V.INFLUENCERS:
        lo, hi = {"influencer_head": (1_000_000, 4_000_000), "influencer_waist": (100_000, 900_000),
                  "influencer_tail": (10_000, 95_000)}[role]
        year = next((lo_ + 2 for m, lo_, _ in V.COHORT_MARKERS if m in bio), None)
        year = year or next((1900 + int(bio[i - 2:i]) for i in range(2, len(bio)) if bio[i] == "年"
                             and bio[i - 2:i].isdigit()), None)
        out.append(Account(platform, uid(), name, role, rng.choice("mf"), year or _birth_year(rng), bio,
                           rng.choice(V.REGIONS[:6]), rng.randint(lo, hi), rng.randint(50, 800),
                           "知名美食博主" if "吃" in name else "旅行博主", activity=4.0))
    for _ in range(N_ORDINARY[platform]):
        year = _birth_year(rng)
        marker = _marker_for(rng, year)
        acct = Account(platform, uid(), _nickname(rng, marker), "ordinary", rng.choice("mfmf") if rng.random() < 0.9
                       else "unknown", year, _bio(rng, year, marker), rng.choice(V.REGIONS),
                       int(rng.lognormvariate(5.5, 1.6)), rng.randint(10, 1500),
                       activity=rng.lognormvariate(0, 0.8) * (1.5 if year >= 1995 else 1.0))
        if platform == "weibo":
            r = rng.random()
            acct.birthday = (f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if r < 0.35
                             else rng.choice(("白羊座", "天秤座", "射手座", "双鱼座")) if r < 0.55 else "")
            acct.education = rng.choice(V.UNIVERSITIES) if year >= 1995 else ""
        out.append(acct)
    return out


def _fmt_tag(platform: str, tag: str) -> str:
    return {"weibo": f"#{tag}#", "douyin": f"#{tag} ", "xhs": f"#{tag}[话题]# "}[platform]


def _sentiment(rng: random.Random, role: str) -> str:
    p_neg = 0.03 if role in ("official", "media") else 0.18
    r = rng.random()
    return "neg" if r < p_neg else ("neu" if r < p_neg + 0.27 else "pos")


def _phrase(rng: random.Random, sentiment: str) -> str:
    bank, marks = {"pos": (V.POSITIVE, V.POS_MARKS), "neu": (V.NEUTRAL, V.NEU_MARKS),
                   "neg": (V.NEGATIVE, V.NEG_MARKS)}[sentiment]
    return rng.choice(bank) + rng.choice(marks)


def _post_text(rng: random.Random, acct: Account, tags: list[str], mentions: list[str]) -> tuple[str, str]:
    """(title, text) of a root post."""
    trait = rng.choice(list(V.TRAITS))
    dim = rng.choice(list(V.DIMENSIONS))
    t_phrase, d_phrase = rng.choice(V.TRAITS[trait]), rng.choice(V.DIMENSIONS[dim])
    sent = _sentiment(rng, acct.role)
    tagstr = "".join(_fmt_tag(acct.platform, t) for t in tags).strip()
    ment = "".join(f" @{m}" for m in mentions)
    if acct.role == "official":
        opener = rng.choice(V.OFFICIAL_OPENERS).format(tag=tags[0] if tags else V.CITY, city=V.CITY)
        title = opener.strip("【】")
        text = f"{opener}{d_phrase}，{t_phrase}。{rng.choice(V.OFFICIAL_CALLS)}{tagstr}{ment}"
    elif acct.role == "media":
        title = rng.choice(V.MEDIA_HEADLINES).format(city=V.CITY, dim=d_phrase[:8])
        text = f"【{title}】{d_phrase}，{t_phrase}。{_phrase(rng, sent)} {tagstr}{ment}"
    else:
        cohort = ""
        if acct.birth_year and rng.random() < 0.15:
            marker = _marker_for(random.Random(acct.user_id), acct.birth_year)
            if marker:
                cohort = rng.choice(V.SELF_COHORT).format(marker=marker)
        title = d_phrase[:12]
        second = rng.choice(V.TRAITS[rng.choice(list(V.TRAITS))]) if rng.random() < 0.3 else ""
        text = (f"{cohort}{rng.choice(V.ORDINARY_OPENERS)}{d_phrase}，{t_phrase}！{second + '，' if second else ''}"
                f"{_phrase(rng, sent)} {tagstr}{ment}")
    return title, text.strip()


def _engagement(rng: random.Random, acct: Account, boost: float) -> tuple[int, int, int, int, int]:
    reach = acct.followers ** 0.75 * rng.lognormvariate(0, 1.0) * (1 + boost)
    plays = int(reach * rng.uniform(3, 12))
    likes = int(reach * rng.uniform(0.05, 0.3))
    return (likes, int(likes * rng.uniform(0.02, 0.12)), int(likes * rng.uniform(0.01, 0.15)),
            int(likes * rng.uniform(0.05, 0.4)), plays)


def _pick(rng: random.Random, accts: list[Account], weights: list[float]) -> Account:
    return rng.choices(accts, weights=weights, k=1)[0]


def _roots(rng: random.Random, ids: _Ids, platform: str, accts: list[Account]) -> list[Item]:
    days = _days()
    day_w = []
    for d in days:
        c = campaign_intensity(d)
        day_w.append(1.0 + 3.0 * c["haoyoung"] + 2.2 * c["gongyuan"] + 2.5 * _event(d) + 0.4 * (d.weekday() >= 5))
    items: list[Item] = []
    for _ in range(N_ROOTS[platform]):
        day = rng.choices(days, weights=day_w, k=1)[0]
        c = campaign_intensity(day)
        in_campaign = max(c.values()) > 0.5
        weights = [a.activity * (2.0 if in_campaign and a.role in ("official", "media") else 1.0)
                   * (1.4 if in_campaign and (a.birth_year or 0) >= 1995 else 1.0) for a in accts]
        acct = _pick(rng, accts, weights)
        tags: list[str] = []
        for key, tag, _, _ in V.CAMPAIGNS:
            official_boost = 0.35 if acct.role in ("official", "media") else 0.0
            if rng.random() < min(0.95, c[key] * (0.55 + official_boost)):
                tags.append(tag)
        if _event(day) and rng.random() < 0.6:
            tags.append("大运会")
        if rng.random() < 0.7:
            tags.append(rng.choice(V.GENERIC_TAGS[:5]))
        tags = list(dict.fromkeys(tags))
        mentions = []
        if rng.random() < 0.12:
            mentions.append(rng.choice([a.nickname for a in accts[:4] if a is not acct] or ["成都文旅"]))
        title, text = _post_text(rng, acct, tags, mentions)
        created = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(
            seconds=rng.randint(7 * 3600, 23 * 3600 + 3599))
        likes, comments, shares, collects, plays = _engagement(rng, acct, 2.0 * max(c.values()))
        if platform == "xhs":
            pid = ids.hexid(f"{int(created.timestamp()):08x}")
        else:
            pid = ids.digits(19, "72") if platform == "douyin" else ids.digits(16, "48")
        items.append(Item(platform, "post", pid, acct, created, text, title, tags, mentions, likes, comments,
                          shares, collects, plays, ip_location=acct.region if rng.random() < 0.9 else "",
                          media="image" if platform != "weibo" and rng.random() < 0.3 else "video"))
    items.sort(key=lambda i: i.created)
    return items


def _comment_text(rng: random.Random) -> str:
    r = rng.random()
    bank, marks = ((V.COMMENTS_NEG, V.NEG_MARKS) if r < 0.15 else (V.COMMENTS_NEU, V.NEU_MARKS) if r < 0.4
                   else (V.COMMENTS_POS, V.POS_MARKS))
    text = rng.choice(bank) + rng.choice(marks)
    if rng.random() < 0.06:
        text = rng.choice(("作为00后，", "95后路过，", "大二学生表示，", "研一狗表示，")) + text
    return text


def _comments(rng: random.Random, ids: _Ids, platform: str, accts: list[Account], roots: list[Item]) -> list[Item]:
    ordinary = [a for a in accts if a.role == "ordinary"]
    weights = [max(1.0, r.comments) ** 0.6 for r in roots]
    out: list[Item] = []
    for _ in range(N_COMMENTS[platform]):
        root = rng.choices(roots, weights=weights, k=1)[0]
        same_root = [c for c in out[-300:] if c.root is root]
        parent = rng.choice(same_root) if same_root and rng.random() < 0.35 else None
        if parent is not None and platform == "douyin" and parent.parent is not None:
            parent = parent.parent  # Douyin threads are two levels: reply_id is the top-level comment
        acct = rng.choice(ordinary)
        if parent is not None and rng.random() < 0.2:
            acct = root.author  # the author answers
        base = parent.created if parent else root.created
        created = base + timedelta(minutes=rng.expovariate(1 / 600) + 1)
        text = rng.choice(V.REPLIES) + rng.choice(V.POS_MARKS + V.NEU_MARKS) if parent else _comment_text(rng)
        cid = ids.digits(19, "72") if platform == "douyin" else ids.hexid(f"{int(created.timestamp()):08x}")
        item = Item(platform, "comment", cid, acct, created, text, likes=int(rng.lognormvariate(1.0, 1.6)),
                    parent=parent, root=root, ip_location=acct.region)
        if parent is not None:
            parent.children += 1
        out.append(item)
    out.sort(key=lambda i: i.created)
    return out


def _reposts(rng: random.Random, ids: _Ids, accts: list[Account], roots: list[Item]) -> list[Item]:
    """Weibo repost cascades: a branching process over the root posts, some chains forced deep."""
    others = [a for a in accts if a.role != "official"]
    out: list[Item] = []
    big = [r for r in roots if r.author.role != "ordinary"]
    seeds = rng.sample(big, k=min(70, len(big))) + rng.sample(roots, k=25)
    deep = set(id(r) for r in seeds[:6])  # these get a forced chain at least 5 levels deep

    def spawn(node: Item, root: Item, depth: int, used: set[str], force: int) -> None:
        mean = (2.2 if depth == 0 else 1.1 / depth) * (1.5 if root.author.role != "ordinary" else 0.6)
        n = min(int(rng.expovariate(1 / mean)), 12)
        if force > 0:
            n = max(n, 1)
        for k in range(n):
            choices = [a for a in others if a.user_id not in used]
            if not choices:
                return
            acct = rng.choices(choices, weights=[a.activity for a in choices], k=1)[0]
            used.add(acct.user_id)
            own = rng.choice(V.REPOST_REASONS)
            if rng.random() < 0.2:
                own += rng.choice(V.POS_MARKS)
            chain = "" if node is root else f"//@{node.author.nickname}:{node.text}"
            text = (own or ("转发微博" if not chain else "")) + chain
            created = node.created + timedelta(minutes=rng.expovariate(1 / (90 * (depth + 1))) + 0.5)
            likes = int(rng.lognormvariate(0.5, 1.3))
            rep = Item("weibo", "repost", ids.digits(16, "48"), acct, created, text or "转发微博", likes=likes,
                       comments=int(likes * rng.uniform(0, 0.5)), parent=node, root=root, own_text=own,
                       mentions=[m.author.nickname for m in _ancestors(node, root)], ip_location=acct.region)
            node.children += 1
            out.append(rep)
            spawn(rep, root, depth + 1, used, force - 1 if k == 0 else 0)

    for r in seeds:
        spawn(r, r, 0, {r.author.user_id}, 7 if id(r) in deep else 0)
    for r in roots:  # a root's repost count is at least what was captured
        r.shares = max(r.shares, sum(1 for x in out if x.root is r))
    out.sort(key=lambda i: i.created)
    return out


def _ancestors(node: Item, root: Item) -> list[Item]:
    chain = []
    while node is not root and node is not None:
        chain.append(node)
        node = node.parent  # type: ignore[assignment]
    return chain


def simulate(seed: int = 20230401) -> World:
    """Simulate the whole demo world (deterministic for a given seed)."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    accounts = {p: _accounts(rng, ids, p) for p in PLATFORMS}
    items: dict[str, list[Item]] = {}
    for p in PLATFORMS:
        roots = _roots(rng, ids, p, accounts[p])
        extra = _reposts(rng, ids, accounts[p], roots) if p == "weibo" else _comments(rng, ids, p, accounts[p], roots)
        for r in roots:  # a post's comment count is at least what the crawler captured
            r.comments = max(r.comments, sum(1 for x in extra if x.kind == "comment" and x.root is r))
        items[p] = roots + extra
    return World(seed, accounts, items)


def depth(item: Item) -> int:
    """Repost/reply depth below the root (a root post is 0)."""
    d = 0
    while item.parent is not None:
        d += 1
        item = item.parent
    return d + (1 if item.kind != "post" else 0)
