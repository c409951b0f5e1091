"""Main-content behaviours: structured data, hidden server-rendered bodies, teaser cards,
appended stories, captions outside figures, standfirsts, invisible characters."""

from __future__ import annotations

import json

import pytest

from ingest.extract import extract
from ingest.model import Block, Extracted

_TOPICS = ["harbour", "railway", "school", "budget", "hospital", "library", "market", "bridge"]
_VERBS = ["reopened", "expanded", "closed", "approved", "delayed", "rebuilt", "audited", "funded"]
PARAS = [
    f"The {topic} was {verb} on day {i}, officials said, after {i + 2} months of talks between "
    f"the council, local residents and contractors working for the {topic} authority."
    for i, (topic, verb) in enumerate(zip(_TOPICS, _VERBS, strict=True))
]


def _body(paras: list[str] = PARAS) -> str:
    return "".join(f"<p>{p}</p>" for p in paras)


def _article(result: object) -> Extracted:
    assert isinstance(result, Extracted), result
    return result


def _blocks_around(piece: str, box: str = "article") -> list[Block]:
    """The blocks of a page whose story (``PARAS``) has ``piece`` after its fourth paragraph."""
    html = f"<html><body><{box}>{_body(PARAS[:4])}{piece}{_body(PARAS[4:])}</{box}></body></html>"
    return list(_article(extract(html)).blocks)


def test_json_ld_article_body_fills_in_a_truncated_dom() -> None:
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": "\n".join(PARAS)}
    html = (
        f"<html><head><script type='application/ld+json'>{json.dumps(ld)}</script></head>"
        f"<body><article><p>{PARAS[0]}</p><div class='paywall'>Subscribe to read on.</div>"
        "</article></body></html>"
    )
    result = _article(extract(html))
    assert result.strategy == "json-ld"
    assert [b.text for b in result.blocks] == PARAS


def test_json_ld_article_body_vouches_for_dom_blocks() -> None:
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": " ".join(PARAS)}
    promo = "Our new podcast every morning: markets, money and the week ahead in five minutes."
    html = (
        f"<html><head><script type='application/ld+json'>{json.dumps(ld)}</script></head>"
        f"<body><article>{_body(PARAS[:4])}<p>{promo}</p>{_body(PARAS[4:])}</article>"
        "</body></html>"
    )
    result = _article(extract(html))
    assert result.strategy.startswith("json-ld+")
    assert [b.text for b in result.blocks] == PARAS


def test_server_rendered_body_in_a_hidden_holder_is_kept() -> None:
    html = f"<html><body><nav>Home News</nav><div hidden id='S:1'>{_body()}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_teaser_cards_inside_the_body_are_dropped() -> None:
    card = (
        "<div class='card'><h3><a href='/other'>Another story entirely</a></h3>"
        "<p>A short summary of another story.</p></div>"
    )
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{card}{_body(PARAS[4:])}</article></body></html>"
    )
    result = _article(extract(html))
    assert "Another story" not in result.body
    assert "short summary" not in result.body
    assert len(result.blocks) == 8


def test_only_the_first_story_of_an_infinite_scroll_page() -> None:
    other = [p.replace("officials", "other people") for p in PARAS]
    html = (
        f"<html><body><main><article><h1>First</h1>{_body()}</article>"
        f"<div class='next'><article><h2>Second</h2>{_body(other)}</article></div></main>"
        "</body></html>"
    )
    result = _article(extract(html))
    assert [b.text for b in result.blocks] == PARAS


def test_caption_repeating_the_image_alt_text_leaves_the_body() -> None:
    caption = "The mayor opens the new bridge in front of a crowd of residents"
    html = (
        f"<html><body><article><img src='/a.jpg' alt='{caption}.'><div>{caption}. Photo: X</div>"
        f"{_body()}</article></body></html>"
    )
    result = _article(extract(html))
    assert caption not in result.body


def test_standfirst_heading_after_the_headline_becomes_the_lead() -> None:
    lead = "The council approved the plan after a long night of debate and a narrow final vote."
    html = (
        f"<html><body><article><h1>Plan approved</h1><h2 class='entradilla'>{lead}</h2>"
        f"{_body()}</article></body></html>"
    )
    result = _article(extract(html))
    assert result.lead == lead
    assert lead not in result.body


def test_printed_description_becomes_the_lead_when_markup_names_none() -> None:
    lead = "Residents were evacuated overnight as the river rose above its banks in three towns."
    html = (
        f"<html><head><meta name='description' content='{lead}'></head><body><header>"
        f"<h1>Floods</h1><div class='byline'>By Ann Lee</div><div>{lead}</div></header>"
        f"<article>{_body()}</article></body></html>"
    )
    result = _article(extract(html))
    assert result.lead == lead
    assert result.provenance["lead"] == "meta"
    assert result.blocks[0].text == PARAS[0]


def test_late_related_heading_ends_the_article() -> None:
    tail = "<h3>More from Business</h3><p>Markets rally as rates hold steady, analysts say.</p>"
    html = f"<html><body><article>{_body()}{tail}</article></body></html>"
    result = _article(extract(html))
    assert [b.text for b in result.blocks] == PARAS


_COMMENT = (
    "<div class=c9f3a1><h4>{name}</h4><p>I read this twice and I still think the council "
    "should have published the contractors' figures before the vote, not after it.</p></div>"
)


@pytest.mark.parametrize(
    "opener",
    ["<h3>There are 13 comments</h3>", "<h3>27 Kommentare</h3>", "<p>View comments (27)</p>",
     "<h2>13 thoughts on “The harbour reopens”</h2>"],
)  # fmt: skip
def test_comment_section_ends_the_article_whatever_its_markup_is_named(opener: str) -> None:
    # Hashed class names: only the section's opening line says it holds comments, and the
    # comments outweigh the article.
    comments = "".join(_COMMENT.format(name=f"Reader {i}") for i in range(14))
    html = f"<html><body><div class=c1b2>{_body()}{opener}{comments}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_thread_of_comment_heads_ends_the_article() -> None:
    thread = "".join(
        f"<div><p>{name} says:</p><p>I read this twice, and I still think the council should "
        "have published the contractors' figures before the vote.</p></div>"
        for name in ("Richard Bryant", "Ed Rybicki", "kanu sukha")
    )
    html = f"<html><body><div>{_body()}{thread}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_quotes_introduced_by_says_in_a_story_stay() -> None:
    quotes = (
        "<p>The mayor says:</p><blockquote><p>We will reopen the harbour before summer.</p>"
        "</blockquote><p>Her opponent says:</p><blockquote><p>The figures do not add up at "
        "all.</p></blockquote>"
    )
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{quotes}{_body(PARAS[4:])}</article></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert "Her opponent says:" in texts
    assert texts[-1] == PARAS[-1]


def test_a_subheading_counting_thoughts_is_not_a_comment_section() -> None:
    html = (
        f"<html><body><article>{_body(PARAS[:4])}<h2>3 thoughts on the budget</h2>"
        f"{_body(PARAS[4:])}</article></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts == [*PARAS[:4], "3 thoughts on the budget", *PARAS[4:]]


def test_a_comment_count_above_the_story_does_not_end_it() -> None:
    html = (
        f"<html><body><article><p><a href='#c'>3 comments</a></p>{_body()}</article></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_share_bar_labels_and_gallery_counters_are_not_body_text() -> None:
    noise = (
        "<div class=x1><p>facebook</p><p>X</p><p>Link copied</p><p>Log in</p><p>By</p></div>"
        "<div class=x2><p>2 of 12 |</p><p>Photo 3 of 12</p></div>"
    )
    html = (
        f"<html><body><div class=x0>{_body(PARAS[:4])}{noise}{_body(PARAS[4:])}</div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


@pytest.mark.parametrize(
    "label",
    ["Most read in Football", "You Might Also Like …", "Advertisement · Scroll to continue",
     "Advertisement 2", "Newsletter: Sport inside", "Share this article in your social network",
     "Share your thoughts and join the conversation in the comments.",
     "Story continues below advertisement", "Unlimited digital access to the Daily Planet.",
     "Enjoy additional articles per month.", "Support local journalism.",
     "I would like to be emailed about offers. Read our privacy policy", "会員向け記事が読み放題",
     "Social Sharing", "Duration 1:30", "Fehler melden", "Join the Conversation",
     "Comment", "Share this with", "Annonce", "Offentliggjort", "Free weekly newsletter",
     "after newsletter promotion", "Privacy Notice: Newsletters may contain info about charities.",
     "Supported by", "[What you need to know to start the day: Get Harbour Today in your inbox.]",
     "You are now subscribed", "Your newsletter sign-up was successful", "Categories",
     "By submitting your information you agree to the Terms & Conditions and Privacy Policy.",
     "Box aufklappen Box zuklappen", "abspielen. Laufzeit 8 Minuten 15 Sekunden.", "Full Screen",
     "Skip Ad", "View Photos", "Wait 1 second to continue.", "mbl.is/Jane Doe", "Ljósmynd/Aðsend",
     "Die Pyramide zeigt den Ablauf der Phasen. Bild: Screenshot: example.de",
     "Ein Fahrer erklärt die Folgen der Hitze für die Strecke. (Archivbild)",
     "정청래 대표가 국회에서 열린 의원총회에서 대화하고 있다. 뉴스1",
     "후보가 순천시 유세에서 연설하고 있다. 홍길동 기자",
     "Lest auch", "글자크기 설정", "언어변경", "文字サイズ",
     "Placeholder image-3", "We encountered an issue signing you up. Please try again",
     "A welcome email is on its way. If you don't see it, please check your junk folder.",
     "You can save this article by registering for free here.",
     "You must be logged in to join the discussion or read more comments.",
     "Long Wei/Costfoto/Barcroft Media via Getty Images", "Thanks for signing up!",
     "Breadcrumb Trail Links", "5 min read", "Last updated 2 hours ago", "Close", "Caption",
     "Getty", "Bildbeitrag", "Up next",
     "By signing up you consent to receive the above newsletter from Example Inc.",
     "This advertisement has not loaded yet, but your article continues below.",
     "For more stories like this, check our news page.", "3 Minuten Lesezeit",
     "Don't have an account? Create Account", "With reporting by Jane Doe",
     "Ihre Meinung ist uns wichtig. Senden Sie uns Ihr Feedback an: briefe@example.org",
     "Leserkommentare geben nicht die Meinung der Redaktion wieder.", "コメントを書く",
     "Pictured from left, are the novelists Jane Doe and Eva Muster at the festival.",
     "記者会見を開いた理事長＝13日、東京・霞ケ関で（山田太郎撮影）"],
)  # fmt: skip
def test_chrome_labels_in_unnamed_boxes_are_not_body_text(label: str) -> None:
    # A heading or prompt set in a plain <div> (hashed class names): its words give it away.
    html = (
        f"<html><body><div class=c0>{_body(PARAS[:4])}<div class=c7>{label}</div>"
        f"{_body(PARAS[4:])}</div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_short_line_repeated_between_paragraphs_is_a_label() -> None:
    # Screen-reader text whose hiding class is hashed away, repeated before every paragraph.
    label = "<div class=k2>Article content</div>"
    body = "".join(label + _body([p]) for p in PARAS)
    html = f"<html><body><div class=k0>{body}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_line_repeated_twice_or_a_repeated_sentence_or_heading_stays() -> None:
    blocks = [
        _body(PARAS[:1]), "<p>Pros</p>", _body(PARAS[1:2]), "<p>Pros</p>", _body(PARAS[2:4]),
        "<h2>Verdict</h2>", "<p>It works.</p>", _body(PARAS[4:6]), "<h2>Verdict</h2>",
        "<p>It works.</p>", _body(PARAS[6:7]), "<h2>Verdict</h2>", "<p>It works.</p>",
        _body(PARAS[7:]),
    ]  # fmt: skip
    html = f"<html><body><article>{''.join(blocks)}</article></body></html>"
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts.count("Pros") == 2
    assert texts.count("Verdict") == 3
    assert texts.count("It works.") == 3


def test_a_caption_that_ends_in_a_photo_credit_is_not_body_text() -> None:
    captions = (
        "<div class=g1><div class=g2>Supporters wait outside the town hall on Friday, Aug. 30, "
        "2024, in Johnstown, Pa. (AP Photo/Alex Brandon)</div><div class=g2>Guards arrive at "
        "the palace (Picture: PA)</div><div class=g2>Der Vorstand (v.l.n.r.): Eva Muster, "
        "Max Muster und Jane Doe.</div><div class=g2>Media caption The mayor: the harbour will "
        "reopen</div><div class=g2>Water mains break in winter, an official said.CreditJane Doe "
        "for The Daily Planet</div><div class=g2>Fire is seen on an airplane after it takes off "
        "in this picture obtained from social media.</div><div class=g2>Jamil Saadouni says "
        "civilians were not consulted. (Mohamed El Saife/CBC)</div></div>"
    )
    said = "The council met on Friday (photos of the site were shown) and approved the plan."
    html = (
        f"<html><body><div class=c0>{_body(PARAS[:4])}{captions}<p>{said}</p>"
        f"{_body(PARAS[4:])}</div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == [*PARAS[:4], said, *PARAS[4:]]


def test_a_post_embedded_as_a_quote_is_not_body_text() -> None:
    tweet = (
        "<blockquote class=c3><p>Big news from the harbour today, ferries are back!</p>"
        "— Port Desk (@portdesk) <a href='https://twitter.com/portdesk/status/123'>July 18, "
        "2026</a></blockquote>"
    )
    quote = (
        "<blockquote><p>We will reopen the harbour before the summer, whatever it costs.</p>"
        "<a href='https://example.org/speech'>the mayor said</a></blockquote>"
    )
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{tweet}{quote}{_body(PARAS[4:])}"
        "</article></body></html>"
    )
    blocks = _article(extract(html)).blocks
    assert [b.text for b in blocks if b.kind == "p"] == PARAS
    assert [b.text for b in blocks if b.kind == "quote"] == [
        "We will reopen the harbour before the summer, whatever it costs."
    ]


def test_running_text_that_links_most_of_its_words_stays() -> None:
    linked = (
        "<p>Trump <a href='/a'>imposed tariffs on Mexican steel and aluminum in 2018 during his "
        "first term as president</a>, prompting Mexico to implement retaliatory measures "
        "<a href='/b'>including duties on U.S. pork, apples and bourbon</a>. The tariffs were "
        "<a href='/c'>lifted in 2019</a>.</p>"
    )
    links = (
        "<p><a href='/x'>Harbour news</a> | <a href='/y'>Railway news</a> | "
        "<a href='/z'>School news and more from the council across the whole region</a></p>"
        "<p>Read also: <a href='/r'>The harbour master retires after forty years at the quay "
        "and a long career</a></p>"
    )
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{linked}{links}{_body(PARAS[4:])}"
        "</article></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts[4].startswith("Trump imposed tariffs on Mexican steel")
    assert texts[:4] + texts[5:] == PARAS


def test_an_image_viewer_overlay_is_not_body_text() -> None:
    viewer = (
        "<div class='lightbox'><div class='lightbox__description'>Christian Lindner speaks "
        "at the party headquarters. In the background, the party's board.</div></div>"
    )
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{viewer}{_body(PARAS[4:])}</article></body></html>"
    )
    result = _article(extract(html))
    assert [b.text for b in result.blocks] == PARAS
    assert result.lead is None  # nor is its caption the standfirst


def test_a_list_of_networks_in_the_story_stays() -> None:
    items = "<ul><li>Facebook</li><li>Telegram</li><li>WhatsApp</li></ul>"
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{items}{_body(PARAS[4:])}</article></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts[4:7] == ["Facebook", "Telegram", "WhatsApp"]


def test_text_wrapped_in_the_source_is_one_paragraph() -> None:
    # No <p>: a paragraph's text wrapped across source lines, around a link, is one
    # paragraph; a blank line or a <br> separates paragraphs.
    wrapped = [p.replace(", ", ",\n", 1) for p in PARAS]
    html = (
        "<html><body><div>"
        + f"{wrapped[0]}\n<a href='/x'>{wrapped[1]}</a> {wrapped[2]}\n\n{wrapped[3]}<br>"
        + "<br>\n".join(wrapped[4:])
        + "</div></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts == [f"{PARAS[0]} {PARAS[1]} {PARAS[2]}", *PARAS[3:]]


def test_a_linked_label_on_its_own_line_is_not_body_text() -> None:
    # Side-by-side items put on lines of their own by the template: the linked section label
    # goes (its line is a link), the story text of the same run stays.
    run = f"<div><a href='/panorama'>Panorama</a>\n<span>{PARAS[4]}</span></div>"
    html = f"<html><body><article>{_body(PARAS[:4])}{run}{_body(PARAS[5:])}</article></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_related_box_inside_the_story_does_not_end_it() -> None:
    # An unnamed box late in the story: its heading reads like chrome, but the story goes on.
    box = "<div><h3>Related Article</h3><p><a href='/k'>Kim Kelly</a></p></div>"
    html = f"<html><body><div>{_body(PARAS[:5])}{box}{_body(PARAS[5:])}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_the_next_story_after_a_more_from_heading_is_not_this_one() -> None:
    # An endless page: past "More from ...", a new headline and its story follow.
    nxt = (
        "<h3>More from the city desk</h3><h2>The railway reopens after three years of repairs"
        "</h2>" + "".join(f"<p>{p.replace('officials', 'engineers')}</p>" for p in PARAS[:3])
    )
    html = f"<html><body><div>{_body()}{nxt}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_related_list_of_teasers_still_ends_the_story() -> None:
    teasers = "".join(
        f"<h4>Teaser headline {i}</h4><p>A short summary of another story, number {i}.</p>"
        for i in range(4)
    )
    html = (
        f"<html><body><div>{_body()}<h3>Related stories from the region</h3>{teasers}"
        "</div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_output_has_no_invisible_characters() -> None:
    html = (
        "<html><body><article>"
        + "".join(
            f"<p>Zero\u200bwidth and control\x07 characters in paragraph {i}, with words.</p>"
            for i in range(8)
        )
        + "</article></body></html>"
    )
    result = _article(extract(html))
    assert all("\u200b" not in b.text and "\x07" not in b.text for b in result.blocks)
    assert result.blocks[0].text.startswith("Zerowidth and control characters")


@pytest.mark.parametrize(
    "noise",
    [
        # subscription prompts and credits
        "<p>Subscribe now to read the latest news.</p><p>Foto: Getty Images</p>"
        "<p>Follow us on Twitter for the latest updates.</p>",
        # video player lines
        "<div><p>We apologize, but this video has failed to load.</p><p>Player wird geladen</p>"
        "<p>Embed</p></div>",
        # a newsletter sign-up's consent line, a comment section's reporting prompt
        "<p>By providing your email address, you have read and agree to Daily Test's Terms "
        "and Conditions and Privacy Policy.</p><p>Help us maintain a healthy community by "
        "reporting any illegal or inappropriate behavior.</p>",
        # a dateline set apart from its paragraph
        "<p><span>Berlin.</span></p>",
        # a photo credit line listing its sources
        "<p>Photos by cmgirl (Shutterstock), Macrovector (Shutterstock), J E Theriot.</p>",
        # a members-only prompt (Japanese)
        "<p>この記事は会員限定です。</p><p>会員登録する</p><p>ログインして続きを読む</p>",
        # a comment section's closing lines
        "<p>Kommentare und Pings sind derzeit geschlossen.</p><p>Du musst dich einloggen, um "
        "einen Kommentar abzugeben.</p><p>Leave a Reply</p><p>Comments are closed.</p>",
    ],
)
def test_prompts_credits_and_player_lines_are_not_body_text(noise: str) -> None:
    html = (
        f"<html><body><article>{_body(PARAS[:4])}{noise}{_body(PARAS[4:])}</article></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_box_holding_only_a_q_is_a_pull_quote() -> None:
    pull = "It would be a mistake to ignore the budget, and the families here know it."
    inline = f"She called it <q>a mistake</q> and left. {PARAS[1]}"
    html = (
        f"<html><body><article>{_body(PARAS[:3])}<div class='x1'> <q>{pull}</q> </div>"
        f"<div class='x2'><p>{inline}</p></div>{_body(PARAS[3:])}</article></body></html>"
    )
    blocks = _article(extract(html)).blocks
    assert [(b.kind, b.text) for b in blocks[3:5]] == [
        ("quote", pull),
        ("p", f"She called it a mistake and left. {PARAS[1]}"),
    ]


def _list_article(items: int, teaser: str = "") -> str:
    body = _body(PARAS[:2]) + teaser
    for i in range(items):
        body += f"<h3>{i + 1}) <a href='https://shop.test/item-{i}'>Item number {i}</a></h3>"
        body += f"<p>{PARAS[2 + i]} {PARAS[2 + i]}</p>"
    return f"<html><body><article><h1>The best things</h1>{body}</article></body></html>"


def test_linked_headings_of_a_list_article_are_kept() -> None:
    result = _article(extract(_list_article(4)))
    heads = [b.text for b in result.blocks if b.kind == "h"]
    assert heads == [f"{i + 1}) Item number {i}" for i in range(4)]


def test_a_lone_linked_headline_in_the_body_is_dropped() -> None:
    teaser = "<h3><a href='/other-story'>Read this other story about something else</a></h3>"
    kept = [b.text for b in _article(extract(_list_article(2, teaser))).blocks]
    assert not any("other story" in text for text in kept)
    assert not any(text.startswith("1) Item") for text in kept)  # two items are not a list


def test_headings_for_screen_readers_only_are_not_body_text() -> None:
    hidden = "".join(
        f"<h2 class='{c}'>Article content</h2>"
        for c in ("visually-hidden", "sr-only", "conHeadline hidden", "h-offscreen")
    )
    html = (
        f"<html><body><article>{hidden}{_body(PARAS[:4])}<h2 class='subhead'>What comes next</h2>"
        f"{_body(PARAS[4:])}</article></body></html>"
    )
    result = _article(extract(html))
    assert [b.text for b in result.blocks if b.kind == "h"] == ["What comes next"]


def test_story_text_about_terms_and_conduct_stays() -> None:
    story = (
        "The party adopted a new code of conduct on Tuesday, and members who agree to the terms "
        "will be asked to report inappropriate behaviour to an ethics panel, officials said; "
        "its leader declined to comment on why the online forum was closed."
    )
    body = f"{_body(PARAS[:4])}<p>{story}</p>{_body(PARAS[4:])}"
    html = f"<html><body><article>{body}</article></body></html>"
    assert story in [b.text for b in _article(extract(html)).blocks]


def test_a_chrome_heading_beside_a_cjk_story_takes_only_its_own_block() -> None:
    # 600 characters of Japanese are a long story (a word each), not a short teaser box.
    paras = [("韓国の大統領は三日夜に緊急談話を出し、非常戒厳を宣言したと発表した。" * 6)[:150]] * 4
    story = "".join(f"<p>{p}{i}</p>" for i, p in enumerate(paras))
    links = "".join(f"<li><a href='/n/{i}'>関連ニュース{i}の見出し</a></li>" for i in range(3))
    html = (
        f"<html><body><div class=a1><div class=a2>{story}</div><h2>あわせて読みたい</h2>"
        f"<ul>{links}</ul></div></body></html>"
    )
    texts = [b.text for b in _article(extract(html)).blocks]
    assert texts == [f"{p}{i}" for i, p in enumerate(paras)]


def test_the_page_story_is_the_one_under_its_headline_not_a_longer_next_one() -> None:
    # Stories run one after another in plain divs (no article elements): the next is longer.
    other = [p.replace("officials said", "the minister said") + " More followed." for p in PARAS]
    html = (
        "<html><head><title>Harbour reopens</title></head><body><div class=s0>"
        f"<div class=s1><h1>Harbour reopens</h1><div class=s2>{_body(PARAS[:4])}</div></div>"
        f"<div class=s1><h1>Minister on the railway</h1><div class=s2>{_body(other)}</div></div>"
        "</div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS[:4]


def test_a_second_h1_before_the_story_does_not_move_it() -> None:
    # A logo h1 above the headline: the story after the headline stays the page's story.
    html = (
        "<html><head><title>Harbour reopens</title></head><body><h1>Daily Planet</h1>"
        f"<div class=s1><h1>Harbour reopens</h1><div class=s2>{_body()}</div></div>"
        "</body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


@pytest.mark.parametrize(
    "said",
    [
        "Pictured at the time as a reformer, the mayor reopened the harbour within a year.",
        "The council approved the loan. Credit for the plan went to the harbour authority.",
    ],
)
def test_sentences_worded_like_captions_stay(said: str) -> None:
    assert said in [b.text for b in _blocks_around(f"<p>{said}</p>")]


def test_a_body_continued_one_paragraph_per_div_comes_out_whole() -> None:
    # No semantic tags; the story's last paragraphs each sit in a wrapper of their own.
    rest = "".join(f"<div class=b2><p>{p}</p></div>" for p in PARAS[6:])
    html = (
        f"<html><body><div class=w0><div class=b1>{_body(PARAS[:6])}</div>{rest}"
        "<div class=b3><a href='/a'>Home</a> <a href='/b'>Sport</a></div></div></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_paragraphs_marked_for_the_paywall_are_the_story_and_the_prompt_is_not() -> None:
    gated = "".join(f"<p class='paywall'>{p}</p>" for p in PARAS[2:])
    prompt = "<div class='paywall-prompt'><p>Subscribe now to keep reading.</p></div>"
    html = (
        f"<html><body><article><div class=body>{_body(PARAS[:2])}{gated}{prompt}</div>"
        "</article></body></html>"
    )
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_menus_and_tag_lists_around_the_story_are_not_body_text() -> None:
    menu = (
        "<ul>" + "".join(f"<li>{w}</li>" for w in ["Top", "Bottom", "Georgia", "Arial"]) + "</ul>"
    )
    tags = "<ul>" + "".join(f"<li>{w}</li>" for w in ["Politics", "Harbour", "Budget"]) + "</ul>"
    html = f"<html><body><div class=c0>{menu}{_body()}{tags}</div></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == PARAS


def test_a_list_that_ends_the_story_in_sentences_stays() -> None:
    items = ["The ferry runs again.", "The bridge opens in May.", "Tolls stay the same."]
    steps = "<ul>" + "".join(f"<li>{w}</li>" for w in items) + "</ul>"
    html = f"<html><body><article>{_body()}{steps}</article></body></html>"
    assert [b.text for b in _article(extract(html)).blocks] == [*PARAS, *items]


def test_a_heading_set_in_lines_reads_its_lines_apart() -> None:
    blocks = _blocks_around("<h2>The harbour reopens<br>Ferries are back<br/>\n Tolls stay</h2>")
    assert [b.text for b in blocks if b.kind == "h"] == [
        "The harbour reopens Ferries are back Tolls stay"
    ]


def test_list_items_keep_their_order_when_some_hold_blocks() -> None:
    items = (
        "<ul><li><p>The first point holds a paragraph of its own, with a full sentence.</p></li>"
        "<li>The second point is plain text</li>"
        "<li><p>The third point holds a paragraph of its own, with a full sentence.</p></li>"
        "<li>The fourth point is plain text</li></ul>"
    )
    texts = [b.text for b in _blocks_around(items)]
    points = [t for t in texts if t.startswith("The ") and "point" in t]
    assert [p.split()[1] for p in points] == ["first", "second", "third", "fourth"]


def test_a_quote_broken_with_br_reads_its_lines_apart() -> None:
    quote = "<blockquote>We will reopen the harbour.<br>Whatever it costs, he said.</blockquote>"
    blocks = _blocks_around(quote)
    assert [b.text for b in blocks if b.kind == "quote"] == [
        "We will reopen the harbour.",
        "Whatever it costs, he said.",
    ]


def test_a_long_consent_prompt_for_an_external_embed_is_not_body_text() -> None:
    prompt = (
        "Ich bin damit einverstanden, dass mir der externe Inhalt angezeigt wird. Damit können "
        "personenbezogene Daten an Drittplattformen übermittelt werden. Mehr Informationen dazu "
        "erhalten Sie in den Datenschutz-Einstellungen. Diese finden Sie ganz unten auf unserer "
        "Seite im Footer, sodass Sie Ihre Einstellungen jederzeit verwalten können."
    )
    assert len(prompt) > 250
    assert [b.text for b in _blocks_around(f"<div class=c9>{prompt}</div>", "div")] == PARAS


def test_a_standfirst_printed_in_the_body_survives_the_json_ld_check() -> None:
    # The description is printed as the first paragraph; articleBody leaves it out.
    summary = "Thousands marched in the capital on Monday in support of the harbour plan."
    ld = {"@type": "NewsArticle", "headline": "H", "articleBody": " ".join(PARAS)}
    html = (
        f"<html><head><meta name='description' content='{summary}'>"
        f"<script type='application/ld+json'>{json.dumps(ld)}</script></head>"
        f"<body><div class=k1><p>{summary}</p>{_body()}</div></body></html>"
    )
    result = _article(extract(html))
    assert summary in [result.lead, *[b.text for b in result.blocks]]
    assert [b.text for b in result.blocks if b.text != summary] == PARAS


@pytest.mark.parametrize("label", ["Main content", "Hlavní obsah", "Hauptinhalt"])
def test_a_screen_reader_label_goes_and_the_text_it_labels_stays(label: str) -> None:
    assert [b.text for b in _blocks_around(f"<h2>{label}</h2>")] == PARAS


def test_a_share_bar_written_as_a_list_is_not_body_text() -> None:
    bar = "<ul>" + "".join(f"<li>{w}</li>" for w in ["E-Mail", "Mehr", "Twitter", "Drucken"])
    assert [b.text for b in _blocks_around(bar + "</ul>", "div")] == PARAS


def test_a_story_list_of_apps_stays() -> None:
    apps = ["WhatsApp", "Telegram", "Signal"]
    items = "<ul>" + "".join(f"<li>{w}</li>" for w in apps) + "</ul>"
    texts = [b.text for b in _blocks_around(items)]
    assert texts == [*PARAS[:4], *apps, *PARAS[4:]]
