"""Generic news-page vocabulary, as data: chrome class names and chrome headings in many languages.

Nothing here is keyed to a particular site: these are the words news templates use for
navigation, teasers, share bars and the like, in the languages the parser meets most.
"""

from __future__ import annotations

import re

__all__ = [
    "APPEAL",
    "APPEAL_HINTS",
    "AUTHOR_BIO",
    "BYLINE_PREFIX",
    "CHROME_HEADINGS",
    "CHROME_HEADING_PREFIX",
    "CHROME_PREFIX",
    "CHROME_WORDS",
    "COMMENTS_OPENER",
    "CONTENT_CLASS",
    "CONTROL_LINE",
    "CREDIT_LINE",
    "EMBED_HINTS",
    "EMBED_PLACEHOLDER",
    "INTERFACE_LINE",
    "LEAD_CLASS",
    "PROMPT",
    "PROMPT_HINTS",
    "any_of",
    "credit_line",
    "hidden_class",
    "is_chrome_heading",
    "is_chrome_name",
]

#: class/id words of page chrome; a class name is split on spaces, ``-`` and ``_`` and each word,
#: pair and triple of adjacent words (joined by ``-``) is looked up here.
CHROME_WORDS = frozenset(
    """
   nav navbar navigation menu menus breadcrumb breadcrumbs sidebar side-bar rail footer
   masthead skip skiplink skiplinks share shares sharing sharebar share-bar shariff social
   socials social-media socialmedia related recommended recommendation recommendations outbrain
   taboola newsletter newsletters subscribe subscription signup sign-up cookie cookies consent
   gdpr cmp paywall promo promos promotion sponsor sponsored ad ads adv adslot ad-slot
   ad-container ad-wrapper adcontainer adwrapper dfp gpt banner comment comments disqus popular
   most-read mostread most-viewed mostviewed trending teaser teasers read-more readmore
   also-read alsoread read-also more-stories more-articles more-news morestories widget widgets
   pagination pager tags tag-list taglist keywords topics author-box authorbox author-bio
   authorbio author-info author-card about-author bio byline bylines dateline timestamp print
   toolbar tools rating login modal popup overlay caption captions credit credits copyright
   sr-only visually-hidden visuallyhidden screen-reader screen-reader-text offscreen jump-link
   toc table-of-contents newsticker ticker donate donation follow feedback survey poll quiz
   embed-twitter embed-instagram twitter-tweet instagram-media tiktok-embed video-player player
   playlist gallery-nav wp-caption-text post-nav entry-meta post-meta article-meta meta-data
   metabar further-reading see-also sharethis addthis jp-relatedposts sharedaddy yarpp wpcnt
   inline-teaser partner affiliate outstream bildunterschrift bildtext img-description
   image-description photo-description picture-description image-text img-text foto-text
   photo-text image-info img-info image-source photo-source img-source image-copyright
   img-copyright infobox info-box factbox fact-box expandable-box accordion lightbox
    """.split()  # noqa: SIM905 - a word table reads better as text
)
CHROME_PREFIXES = ("advert", "recirc", "recommend", "sponsor", "newsletter", "outbrain", "taboola")
_FIRST_WORDS = frozenset(w.split("-")[0] for w in CHROME_WORDS)
_SEPARATORS = str.maketrans("-_", "  ")


def hidden_class(names: str) -> bool:
    """True when a lower-cased ``class`` string holds the class ``hidden``: hidden from view
    (a responsive "hidden md:block" is shown on desktop, so it does not count)."""
    classes = names.split()
    return "hidden" in classes and not any(":" in c for c in classes)


def is_chrome_name(names: str) -> bool:
    """True when a lower-cased ``class``/``id`` string names page chrome."""
    tokens = names.translate(_SEPARATORS).split()
    if "hidden" in tokens and hidden_class(names):
        return True
    if _FIRST_WORDS.isdisjoint(tokens):  # the common case, decided in C
        return any(prefix in names for prefix in CHROME_PREFIXES)
    if any(prefix in names for prefix in CHROME_PREFIXES):
        return True
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok not in _FIRST_WORDS:
            continue
        if tok in CHROME_WORDS:
            return True
        if i < last:
            pair = f"{tok}-{tokens[i + 1]}"
            if pair in CHROME_WORDS or (i + 1 < last and f"{pair}-{tokens[i + 2]}" in CHROME_WORDS):
                return True
    return False


#: class/id tokens of containers that hold the article body.
CONTENT_CLASS = re.compile(
    r"article-?body|articlebody|article__body|article-?content|article__content|"
    r"articletext|article-?text|story-?body|storybody|story-?content|story__body|"
    r"post-?body|post-?content|entry-?content|entry-?body|body-?text|bodytext|"
    r"main-?content|content-?body|text-?body|rich-?text|richtext|articleBody|"
    r"news-?body|news-?content|article-?main|article__main|field-?body|td-post-content",
    re.IGNORECASE,
)

#: class/id tokens of the standfirst (lead) near the headline.
LEAD_CLASS = re.compile(
    r"(?:^|[\s_-])(?:standfirst|lead|leadtext|lead-?text|intro|introduction|summary|"
    r"subtitle|sub-?title|subheadline|sub-?headline|dek|deck|excerpt|description|sapo|"
    r"entradilla|chapo|chapeau|abstract|teaser-?text|article-?teaser|kicker-?text|"
    r"strapline|summary-?text|lede|ingress|ingres|perex|spot|bajada|sumario|"
    r"article-?lead|article__lead|article-?intro|article__intro|article-?summary|"
    r"article-?description|post-?excerpt|entry-?summary|story-?intro|headline-?intro|"
    r"preface|vorspann|anriss|intro-?text"
    r")(?=$|[\s_-])"
)

#: Short headings that introduce a block of page chrome (normalised: casefolded, no colon).
CHROME_HEADINGS = frozenset(
    {
        # English
        "recent posts", "recent articles", "recent stories", "related", "related articles",
        "related stories", "related news", "related content", "related posts", "related topics",
        "related coverage", "related links", "read more", "read also", "read next", "also read",
        "see also", "more from", "more stories", "more news", "more on this story",
        "more on this topic", "more articles", "most read", "most popular", "most viewed",
        "most shared", "popular", "popular now", "popular stories", "trending",
        "trending now", "trending stories", "top stories", "latest news", "latest stories",
        "latest", "latest articles", "you may also like", "you might also like",
        "you may be interested in", "recommended", "recommended for you", "recommended stories",
        "editor's picks", "editors' picks", "newsletter", "sign up for our newsletter",
        "subscribe", "subscribe to our newsletter", "comments", "leave a comment",
        "leave a reply", "share", "share this", "share this article", "share this story",
        "like this", "join the conversation", "join the discussion", "social sharing",
        "follow us", "advertisement", "sponsored", "sponsored content", "topics", "tags",
        "what to read next", "don't miss", "up next", "in other news", "around the web",
        "about the author",
        "about the authors", "disclosures", "categories", "more coverage", "further reading",
        # German
        "lesen sie auch", "lest auch", "lies auch", "auch interessant", "mehr zum thema",
        "das könnte sie auch interessieren",
        "das könnte dich auch interessieren", "weitere artikel", "weitere videos", "meistgelesen",
        "meistgelesene artikel", "meist gelesen", "am meisten gelesen", "empfehlungen",
        "verwandte artikel", "ähnliche artikel", "neueste artikel", "aktuelle nachrichten",
        "kommentare", "teilen", "artikel teilen", "anzeige", "werbung", "top-artikel",
        "zum thema", "mehr aus dem ressort", "weitere themen", "themen", "schlagworte",
        "lesen sie mehr", "passend zum thema", "beliebt", "neueste", "meistgelesen heute",
        "auch lesenswert", "mehr dazu", "weitere meldungen", "unsere empfehlungen", "schlagwörter",
        "die autorin", "der autor", "die autoren", "über den autor", "über die autorin",
        "zur autorin", "zum autor", "zur person", "mehr zum autor", "o autorze", "l'auteur",
        "l'autrice", "sobre el autor", "sobre la autora",
        # Spanish / Portuguese / Italian / French
        "entradas recientes", "lo más leído", "lo más visto", "te puede interesar",
        "también te puede interesar", "noticias relacionadas", "relacionado", "relacionados",
        "artículos relacionados", "noticia relacionada", "lee también", "leer más", "más noticias",
        "últimas noticias",
        "comentarios", "compartir", "publicidad", "temas", "etiquetas", "leia também",
        "leia mais", "mais lidas", "notícias relacionadas", "veja também", "leggi anche",
        "articoli correlati", "i più letti", "potrebbe interessarti", "ti potrebbe interessare",
        "à lire aussi", "a lire aussi", "lire aussi", "les plus lus", "sur le même sujet",
        "articles similaires", "à voir aussi", "dans la même rubrique", "commentaires",
        "partager", "publicité", "les plus partagés", "sur le même thème",
        # Nordic / Dutch / Slavic / Turkish / Russian
        "lees ook", "meest gelezen", "gerelateerd", "läs också", "läs mer", "mest läst",
        "relaterat", "les også", "mest lest", "relatert", "læs også", "mest læste",
        "relateret", "czytaj także", "czytaj też", "najczęściej czytane", "zobacz też",
        "zobacz także", "polecane", "čtěte také", "nejčtenější", "související",
        "související články", "ilgili haberler", "en çok okunanlar", "bunlar da ilginizi çekebilir",
        "читайте также", "популярное", "похожие новости", "по теме",
        # Asian languages
        "関連記事", "人気記事", "おすすめ", "こちらもおすすめ", "あわせて読みたい", "関連ニュース",
        "相关新闻", "相关文章", "热门文章", "推荐阅读", "相關新聞", "延伸閱讀", "관련기사",
        "많이 본 뉴스", "인기기사", "관련 기사", "コメント", "コメントを書く", "댓글", "评论",
        "留言",
    }
)  # fmt: skip

#: Paragraph openings of inline "read also" teasers.
CHROME_PREFIX = re.compile(
    r"^(?:read (?:also|more|next)|also read|see also|related|more on this|watch|"
    r"lesen sie auch|lest auch|lies auch|lesen sie mehr|mehr zum thema|auch interessant|"
    r"weiterlesen|"
    r"lee también|leer más|te puede interesar|lea también|à lire aussi|a lire aussi|"
    r"lire aussi|leggi anche|leia também|leia mais|veja também|lees ook|läs också|les også|"
    r"læs også|czytaj także|czytaj też|zobacz też|čtěte také|читайте также|"
    r"关联|関連|相关|관련)\s*[:：»>|-]",
    re.IGNORECASE,
)

#: Placeholders of blocked third-party embeds and their consent prompts (lower-cased text).
EMBED_PLACEHOLDER = re.compile(
    r"empfohlener redaktioneller inhalt|externer inhalt|externen inhalt|"
    r"ich bin damit einverstanden, dass mir (?:der |die )?externe|"
    r"ich bin damit einverstanden, dass mir (?:externe )?inhalte|autoplay|自动播放|"
    r"personenbezogene daten können an drittplattformen|inhalte von (?:youtube|twitter|x|"
    r"instagram|tiktok|facebook|spotify|podigee|datawrapper) (?:anzeigen|erlauben|laden)|"
    r"this (?:content|embed) is (?:hosted|provided) by|to view this content|"
    r"(?:enable|accept) (?:javascript|cookies|all cookies) to (?:view|see|watch)|"
    r"contenido externo|contenu externe|contenuto esterno|"
    r"(?:watch|play|view) (?:the )?video|video (?:abspielen|ansehen)|"
    r"your browser does not support|^now playing|^reproduciendo|^lecture en cours|^wird abgespielt|"
    r"video (?:has )?failed to load|^(?:der )?(?:player|video) wird geladen",
)

#: Substrings one of which every EMBED_PLACEHOLDER match contains (a cheap pre-check).
EMBED_HINTS = (
    "inhalt", "einverstanden", "drittplattform", "content", "contenu", "contenido",
    "contenuto", "video", "browser", "playing", "reproduciendo", "lecture en cours",
    "abgespielt", "to view", "to see", "to watch", "externe", "autoplay", "自动播放",
    "embed is", "player",
)  # fmt: skip

#: Subscription, registration and paywall prompts (short, lower-cased blocks only).
PROMPT = re.compile(
    r"\b(?:subscribe|subscription|subscribers?|sign in|sign up|log ?in|register(?: now)?|"
    r"create an account|create a free account|create account|don't have an account|unlock|"
    r"by registering|registering for free|"
    r"already a subscriber|"
    r"abonnieren|abonnement|abonnent(?:en)?|probeabo|jetzt testen|jetzt bestellen|anmelden|"
    r"registrieren|suscr[ií]bete|suscriptores?|inicia sesi[oó]n|abonnez-vous|abonnés?|"
    r"se connecter|abbonati|accedi|assine|cadastre-se|logg inn|abonner|prenumerera)\b|"
    r"unlimited (?:digital |online )?access|additional articles per month|"
    r"must be (?:logged|signed) in|"
    r"会員登録|会員限定|会員向け|有料会員|読み放題|ログイン|続きを読む|登録が必要|로그인|회원가입|유료회원|"
    r"订阅|登录|登錄",
)

#: Substrings one of which every PROMPT match contains (a cheap pre-check).
PROMPT_HINTS = (
    "subscri", "sign in", "sign up", "login", "log in", "regist", "create a", "an account",
    "unlock", "abonn",
    "probeabo", "jetzt testen", "jetzt bestellen", "anmelden", "suscr", "inicia sesi",
    "se connecter", "abbonati", "accedi", "assine", "cadastre-se", "logg inn", "prenumerera",
    "unlimited", "articles per month", "logged in", "signed in", "会員", "読み放題", "ログイン",
    "続きを読む", "登録が必要", "로그인", "회원", "订阅", "登录", "登錄",
)  # fmt: skip

#: Donation, membership and comment-policy appeals (lower-cased blocks of up to ~500 chars).
APPEAL = re.compile(
    r"support (?:our|independent|quality|local) journalism|support independent|make a (?:donation|"
    r"contribution)|donate (?:now|today)|become a (?:member|subscriber|supporter)|"
    r"kostenlos testen|gratis testen|jetzt unterstützen|unterstützen sie (?:uns|"
    r"unabhängigen)|jetzt abonnieren|abonnieren sie|ihre kommentare|"
    r"comments are moderated|leave a comment|kommentare sind|apoya el periodismo|"
    r"soutenez|abonnez-vous|hazte socio|appears in print on|^reporting by|editing by |"
    r"^(?:with |additional )reporting by|ihre meinung ist uns wichtig|"
    r"geben nicht (?:unbedingt )?die meinung der redaktion wieder|"
    r"follow [\w.' ]{1,30} on (?:twitter|x|facebook|instagram|google news|whatsapp)|"
    r"stay informed with|comentarios publicados son|click here to (?:read|subscribe|sign)|"
    r"an electronic replica of the print edition|delivered to your inbox|(?:to|in) your inbox|"
    r"on whatsapp|auf whatsapp|whatsapp channel|join the conversation (?:in|below)|"
    r"by (?:providing|entering|submitting) your (?:e-?mail|information|details)|"
    r"you have read and agree to|by reporting any (?:illegal|inappropriate)|"
    r"(?:einen )?kommentar (?:abgeben|abzugeben|schreiben)|kommentarfunktion|"
    r"kommentare und pings|comments (?:and pings )?are (?:currently )?closed|"
    r"must be logged in to (?:post a )?comment|leave a reply|laisser un commentaire|"
    r"deja un comentario|lascia un commento|read our privacy (?:policy|notice)|"
    r"by signing up,? you (?:consent|agree)|advertisement has not loaded|^privacy notice:|"
    r"check your (?:junk|spam) folder|issue signing you up|"
    r"for more stories like this"
)

#: Substrings one of which every APPEAL match contains (a cheap pre-check).
APPEAL_HINTS = (
    "support", "donat", "become a", "testen", "unterstütz", "abonn", "kommentar", "comment",
    "apoya", "soutenez", "socio", "print", "reporting by", "editing by", "follow", "informed",
    "comentarios", "click here", "replica", "inbox", "whatsapp", "your e", "agree to",
    "reporting any", "reply", "commentaire", "comentario", "commento", "conversation",
    "privacy", "signing up", "advertisement", "stories like this", "reporting", "folder",
    "signing you",
    "meinung",
)  # fmt: skip


def _trie(words: set[str]) -> list[str]:
    """The alternatives of a pattern that finds any of ``words``, grouped by first character."""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[0], set()).add(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        head = re.escape(first)
        if "" in rests:  # a search for the shorter word finds every text the longer ones are in
            branches.append(head)
            continue
        inner = _trie(rests)
        branches.append(head + (inner[0] if len(inner) == 1 else f"(?:{'|'.join(inner)})"))
    return branches


def any_of(*groups: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern whose ``search`` finds a text holding any of the words in ``groups``.

    The words are arranged as a trie (``co(?:mment|ntent)|...``): ``re`` tries each alternative
    of a flat alternation at every position, while in the trie most positions fail on their
    first character. On short blocks one search for some sixty words costs less than half of
    as many substring tests; on long texts substring tests stay faster.
    """
    return re.compile("|".join(_trie({word for group in groups for word in group})))


#: Short navigation and interface lines that leak into content regions.
INTERFACE_LINE = re.compile(
    r"^(?:back to (?:top|home|article)|go to .{1,30}|"
    r"report (?:inappropriate content|abuse|an error)|"
    r"there was a problem\. please try again|please try again|something went wrong|"
    r"zurück(?: zum artikel| nach oben)?|"
    r"zur startseite|nach oben|startseite|home|feedback|sorry!?|volver arriba|retour en haut|"
    r"watch now|embed|video\s*\d[\d:]*|\d{1,2}:\d{2}(?:\s*min)?|loading\.*|wird geladen\.*|"
    r"exclusive|exklusiv|duration\s*\d[\d:]*|(?:advertisement|advertising|anzeige|werbung|publicidad|publicité|"
    r"pubblicità|annonce|annons|reklame|reklama|mainos)"
    r"(?:\s+\d+)?|share (?:this|the) (?:article|story|page|post)\b.{0,40}|"
    r"sponsored|gesponsert|read more|weiterlesen|mehr anzeigen|show more|load more|"
    r"czytaj więcej|czytaj dalej|mehr lesen|lire la suite|leer más|leggi di più|läs mer|"
    r"les mer|lees meer|auf dieser seite|on this page|in this article|inhaltsverzeichnis|"
    r"table of contents|neuer abschnitt|key event|like loading\.*|"
    r"(?:(?:image|photo|picture|slide|bild|foto|imagen|immagine)\s+)?\d+\s*"
    r"(?:of|von|de|sur|di|av|af|van|z|из|/)\s*\d+\s*\|?|"
    r"\d{1,2}:\d{2}\s*\S.{0,40}|(?:(?:last )?updated\s+|posted\s+)?"
    r"\d+\s*(?:hours?|mins?|minutes?|days?)\s+ago.{0,40}|"
    r"\d+\s*(?:min(?:ute)?s?\.?|minuten)"
    r"(?:\s+(?:read|lesezeit|lesen|de lecture|de lectura|di lettura))?|"
    r"thanks?(?: you)? for (?:signing up|subscribing)|story saved|"
    r"(?:free )?(?:daily|weekly|monthly) newsletter|(?:skip past|after) newsletter promotion|"
    r"supported by|you are now subscribed|(?:your )?(?:newsletter )?sign-?up was successful|"
    r"full ?screen|skip ad|view (?:photos|gallery)|wait \d+ seconds? to continue|"
    r"placeholder image(?:[\s-]*\d+)?|"
    # screen-reader labels of the content that follows them (dropped, not what they label)
    r"(?:main|article) content|hauptinhalt|artikelinhalt|contenu principal|contenido principal|"
    r"hlavní obsah|článek|"
    r"(?:[\w-]+ )?aufklappen(?: [\w-]+ zuklappen)?|(?:abspielen\. )?laufzeit \d+ minuten?.{0,20}|"
    r"(?:breadcrumb(?: trail)?(?: links)?|brotkrümelnavigation|drobečková navigace)|"
    r"(?:audio|video|bild|foto)beitrag|bildergalerie|"
    r"(?:the )?(?:story|article|text) continues (?:below|after|under)\b.{0,30})$",
    re.IGNORECASE,
)

#: A line that is only a control's label: a share target, an account action, a lone byline
#: label. Share bars and login prompts whose markup has no telling name (hashed class names)
#: leave these behind; they are not article text outside a list (a list item "Facebook" may be).
CONTROL_LINE = re.compile(
    r"^(?:facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|line|flipboard|xing|"
    r"bluesky|threads|messenger|sms|e-?mail|mail|print|copy|copy link|link copied|more|mehr|"
    r"drucken|fehler melden|imprimir|imprimer|partager|compartir|condividi|stampa|"
    r"close|schließen|fermer|cerrar|chiudi|caption|legende|bildlegende|image|bild|"
    r"comment|kommentieren|commenter|comentar|commenta|share this with|"
    r"published|updated|veröffentlicht|aktualisiert|offentliggjort|publiceret|publicado|publié|"
    r"link kopiert|lien copié|enlace copiado|log ?in|sign ?in|sign ?up|register|anmelden|"
    r"registrieren|einloggen|se connecter|iniciar sesión|by|von|por|par|"
    r"新規登録|ログイン(?:する)?|メールで送る|はてなブックマーク|会員登録(?:する)?|"
    r"로그인|회원가입|"
    r"文字サイズ|印刷|シェア|언어변경|글자\s?크기(?: 설정)?|공유하기|인쇄|스크랩|"
    r"字体大小|分享|打印)$",
    re.IGNORECASE,
)

#: "Jane Doe is a reporter for ..." — an author bio at the end of a story.
AUTHOR_BIO = re.compile(
    r"^(?:[A-ZÀ-Þ][\w.'’-]+\s){1,4}(?:is|was|ist|es|est|è)\s(?:a|an|the|ein|eine|un|una|une)?\s?"
    r"[^.]{0,80}?(?:reporter|writer|correspondent|editor|journalist|contributor|columnist|"
    r"author|redakteur|korrespondent|journalistin|autorin|autor|periodista|journaliste)",
)

#: Heading openings of chrome blocks ("More from ...", "Mehr aus ...").
CHROME_HEADING_PREFIX = re.compile(
    r"^(?:more (?:from|on|in|about|stories|news|videos)|recommended|related|also on|"
    r"read more|top stories|latest (?:news|stories|videos)|popular|trending|"
    r"most (?:read|popular|viewed|shared)|you (?:might|may) also like|newsletter(?=:)|"
    r"advertisement(?=\s*\W)|"
    r"mehr (?:aus|zum|von|zu|vom|news)|weitere (?:artikel|nachrichten|themen|meldungen|news)|"
    r"meistgelesen|empfehlungen|das könnte|más (?:de|noticias)|también|lo más|plus de|"
    r"à lire|à voir|les plus|altri|più letti|leia (?:mais|também)|mais lidas)\b",
    re.IGNORECASE,
)

#: Photo credits and source lines left over from images (short, lower-cased blocks).
#: ``CREDIT_LINE``'s alternatives that may match anywhere, and what each needs to be present.
_CREDIT_ANYWHERE_WORDS = ("bild", "foto", "photo", "image", "credit", "quelle")


def credit_line(low: str) -> bool:
    """``CREDIT_LINE.search(low)`` for a lower-cased line, skipping the regex's costly scans
    when none of their required characters or words is present."""
    if _CREDIT_AT_START.match(low):
        return True
    colon = ":" in low or "：" in low
    if not (
        "/" in low
        or "|" in low
        or "nuotr" in low
        or " via " in low
        or (colon and any(map(low.__contains__, _CREDIT_ANYWHERE_WORDS)))
    ):
        return False
    return CREDIT_LINE.search(low) is not None


CREDIT_LINE = re.compile(
    r"^(?:foto|fotos|foto\(s\)|photo|photos|bild|bilder|image|images|quelle|source|credit|crédit|imagen|"
    r"fotografía|zdjęcie|kuva|nuotr\.?|picture)\s*[:：]"
    r"|^(?:photos?|images?|illustrations?|pictures?|fotos?) (?:by|courtesy of|von|de|di|por) "
    r"(?:[^.]{2,200}[,(/][^.]{0,200}\.?|[^.]{2,60})$"
    r"|^\(?\s*(?:afp|reuters|ap|dpa|epa|getty|imago|picture alliance|ansa|efe|pap)\b"
    r"[^.]{0,60}\)?$"
    r"|[/|]\s*(?:afp|reuters|ap|dpa|epa|getty images|imago|picture alliance|ansa|efe|pap|"
    r"shutterstock|istock)\b[^.]{0,40}$"
    r"|\svia (?:getty images|shutterstock|imago|reuters|afp|ap)$"
    r"|\bnuotr\.?\s*$"
    r"|\b(?:bild|foto|photo|fotos|photos|image|credit|quelle)\s*[:：]\s*(?:screenshot\s*[:：]\s*)?"
    r"(?:[^.:]|\.(?=\w)){2,60}$"
)
#: The alternatives of ``CREDIT_LINE`` anchored at the start (use with ``match``).
_CREDIT_AT_START = re.compile(
    r"(?:foto|fotos|foto\(s\)|photo|photos|bild|bilder|image|images|quelle|source|credit|crédit|imagen|"
    r"fotografía|zdjęcie|kuva|nuotr\.?|picture)\s*[:：]"
    r"|(?:photos?|images?|illustrations?|pictures?|fotos?) (?:by|courtesy of|von|de|di|por) "
    r"(?:[^.]{2,200}[,(/][^.]{0,200}\.?|[^.]{2,60})$"
    r"|\(?\s*(?:afp|reuters|ap|dpa|epa|getty|imago|picture alliance|ansa|efe|pap)\b"
    r"[^.]{0,60}\)?$"
)


BYLINE_PREFIX = re.compile(
    r"^(?:by|from|von|por|par|di|av|af|door|od|autor|autora|author|written by|text|texto)[:\s]",
    re.IGNORECASE,
)

_HEADING_STRIP = re.compile(r"[\s:：.!»›>|•·【】\[\]-]+$|^[\s»›>|•·【】\[\]-]+")
_PARENTHESIS = re.compile(r"\s*[(（][^)）]{0,20}[)）]$")


_TRAILING = frozenset(":：.!»›>|•·【】[]-")
_LEADING = frozenset("»›>|•·【】[]-")


def _strip_heading(text: str) -> str:
    """``_HEADING_STRIP.sub("", text)`` without a regex scan (headings are short)."""
    end = len(text)
    while end and (text[end - 1] in _TRAILING or text[end - 1].isspace()):
        end -= 1
    start = 0
    while start < end and (text[start] in _LEADING or text[start].isspace()):
        start += 1
    return text[start:end]


#: The line that opens a comment section by counting it or offering to show it ("There are 13
#: comments", "27 Kommentare", "View comments (27)", "13 thoughts on “...”"): the section's
#: markup may carry no telling name (hashed class names), but its opening line still reads so.
#: Matched on a stripped line; not a chrome heading, so that the block filters see it.
COMMENTS_OPENER = re.compile(
    r"^(?:(?:there (?:are|is) |view |show |read |see |load |display |open )?(?:all )?"
    r"(?:\d+|one|no)\s+(?:comments?|kommentare?|leserkommentare?|commentaires?|comentarios?|"
    r"commenti|reacties|kommentarer|komentarz[ey]?|komentáře|yorum(?:lar)?|"
    # blog software's "13 thoughts on “Title”", "2 Responses to “Title”": the quoted title
    # tells them from a story's own "Three thoughts on the budget"
    r"(?:responses?|repl(?:y|ies)|thoughts?)(?:\s+(?:to|on)\s*[“\"'‘«].*)?)|"
    r"(?:view|show|read|see|load|display|open) (?:all |the )?(?:comments|kommentare|"
    r"commentaires|comentarios|commenti|reacties|kommentarer)(?:\s*[(（]\d+[)）])?)$",
    re.IGNORECASE,
)


def is_chrome_heading(text: str) -> bool:
    """True when ``text`` is (only) a heading that introduces chrome, e.g. "Related"."""
    if not text or len(text) > 60:
        return False
    key = _strip_heading(text).casefold()
    if key in CHROME_HEADINGS:
        return True
    return key.endswith((")", "）")) and _PARENTHESIS.sub("", key) in CHROME_HEADINGS
