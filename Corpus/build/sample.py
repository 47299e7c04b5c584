#!/usr/bin/env python3
"""Build the small, openly licensed text samples committed under Corpus/.

Run from anywhere:  python3 Corpus/build/sample.py [--shared PATH]

Inputs (read-only):  <repo>/../shared/corpus/<set>/*.jsonl   (override with --shared or $ENTEX_SHARED)
                     <repo>/../shared/seed/ilrs-venezuela.txt
                     <repo>/Corpus/tweets/tweets_en.handwritten.jsonl   (hand-written, committed source)
Outputs:             see Corpus/README.md; every output is rewritten from scratch.

Only sets whose stated licence allows redistribution are read (SETS below). The script is deterministic:
a fixed seed, inputs read in file order, outputs written in a fixed order with fixed key order, so
re-running it on the same inputs gives byte-identical files.

The tweet "envelopes" (Twitter API v1.1 / v2 JSON objects) are synthetic: ids, dates, users, t.co links
that we add and the expanded URLs are invented here. Only the tweet texts are real (see Corpus/README.md).
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

SEED = 20230912
MAX_DOC_CHARS = 8000  # keep the news samples small; longer documents are skipped

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "Corpus"

# Sets read by this script, with the licence stated by their README in ../shared/corpus.
SETS = {
    "fakenews_es": "CC BY 4.0",
    "tweets_news_es": "Apache-2.0",
    "tweets_emoji_es": "Apache-2.0",
}
# Deliberately NOT read: reuters21578_en (research use only), news_commentary_es (no licence stated),
# tweeteval_en ("without any restrictions" is not a licence, and its tasks carry their own terms),
# bbc_news_en (MIT repository, but its README says the BBC texts are for benchmarking only).

# Earlier versions sampled bbc_news_en first, drawing 30 items from each of its five category pools
# (these sizes) with the shared generator. Replaying those draws keeps every other sample as published.
BBC_POOL_SIZES = (500, 362, 395, 499, 332)


# --------------------------------------------------------------------------- helpers

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def pick(rng, items, k):
    """k items from a list, returned in their original order (stable output)."""
    if k >= len(items):
        return list(items)
    idx = sorted(rng.sample(range(len(items)), k))
    return [items[i] for i in idx]


def stable_int(*parts, lo=10**17, hi=10**18):
    h = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return lo + int(h, 16) % (hi - lo)


# --------------------------------------------------------------------------- news

def skip_removed_bbc_draws(rng):
    """Advance `rng` exactly as the removed bbc_news_en sample did, without reading that set."""
    for size in BBC_POOL_SIZES:
        rng.sample(range(size), 30)


def sample_fakenews(shared, rng):
    docs = read_jsonl(shared / "fakenews_es" / "fakenews_es.jsonl")
    true = [d for d in docs if d["category"] in ("True", True) and len(d["text"]) <= MAX_DOC_CHARS]
    v2 = [d for d in true if d["id"].startswith("test/")]          # real numbers
    v1 = [d for d in true if not d["id"].startswith("test/")]      # numbers masked as *NUMBER*
    out = pick(rng, v2, 100) + pick(rng, v1, 50)

    def key(d):
        split, n = d["id"].split("/")
        return (split, int(n))
    out.sort(key=key)
    return [{"id": "fakenews_es/" + d["id"], "lang": "es", "text": d["text"]} for d in out]


# --------------------------------------------------------------------------- tweets

TCO_END = re.compile(r"https://t\.co/[A-Za-z0-9]{10}$")
CUT_URL = re.compile(r"(?:\bh|\bht|\bhtt|\bhttps?|https?:/{0,2}|https?://t\.?c?o?/?\w{0,9})$")
FEATURES = [  # (name, regex, how many tweets to guarantee in the sample)
    ("zwj", re.compile("\u200d"), 8),
    ("skin_tone", re.compile("[\U0001F3FB-\U0001F3FF]"), 8),
    ("flag", re.compile("[\U0001F1E6-\U0001F1FF]{2}"), 10),
    ("accented_hashtag", re.compile(r"#\w*[áéíóúüñÁÉÍÓÚÜÑ]\w*"), 12),
    ("mention", re.compile(r"(?<!\w)@\w"), 10),
    ("amp_escape", re.compile("&amp;"), 2),
]


def complete(text):
    """True if a tweet text does not look cut off (the stream gives some truncated texts)."""
    t = text.rstrip()
    return not t.endswith("…") and not (CUT_URL.search(t) and not TCO_END.search(t)) and len(t) >= 30


def sample_tweets_es(shared, rng):
    news = read_jsonl(shared / "tweets_news_es" / "tweets_news_es.jsonl")
    accounts = {t["screen_name"] for t in news}
    seen, originals, retweets = set(), [], []
    for t in news:
        text = t["text"]
        if text in seen:
            continue
        seen.add(text)
        m = re.match(r"RT @(\w+):", text)
        if m:
            # only retweets of the 25 news/opinion accounts themselves (no private individuals)
            if m.group(1) in accounts:
                retweets.append(t)
        elif complete(text):
            originals.append(t)

    chosen = {}
    for name, rx, k in FEATURES:
        pool = [t for t in originals if rx.search(t["text"]) and t["id"] not in chosen]
        for t in pick(rng, pool, k):
            chosen[t["id"]] = t
    rest = [t for t in originals if t["id"] not in chosen]
    for t in pick(rng, rest, 160 - len(chosen)):
        chosen[t["id"]] = t
    for t in pick(rng, retweets, 25):
        chosen[t["id"]] = t
    news_out = sorted(chosen.values(), key=lambda t: int(t["id"]))

    emo = read_jsonl(shared / "tweets_emoji_es" / "tweets_emoji_es.jsonl")
    cash = re.compile(r"(?<![\w$])\$[A-Z]{2,5}\b")
    emo_cash = [t for t in emo if cash.search(t["text"])]           # the only real $cashtags we have
    emo_rest = [t for t in emo if not cash.search(t["text"]) and "#" in t["text"]]
    emo_out = emo_cash + pick(rng, emo_rest, 15 - len(emo_cash))
    emo_out.sort(key=lambda t: int(t["id"].split("/")[1]))

    rows = [{"id": "tweets_news_es/" + t["id"], "lang": "es", "text": t["text"]} for t in news_out]
    rows += [{"id": "tweets_emoji_es/" + t["id"], "lang": "es", "text": t["text"]} for t in emo_out]
    emoji_label = {"tweets_emoji_es/" + t["id"]: t["emoji_label"] for t in emo_out}
    return rows, emoji_label


# --------------------------------------------------------------------------- synthetic envelopes

SCREEN_NAMES = ["entex_diario", "entex_noticias", "entex_radio", "entex_agencia", "entex_tv",
                "entex_cronica", "entex_wire", "entex_newsdesk"]
MENTION = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
HASHTAG = re.compile(r"(?<![\w&#])[#＃](\w*[^\W\d_]\w*)")
CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w])")
URL = re.compile(r"https://t\.co/[A-Za-z0-9]{10}|(?:https?://|www\.)[^\s]+?(?=[.,;:!?)\]]*(?:\s|$))")
# key order of the objects we write (cosmetic: user before entities, as the API does)
ORDER = ["id", "id_str", "created_at", "full_text", "text", "truncated", "display_text_range", "lang",
         "user", "entities", "extended_tweet", "retweeted_status"]
TCO_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class Forge:
    """Invents ids, dates, users and t.co links, deterministically."""

    def __init__(self, rng):
        self.rng = rng
        self.next_id = 1701234567890123456  # > 2**53: id and id_str must be read as 64-bit integers
        self.when = datetime.datetime(2023, 9, 12, 10, 0, 0, tzinfo=datetime.timezone.utc)
        self.tco_n = 0

    def tweet_id(self):
        self.next_id += self.rng.randrange(10**12, 10**14)
        return self.next_id

    def date(self):
        self.when += datetime.timedelta(minutes=self.rng.randrange(3, 240), seconds=self.rng.randrange(60))
        w = self.when
        v11 = f"{DAYS[w.weekday()]} {MONTHS[w.month - 1]} {w.day:02d} {w:%H:%M:%S} +0000 {w.year}"
        v2 = f"{w:%Y-%m-%dT%H:%M:%S}.000Z"
        return v11, v2

    def user(self, screen_name=None):
        sn = screen_name or self.rng.choice(SCREEN_NAMES)
        uid = stable_int("user", sn, lo=10**8, hi=10**10)
        return {"id": uid, "id_str": str(uid), "name": sn.replace("_", " ").title(), "screen_name": sn}

    def tco(self):
        self.tco_n += 1
        return "https://t.co/" + "".join(self.rng.choice(TCO_ALPHABET) for _ in range(10))

    def expanded(self, url):
        if url.startswith("https://t.co/"):
            # the real target of a t.co link in the source text is unknown: invent one
            return f"https://example.org/entex-sample/{stable_int('url', url, lo=10**5, hi=10**6)}"
        return url if "://" in url else "http://" + url


def entities(text, forge):
    """v1.1 `entities`: indices are [start, end) in Unicode code points, as Twitter documents."""
    ents = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
    for m in HASHTAG.finditer(text):
        ents["hashtags"].append({"text": m.group(1), "indices": [m.start(), m.end()]})
    for m in CASHTAG.finditer(text):
        ents["symbols"].append({"text": m.group(1), "indices": [m.start(), m.end()]})
    for m in MENTION.finditer(text):
        sn = m.group(1)
        uid = stable_int("user", sn, lo=10**8, hi=10**10)
        ents["user_mentions"].append({"screen_name": sn, "name": sn, "id": uid, "id_str": str(uid),
                                      "indices": [m.start(), m.end()]})
    for m in URL.finditer(text):
        u = m.group(0)
        exp = forge.expanded(u)
        disp = re.sub(r"^https?://(www\.)?", "", exp)
        if len(disp) > 26:
            disp = disp[:25] + "…"
        ents["urls"].append({"url": u, "expanded_url": exp, "display_url": disp,
                             "indices": [m.start(), m.end()]})
    return ents


def wrap_urls(text, forge):
    """Prepare a hand-written text as the API would return it: `&`, `<`, `>` HTML-escaped and
    non-t.co URLs replaced by t.co links. Returns the text and a t.co -> original URL map."""
    mapping = {}
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def sub(m):
        u = m.group(0)
        if u.startswith("https://t.co/"):
            return u
        t = forge.tco()
        mapping[t] = u
        return t
    return URL.sub(sub, text), mapping


def entities_with_map(text, forge, mapping):
    ents = entities(text, forge)
    for u in ents["urls"]:
        if u["url"] in mapping:
            exp = forge.expanded(mapping[u["url"]])
            u["expanded_url"] = exp
            disp = re.sub(r"^https?://(www\.)?", "", exp)
            u["display_url"] = disp if len(disp) <= 26 else disp[:25] + "…"
    return ents


def truncate(text, limit):
    """Cut at a space so that the result plus '…' fits in `limit` code points."""
    cut = text[:limit]
    sp = cut.rfind(" ")
    if sp > limit // 2:
        cut = cut[:sp]
    return cut.rstrip() + "…"


def v11(text, lang, forge, shape, mapping=None, rt_user=None):
    mapping = mapping or {}
    inner = None
    if shape == "retweet":  # the retweeted tweet is older, so invent it first
        inner = v11(text, lang, forge, "full_text", mapping)
        inner["user"] = forge.user(rt_user)
        inner = {k: inner[k] for k in ORDER if k in inner}
    tid = forge.tweet_id()
    created, _ = forge.date()
    obj = {"id": tid, "id_str": str(tid), "created_at": created}
    if shape == "full_text":            # REST API, tweet_mode=extended
        obj["full_text"] = text
        obj["truncated"] = False
        obj["display_text_range"] = [0, len(text)]
        obj["entities"] = entities_with_map(text, forge, mapping)
    elif shape == "text":               # classic 140-character tweet, compat mode
        obj["text"] = text
        obj["truncated"] = False
        obj["entities"] = entities_with_map(text, forge, mapping)
    elif shape == "extended":           # streaming API: truncated text + extended_tweet
        link = forge.tco()
        short = truncate(text, 140 - 24) + " " + link
        obj["text"] = short
        obj["truncated"] = True
        ents = entities_with_map(short, forge, mapping)
        for u in ents["urls"]:
            if u["url"] == link:
                u["expanded_url"] = f"https://twitter.com/i/web/status/{tid}"
                u["display_url"] = f"twitter.com/i/web/status/{str(tid)[:1]}…"
        obj["entities"] = ents
        obj["extended_tweet"] = {"full_text": text, "display_text_range": [0, len(text)],
                                 "entities": entities_with_map(text, forge, mapping)}
    elif shape == "retweet":
        outer_text = "RT @" + inner["user"]["screen_name"] + ": " + text
        if len(outer_text) > 140:
            outer_text = truncate(outer_text, 139)
        obj["text"] = outer_text
        obj["truncated"] = False
        obj["entities"] = entities_with_map(outer_text, forge, mapping)
        obj["retweeted_status"] = inner
    obj["lang"] = lang
    user = forge.user()
    while inner is not None and user["screen_name"] == inner["user"]["screen_name"]:
        user = forge.user()
    obj["user"] = user
    return {k: obj[k] for k in ORDER if k in obj}


def denormalise_emo(text, emoji, forge):
    """tweets_emoji_es replaced mentions/URLs/emoji by placeholders; put plausible tokens back."""
    text = text.replace("_emo", emoji)
    n = 0

    def usr(_m):
        nonlocal n
        n += 1
        return "@entex_usuario" + str(n)
    text = re.sub(r"_usr\b", usr, text)
    text = re.sub(r"_url\b", lambda _m: forge.tco(), text)
    return text


def build_envelopes(tweets_es, emoji_label, handwritten, rng):
    forge = Forge(random.Random(SEED + 1))
    news = [t for t in tweets_es if t["id"].startswith("tweets_news_es/") and not t["text"].startswith("RT @")]
    news_rt = [t for t in tweets_es if t["id"].startswith("tweets_news_es/") and t["text"].startswith("RT @")]
    emo_cash = [t for t in tweets_es if t["id"].startswith("tweets_emoji_es/") and CASHTAG.search(t["text"])]

    # Pick texts: feature-rich ones first so every file shows emoji/handles/hashtags/URLs.
    def has(rx):
        return lambda t: re.search(rx, t["text"]) is not None
    buckets = [has("\u200d"), has("[\U0001F3FB-\U0001F3FF]"), has("[\U0001F1E6-\U0001F1FF]{2}"),
               has(r"#\w*[áéíóúñÁÉÍÓÚÑ]"), has(r"(?<!\w)@\w")]
    order = list(news)
    rng.shuffle(order)
    # round-robin over the feature buckets, so that each feature is near the front of the pool
    front, seen_ids = [], set()
    for _ in range(6):
        for b in buckets:
            t = next((t for t in order if b(t) and t["id"] not in seen_ids), None)
            if t is not None:
                seen_ids.add(t["id"])
                front.append(t)
    rest = [t for t in order if t["id"] not in seen_ids]
    pool = front + rest[:60]  # v11 takes from the front first, then v2, then the array file
    short = [t for t in pool if len(t["text"]) <= 140]
    long_ = [t for t in pool if len(t["text"]) > 140]
    used = set()

    def take(src, n):
        out = []
        for t in src:
            if len(out) == n:
                break
            if t["id"] not in used:
                used.add(t["id"])
                out.append(t)
        return out

    hw_cash = [t for t in handwritten if CASHTAG.search(t["text"])]
    hw_zwj = [t for t in handwritten if not CASHTAG.search(t["text"]) and "\u200d" in t["text"]]

    # ---- tweets_v11.jsonl: 40 tweets
    plan = ([("full_text", t) for t in take(pool, 16)]
            + [("text", t) for t in take(short, 6)]
            + [("extended", t) for t in take(long_, 6)]
            + [("retweet", t) for t in take(pool, 6)])
    rows = []
    for shape, t in plan:
        rows.append(v11(t["text"], "es", forge, shape))
    for t in emo_cash:  # real $cashtags, placeholders put back
        text = denormalise_emo(t["text"], emoji_label[t["id"]], forge)
        rows.append(v11(text, "es", forge, "full_text"))
    for shape, t in zip(["full_text", "text", "extended", "retweet"], hw_cash[:4]):
        text, mapping = wrap_urls(t["text"], forge)
        rows.append(v11(text, "en", forge, shape, mapping))
    v11_rows = rows

    # ---- tweets_v2.jsonl: 30 tweets
    v2_rows = []
    v2_src = [(t, "es") for t in take(pool, 25)] + [(t, "es") for t in news_rt[:2]] + [(t, "en") for t in hw_cash[4:6] + hw_zwj[:1]]
    for t, lang in v2_src:
        text = t["text"]
        if lang == "en":
            text, _ = wrap_urls(text, forge)
        tid = forge.tweet_id()
        _, created = forge.date()
        author = forge.user()["id_str"]
        v2_rows.append({"data": {"id": str(tid), "text": text, "lang": lang, "created_at": created,
                                 "author_id": author}})

    # ---- tweets_v11_array.json: 10 tweets, mixed shapes
    arr = []
    shapes = ["full_text", "text", "extended", "retweet", "full_text", "full_text", "extended", "retweet"]
    src = take(pool, len(shapes))
    for shape, t in zip(shapes, src):
        if shape == "text" and len(t["text"]) > 140:
            shape = "full_text"
        if shape == "extended" and len(t["text"]) <= 140:
            shape = "full_text"
        arr.append(v11(t["text"], "es", forge, shape))
    for t in hw_zwj[1:3]:
        text, mapping = wrap_urls(t["text"], forge)
        arr.append(v11(text, "en", forge, "full_text", mapping))
    return v11_rows, v2_rows, arr


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("ENTEX_SHARED", REPO.parent / "shared")),
                    help="the shared data directory (default: <repo>/../shared)")
    args = ap.parse_args()
    shared_root = args.shared
    shared = shared_root / "corpus"
    if not shared.is_dir():
        sys.exit(f"sample.py: {shared} not found (pass --shared)")

    shutil.copyfile(shared_root / "seed" / "ilrs-venezuela.txt", CORPUS / "news" / "ilrs-venezuela.txt")

    rng = random.Random(SEED)
    skip_removed_bbc_draws(rng)
    write_jsonl(CORPUS / "news" / "fakenews_es.sample.jsonl", sample_fakenews(shared, rng))
    tweets_es, emoji_label = sample_tweets_es(shared, rng)
    write_jsonl(CORPUS / "tweets" / "tweets_es.sample.jsonl", tweets_es)

    handwritten = read_jsonl(CORPUS / "tweets" / "tweets_en.handwritten.jsonl")
    v11_rows, v2_rows, arr = build_envelopes(tweets_es, emoji_label, handwritten, random.Random(SEED + 2))
    write_jsonl(CORPUS / "tweets" / "tweets_v11.jsonl", v11_rows)
    write_jsonl(CORPUS / "tweets" / "tweets_v2.jsonl", v2_rows)
    with open(CORPUS / "tweets" / "tweets_v11_array.json", "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(arr, ensure_ascii=False, indent=2) + "\n")

    for p in sorted(CORPUS.rglob("*")):
        if p.is_file() and p.suffix in (".jsonl", ".json", ".txt"):
            n = sum(1 for _ in open(p, encoding="utf-8"))
            print(f"{p.relative_to(REPO)}\t{n} lines\t{p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
