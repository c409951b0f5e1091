"""Near-duplicate clustering benchmark: ``ingest.dedup`` against datasketch ``MinHashLSH``.

Builds a labelled test set from the ground-truth bodies of ``../shared/corpus`` (so the bench
measures deduplication, not extraction): every story is rendered as 2-4 copies by different
fictional publishers (own chrome: bylines, "Read more" lines with other stories' headlines,
newsletter and share lines, copyright footers) with realistic edits (rewritten headline kept
as the first line, trimmed ending, editor's note, a few words changed, a paragraph dropped or
moved). Hard negatives: every publisher's chrome is shared by all the stories it renders, and
groups of different stories get the same stock opening paragraph or the same boilerplate
closing paragraph.

Both systems see the copies in the same shuffled stream and cluster them the way the store
does: fingerprint, query the LSH index, join the cluster of the most similar candidate at or
above the threshold (else start a new cluster), then index the copy. Both use the same
shingles (``ingest.dedup.keys.tokens``, ``SHINGLE_SIZE`` tokens inside a paragraph). The
baseline's ``num_perm`` and threshold are tuned on a separate seed (best pairwise F1) before
the measured run. Scores are pairwise precision/recall/F1 over all pairs of copies; speed is
copies per second for fingerprint + index query + decision + index insert.

    .venv/bin/python bench/dedup_bench.py            # full run (tuning + measured run)
    .venv/bin/python bench/dedup_bench.py --quick    # fixed baseline settings, no tuning
    .venv/bin/python bench/dedup_bench.py --heavy --extra-seeds 11,12,13,14
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ingest.dedup.decide import NEAR_DUP_THRESHOLD, Candidate, matching_clusters
from ingest.dedup.index import MemoryIndex
from ingest.dedup.keys import NUM_PERM, SHINGLE_SIZE, fingerprint, paragraph_tokens

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "corpus.jsonl"


# -- test set ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Story:
    sid: int
    title: str
    paragraphs: tuple[str, ...]
    language: str


@dataclass(frozen=True, slots=True)
class Copy:
    story: int  # ground-truth cluster
    publisher: str
    body: str
    stock: int = -1  # group of stories sharing a stock paragraph with this one (-1: none)


FIRST = [
    "Anna Berg",
    "Mark Ellis",
    "Sofia Ruiz",
    "Jonas Weber",
    "Claire Martin",
    "Tom Okafor",
    "Lena Novak",
]
LAST = [
    "Schmidt",
    "Hughes",
    "García",
    "Dubois",
    "Rossi",
    "Larsen",
    "Kowalski",
    "Tanaka",
    "Nguyen",
    "Fischer",
]


@dataclass(frozen=True, slots=True)
class Publisher:
    name: str
    byline: str  # "{author}" and "{name}" placeholders
    read_more: str  # "{title}"
    newsletter: str
    footer: str
    share: str


PUBLISHERS = (
    Publisher("Daily Ledger", "By {author} | {name}", "Read more: {title}",
              "Sign up for the Daily Ledger morning briefing, delivered to your inbox at 6am.",
              "© 2024 Daily Ledger Media Group. All rights reserved.", "Share this article"),
    Publisher("Rundschau Online", "Von {author}, {name}", "Lesen Sie auch: {title}",
              "Abonnieren Sie unseren Newsletter und verpassen Sie keine Nachricht mehr.",
              "© Rundschau Online 2024 – Alle Rechte vorbehalten.", "Artikel teilen"),
    Publisher("Metro Wire", "{author} — {name} Staff", "RELATED: {title}",
              "Get breaking news alerts from Metro Wire: download our free app today.",
              "Copyright 2024 Metro Wire Inc. This material may not be published, broadcast, "
              "rewritten or redistributed.", "Follow us on Facebook, X and Instagram"),
    Publisher("El Observador", "Por {author} | {name}", "Te puede interesar: {title}",
              "Suscríbete a nuestro boletín para recibir las noticias más importantes del día.",
              "© 2024 El Observador. Todos los derechos reservados.", "Compartir"),
    Publisher("Le Courrier", "Par {author} pour {name}", "À lire aussi : {title}",
              "Inscrivez-vous à notre newsletter quotidienne et recevez l'essentiel de l'info.",
              "© Le Courrier 2024. Tous droits réservés. Reproduction interdite.", "Partager"),
    Publisher("Global Syndicate", "{author}, {name} correspondent", "More coverage: {title}",
              "Support independent journalism: become a Global Syndicate member for $5 a month.",
              "Distributed by Global Syndicate Newswire. Copyright 2024.", "Comments (0)"),
    Publisher("Nordkurier24", "Text: {author} / {name}", "Mehr zum Thema: {title}",
              "Jetzt den WhatsApp-Kanal von Nordkurier24 abonnieren!",
              "Alle Inhalte © Nordkurier24 GmbH & Co. KG", "Teilen auf Facebook"),
    Publisher("City Times", "Story by {author}", "Also read: {title}",
              "This article is part of our free weekend edition. Subscribe for unlimited access "
              "to City Times journalism.", "City Times © 2024", "Print | Email | Share"),
)  # fmt: skip

STOCK_OPENINGS = (
    "This is a developing story and will be updated as more information becomes available. "
    "Our reporters are on the scene and we will bring you the latest details as soon as they "
    "are confirmed by the authorities.",
    "Dies ist eine Eilmeldung. Der Artikel wird laufend aktualisiert, sobald neue Informationen "
    "vorliegen. Unsere Reporterinnen und Reporter sind vor Ort und berichten fortlaufend.",
    "Good morning and welcome to our daily news roundup, where we bring you the most important "
    "stories from around the country and the world, curated by our editors every weekday.",
)
STOCK_CLOSINGS = (
    "If you or someone you know is affected by any of the issues raised in this story, help "
    "and support is available around the clock. Contact the national helpline free of charge "
    "or visit the support organisations listed on our website for advice and assistance.",
    "Dieser Artikel wurde mit Material der Nachrichtenagenturen dpa, AFP und Reuters erstellt "
    "und von der Redaktion überprüft. Hinweise auf Fehler senden Sie bitte an die Redaktion, "
    "wir korrigieren sie so schnell wie möglich.",
    "Have a news tip? Our journalists want to hear from you. Send us your story ideas, photos "
    "and videos through our secure tip line, and follow our live coverage on the website and "
    "in the app for the latest updates throughout the day.",
)
NOTES = (
    "Editor's note: This story has been updated with additional reporting.",
    "Update: An earlier version of this article misstated the date of the meeting.",
    "Anmerkung der Redaktion: Dieser Artikel wurde nach Erscheinen aktualisiert.",
    "Nota del editor: esta noticia fue actualizada con nueva información.",
)
HEADLINE_PREFIX = ("", "UPDATE: ", "Exclusive: ", "Breaking: ", "Analysis: ", "LIVE: ")


def load_stories(path: Path) -> list[Story]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    stories = []
    for i, row in enumerate(rows):
        paras = tuple(p for p in (s.strip() for s in row["body"].split("\n\n")) if p)
        if paras:
            stories.append(Story(i, row.get("title") or "", paras, row.get("language") or ""))
    return stories


def shingles(body: str) -> set[str]:
    """The shingle strings behind ``ingest.dedup.keys.fingerprint`` (same tokens, same k)."""
    out: set[str] = set()
    k = SHINGLE_SIZE
    for toks in paragraph_tokens(body):
        if len(toks) < k:
            out.add(" ".join(toks))
        out.update(" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1))
    return out


def true_groups(stories: Sequence[Story], *, min_jaccard: float = 0.5) -> dict[int, int]:
    """Story id -> ground-truth cluster: corpus stories that are already near duplicates of
    each other (exact shingle Jaccard >= ``min_jaccard``) are one story."""
    sets = [shingles("\n\n".join(s.paragraphs)) for s in stories]
    parent = {s.sid: s.sid for s in stories}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for (i, a), (j, b) in itertools.combinations(enumerate(sets), 2):
        if a and b and len(a & b) / len(a | b) >= min_jaccard:
            parent[find(stories[j].sid)] = find(stories[i].sid)
    return {s.sid: find(s.sid) for s in stories}


def _edit_words(text: str, rng: random.Random, vocab: Sequence[str], rate: float) -> str:
    words = text.split(" ")
    if len(words) < 3:
        return text
    for _ in range(max(1, int(len(words) * rate))):
        i = rng.randrange(len(words))
        if rng.random() < 0.7:
            words[i] = rng.choice(vocab)
        else:
            del words[i]
            if len(words) < 3:
                break
    return " ".join(words)


def _trim(paras: list[str], rng: random.Random) -> list[str]:
    share = rng.uniform(0.10, 0.25)
    if len(paras) >= 4:
        keep = max(1, round(len(paras) * (1 - share)))
        return paras[:keep]
    text = "\n\n".join(paras)
    cut = max(1, int(len(text) * (1 - share)))
    return [p for p in text[:cut].split("\n\n") if p.strip()]


def render(
    story: Story,
    base: list[str],
    pub: Publisher,
    rng: random.Random,
    others: Sequence[Story],
    vocab: Sequence[str],
    *,
    first: bool,
) -> str:
    """One publisher's copy of a story: chrome plus edits (the first copy is the lightest)."""
    paras = list(base)
    edits = rng.sample(["trim", "note", "words", "drop", "move", "headline"], k=rng.randint(2, 4))
    if first:
        edits = rng.sample(["note", "words", "headline"], k=1)
    if "trim" in edits:
        paras = _trim(paras, rng)
    if "drop" in edits and len(paras) >= 5:
        del paras[rng.randrange(1, len(paras))]
    if "move" in edits and len(paras) >= 3:
        i, j = rng.sample(range(len(paras)), 2)
        paras[i], paras[j] = paras[j], paras[i]
    if "words" in edits:
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(paras))
            paras[i] = _edit_words(paras[i], rng, vocab, rate=0.03)
    if "note" in edits:
        note = rng.choice(NOTES)
        paras = [note, *paras] if rng.random() < 0.5 else [*paras, note]
    head: list[str] = []
    if "headline" in edits and story.title:
        head.append(rng.choice(HEADLINE_PREFIX[1:]) + _edit_words(story.title, rng, vocab, 0.2))
    elif rng.random() < 0.3 and story.title:
        head.append(story.title)
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    head.append(pub.byline.format(author=author, name=pub.name))
    for _ in range(rng.randint(0, 2)):  # "Read more" lines inside the body
        pos = rng.randrange(1, len(paras) + 1)
        paras.insert(pos, pub.read_more.format(title=rng.choice(others).title))
    tail = [pub.share]
    if rng.random() < 0.7:
        tail.append(pub.newsletter)
    tail.append(pub.footer)
    return "\n\n".join(head + paras + tail)


def _share_stock(
    order: Sequence[Story], bases: dict[int, list[str]], rng: random.Random
) -> dict[int, int]:
    """Hard negatives: about a third of the stories share stock text with other stories.
    Returns story id -> stock group."""
    groups: dict[int, int] = {}
    cursor, n_group = 0, 0
    stock = STOCK_OPENINGS + STOCK_CLOSINGS
    while cursor < len(order) // 4:  # groups of 2-5 stories with one stock paragraph
        size = 2 + n_group % 4
        text = stock[n_group % len(stock)]
        for s in order[cursor : cursor + size]:
            opening = text in STOCK_OPENINGS
            bases[s.sid] = [text, *bases[s.sid]] if opening else [*bases[s.sid], text]
            groups[s.sid] = n_group
        cursor += size
        n_group += 1
    for a, b in itertools.pairwise(order[cursor : cursor + 40]):  # same first paragraph
        if rng.random() < 0.5 and len(bases[b.sid]) > 2 and a.sid not in groups:
            bases[b.sid] = [bases[a.sid][0], *bases[b.sid][1:]]
            groups[a.sid] = groups[b.sid] = n_group
            n_group += 1
    return groups


def build(stories: Sequence[Story], *, seed: int, heavy: bool = False) -> list[Copy]:
    """The shuffled stream of copies (see the module doc)."""
    rng = random.Random(seed)
    vocab = sorted({w for s in stories for p in s.paragraphs[:3] for w in p.split() if w.isalpha()})
    order = list(stories)
    rng.shuffle(order)
    bases: dict[int, list[str]] = {s.sid: list(s.paragraphs) for s in order}
    stock = _share_stock(order, bases, rng)
    copies: list[Copy] = []
    for s in order:
        pubs = rng.sample(PUBLISHERS, k=rng.randint(2, 4))
        others = [o for o in rng.sample(order, k=6) if o.sid != s.sid] or [s]
        for n, pub in enumerate(pubs):
            body = render(s, bases[s.sid], pub, rng, others, vocab, first=n == 0)
            if heavy:
                body = _heavy_chrome(body, pub, others, rng)
            copies.append(Copy(s.sid, pub.name, body, stock.get(s.sid, -1)))
    rng.shuffle(copies)
    return copies


def _heavy_chrome(body: str, pub: Publisher, others: Sequence[Story], rng: random.Random) -> str:
    """More template text: a related-stories list and the publisher's long "about" paragraph."""
    related = [f"{pub.read_more.split(':')[0]}: {o.title}" for o in others[: rng.randint(3, 5)]]
    about = (
        f"{pub.name} is an independent news organisation. Our journalists report from more "
        f"than forty cities. {pub.name} does not accept payment for coverage, and our editorial "
        f"decisions are made without influence from advertisers or owners. {pub.newsletter}"
    )
    cookie = "We use cookies to improve your experience. Manage your preferences at any time."
    return "\n\n".join([cookie, body, "Related stories", *related, about])


# -- clustering -------------------------------------------------------------------------------


def cluster_ours(copies: Sequence[Copy], *, threshold: float) -> tuple[list[int], float]:
    """The store's procedure in memory: join the matching cluster, or merge the clusters a
    copy links (into the lowest id), or start a new one."""
    index = MemoryIndex()
    cluster_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    start = time.perf_counter()
    for i, c in enumerate(copies):
        fp = fingerprint(c.body)
        cands = [Candidate(j, cluster_of[j], index.fingerprint(j), None) for j in index.query(fp)]
        matched = matching_clusters(fp, cands, threshold=threshold)
        target = matched[0].cluster_id if matched else i
        for other in matched[1:]:
            for j in members.pop(other.cluster_id):
                cluster_of[j] = target
                members[target].append(j)
        cluster_of[i] = target
        members.setdefault(target, []).append(i)
        index.add(i, fp)
    labels = [cluster_of[i] for i in range(len(copies))]
    return labels, time.perf_counter() - start


def cluster_datasketch(
    copies: Sequence[Copy], *, num_perm: int, threshold: float
) -> tuple[list[int], float]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs: dict[int, MinHash] = {}
    cluster_of: dict[int, int] = {}
    labels: list[int] = []
    start = time.perf_counter()
    for i, c in enumerate(copies):
        m = MinHash(num_perm=num_perm)
        m.update_batch([s.encode("utf-8") for s in shingles(c.body)])  # the same shingles
        best: tuple[float, int] | None = None
        for j in lsh.query(m):
            score = m.jaccard(sigs[j])
            key = (-score, cluster_of[j])
            if score >= threshold and (best is None or key < best):
                best = key
        cluster_of[i] = i if best is None else best[1]
        lsh.insert(i, m)
        sigs[i] = m
        labels.append(cluster_of[i])
    return labels, time.perf_counter() - start


# -- scoring ----------------------------------------------------------------------------------


def pairwise(truth: Sequence[int], pred: Sequence[int]) -> tuple[float, float, float]:
    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    same_pred = pairs(Counter(pred))
    same_true = pairs(Counter(truth))
    both = pairs(Counter(zip(truth, pred, strict=True)))
    precision = both / same_pred if same_pred else 1.0
    recall = both / same_true if same_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True, slots=True)
class Score:
    name: str
    precision: float
    recall: float
    f1: float
    per_second: float
    clusters: int
    false_pairs: int
    false_same_publisher: int
    false_shared_stock: int


def score(
    name: str,
    copies: Sequence[Copy],
    truth: Sequence[int],
    run: Callable[[], tuple[list[int], float]],
    *,
    repeat: int,
) -> Score:
    """Scores of one system; the speed is the best of ``repeat`` runs (2 shared cores)."""
    labels, seconds = run()
    for _ in range(repeat - 1):
        seconds = min(seconds, run()[1])
    p, r, f = pairwise(truth, labels)
    wrong = [
        (copies[i], copies[j])
        for i, j in itertools.combinations(range(len(copies)), 2)
        if labels[i] == labels[j] and truth[i] != truth[j]
    ]
    return Score(
        name, p, r, f, len(labels) / seconds, len(set(labels)), len(wrong),
        sum(a.publisher == b.publisher for a, b in wrong),
        sum(a.stock == b.stock != -1 for a, b in wrong),
    )  # fmt: skip


def hard_negative_pairs(copies: Sequence[Copy], truth: Sequence[int]) -> tuple[int, int]:
    """(pairs of different stories by the same publisher, pairs sharing stock text)."""
    same_pub = shared = 0
    for i, j in itertools.combinations(range(len(copies)), 2):
        if truth[i] != truth[j]:
            same_pub += copies[i].publisher == copies[j].publisher
            shared += copies[i].stock == copies[j].stock != -1
    return same_pub, shared


def tune_baseline(copies: Sequence[Copy], truth: Sequence[int]) -> tuple[int, float]:
    best: tuple[float, int, float] = (-1.0, 0, 0.0)
    for num_perm in (64, 128):
        for threshold in (0.2, 0.25, 0.3, 0.4, 0.5, 0.6):
            labels, _ = cluster_datasketch(copies, num_perm=num_perm, threshold=threshold)
            f1 = pairwise(truth, labels)[2]
            print(f"  tune datasketch num_perm={num_perm} threshold={threshold}: F1={f1:.4f}")
            if f1 > best[0]:
                best = (f1, num_perm, threshold)
    return best[1], best[2]


def machine() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=2024, help="seed of the measured test set")
    ap.add_argument("--tune-seed", type=int, default=7, help="seed of the baseline tuning set")
    ap.add_argument("--quick", action="store_true", help="skip tuning (num_perm=128, t=0.5)")
    ap.add_argument("--heavy", action="store_true", help="more template text on every copy")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per system (best kept)")
    ap.add_argument("--threshold", type=float, default=NEAR_DUP_THRESHOLD)
    ap.add_argument(
        "--extra-seeds", default="", help="comma-separated seeds of more test sets (quality only)"
    )
    return ap.parse_args(argv)


def _print_scores(args: argparse.Namespace, scores: Sequence[Score]) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"\n{now}; {machine()}; Python {platform.python_version()}; seed {args.seed}"
        f"{' (heavy chrome)' if args.heavy else ''}; ingest.dedup: num_perm={NUM_PERM}, "
        f"k={SHINGLE_SIZE}, threshold={args.threshold}"
    )
    print(
        "| system | precision | recall | F1 | copies/s | clusters | false pairs "
        "(same publisher / shared stock) |\n|---|---|---|---|---|---|---|"
    )
    for s in scores:
        print(
            f"| {s.name} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | "
            f"{s.per_second:,.0f} | {s.clusters} | {s.false_pairs} "
            f"({s.false_same_publisher} / {s.false_shared_stock}) |"
        )


def _extra_seeds(
    args: argparse.Namespace,
    stories: Sequence[Story],
    group: dict[int, int],
    base: tuple[int, float],
) -> None:
    seeds = [int(x) for x in args.extra_seeds.split(",") if x.strip()]
    if seeds:
        print("\n| seed | ingest.dedup P / R | datasketch P / R |\n|---|---|---|")
    for seed in seeds:
        more = build(stories, seed=seed, heavy=args.heavy)
        truth = [group[c.story] for c in more]
        p1, r1, _ = pairwise(truth, cluster_ours(more, threshold=args.threshold)[0])
        labels = cluster_datasketch(more, num_perm=base[0], threshold=base[1])[0]
        p2, r2, _ = pairwise(truth, labels)
        print(f"| {seed} | {p1:.4f} / {r1:.4f} | {p2:.4f} / {r2:.4f} |")


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    stories = load_stories(args.corpus)
    group = true_groups(stories)
    merged = len(stories) - len(set(group.values()))
    print(f"stories: {len(stories)} ({merged} corpus near-duplicates merged into one story)")
    if args.quick:
        num_perm, base_t = 128, 0.5
    else:
        tune = build(stories, seed=args.tune_seed, heavy=args.heavy)
        num_perm, base_t = tune_baseline(tune, [group[c.story] for c in tune])
    copies = build(stories, seed=args.seed, heavy=args.heavy)
    truth = [group[c.story] for c in copies]
    n_pairs = sum(n * (n - 1) // 2 for n in Counter(truth).values())
    same_pub, shared = hard_negative_pairs(copies, truth)
    print(
        f"copies: {len(copies)}, true clusters: {len(set(truth))}, true pairs: {n_pairs}; "
        f"hard negative pairs: {same_pub} same publisher, {shared} sharing stock text"
    )
    ours = score(
        "ingest.dedup", copies, truth,
        lambda: cluster_ours(copies, threshold=args.threshold), repeat=args.repeat,
    )  # fmt: skip
    base = score(
        f"datasketch MinHashLSH (num_perm={num_perm}, t={base_t})", copies, truth,
        lambda: cluster_datasketch(copies, num_perm=num_perm, threshold=base_t),
        repeat=args.repeat,
    )  # fmt: skip
    _print_scores(args, (ours, base))
    _extra_seeds(args, stories, group, (num_perm, base_t))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
