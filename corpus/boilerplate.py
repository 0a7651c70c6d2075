"""Line-level boilerplate signals for text dumps: what a single line looks like (length, sentence
punctuation, stop-word density, well-known boilerplate phrasing), and what a batch of dumps says about it
(`BatchStats`: a line that recurs across many files of a batch is a template line: a menu, a footer).

These are the jusText family's signals without link density (a text dump has no links left). Choosing the
article among the lines is `corpus.textdump`'s job; this module only describes lines.

It does not handle: right-to-left or CJK stop-word density (Chinese and Japanese have no stop-word list
here, so a line written mostly in CJK characters is marked `cjk` and judged on length and sentence
punctuation alone), or boilerplate phrasing in languages
other than English beyond a handful of common words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
# Hangul, Han, Kana: a character carries about as much as a short word does in a spaced script.
_CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_SENTENCE_END = re.compile(r"[.!?;:。！？…][\"'”’»)\]]*$|[.!?。！？][\"'”’»)\]]*\s*\(\w[\w\s.]{0,30}\)$")
_SENTENCE_BREAK = re.compile(r"[.!?。！？][\"'”’»)\]]*\s+[\"'“‘«(]?[A-Z0-9\u00c0-\u024f]|[。！？]")


def line_key(line: str) -> str:
    """What makes two lines 'the same line' across pages: case, spacing and digits (years, counts) folded."""
    folded = unicodedata.normalize("NFKC", line).casefold()
    return _DIGITS.sub("0", " ".join(folded.split()))


# ---------------------------------------------------------------- cross-document statistics


@dataclass(frozen=True)
class BatchStats:
    """How many of a batch's distinct documents hold each line (keys from `line_key`; lines seen once left
    out). Identical documents are counted once, so a file read twice does not make its body a template."""

    documents: int = 0
    line_df: dict[str, int] = field(default_factory=dict)

    @classmethod
    def learn(cls, texts: Iterable[str]) -> BatchStats:
        seen_docs: set[int] = set()
        counts: Counter[str] = Counter()
        for text in texts:
            digest = hash(text)
            if digest in seen_docs:
                continue
            seen_docs.add(digest)
            counts.update({line_key(line) for line in text.splitlines() if line.strip()})
        return cls(len(seen_docs), {key: n for key, n in counts.items() if n > 1})

    def df(self, line: str) -> int:
        return self.line_df.get(line_key(line), 1 if self.documents else 0)

    def is_template(self, line: str) -> bool:
        """Recurs in at least 3 documents and in at least 5% of the batch: a menu or footer of the batch's
        sources. (Generic headings such as "Conclusion" recur across unrelated sites in a smaller share.)"""
        df = self.df(line)
        return df >= 3 and df >= 0.05 * self.documents


# ---------------------------------------------------------------- stop words


@cache
def _stoplists() -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """jusText's stop-word lists, indexed word -> languages, loaded on first use (~0.1 s)."""
    import justext

    names = tuple(sorted(justext.get_stoplists()))
    index: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        for word in justext.get_stoplist(name):
            index.setdefault(word, []).append(i)
    return names, {word: tuple(langs) for word, langs in index.items()}


def detect_stoplist(lines: Sequence[str]) -> frozenset[str]:
    """The stop-word list of the language the longer lines are written in (the one covering most of
    their words), or an empty set when none covers at least a tenth of them (e.g. Chinese, Japanese)."""
    names, index = _stoplists()
    hits = [0] * len(names)
    total = 0
    for line in lines:
        if len(line) < 60:
            continue
        if total > 3000:
            break  # plenty to tell the language by
        for word in _WORD.findall(line.lower()):
            total += 1
            for lang in index.get(word, ()):
                hits[lang] += 1
    if not total:
        return frozenset()
    best = max(range(len(names)), key=hits.__getitem__)
    if hits[best] < 0.1 * total:
        return frozenset()
    return _stoplist(names[best])


@cache
def _stoplist(name: str) -> frozenset[str]:
    import justext

    return frozenset(justext.get_stoplist(name))


# ---------------------------------------------------------------- well-known boilerplate


def _phrases(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "|".join(patterns) + r")$", re.IGNORECASE)


# A whole line that is one of these is page furniture wherever it stands.
_FURNITURE = _phrases(
    r"(?:skip|jump|go) to (?:main |the )?(?:content|contents|navigation|main|article|menu|footer)s?",
    r"back to (?:top|home)",
    r"top",
    r"home",
    r"menu",
    r"search",
    r"close",
    r"open",
    r"more",
    r"less",
    r"next",
    r"prev(?:ious)?",
    r"ok",
    r"cancel",
    r"submit",
    r"send",
    r"print",
    r"email",
    r"e-mail",
    r"share",
    r"share (?:this|on|via)(?: (?:article|story|post|page))?(?: on \w+)?:?",
    r"tweet",
    r"pin( it)?",
    r"like",
    r"save",
    r"save (?:article|story)",
    r"copy (?:link|url)",
    r"url is copied\.?",
    r"link copied\.?",
    r"facebook(?: messenger)?",
    r"twitter",
    r"x",
    r"linkedin",
    r"linked in",
    r"whatsapp",
    r"reddit",
    r"pinterest",
    r"telegram",
    r"instagram",
    r"youtube",
    r"tiktok",
    r"tumblr",
    r"flipboard",
    r"threads",
    r"bluesky",
    r"rss(?: feed)?",
    r"sitemap",
    r"site map",
    r"advertisement",
    r"advertising",
    r"sponsored(?: content)?",
    r"ad",
    r"ads",
    r"promoted",
    r"story continues below(?: advertisement)?",
    r"continue reading(?: below)?",
    r"article continues below",
    r"read more",
    r"read (?:the )?full (?:article|story)",
    # shopping buttons under a product in a buying guide
    r"(?:view|see|get|check|shop) (?:the )?(?:deals?|prices?|offer|latest price)(?: (?:at|on) [\w.]+)?",
    r"check (?:amazon )?price",
    r"(?:buy|book|shop|order) now",
    r"visit (?:the )?(?:website|site|store)",
    r"read (?:the |our )?(?:full )?review",
    r"best prices today:?",
    r"(?:[$£€][\d,.]+ ?){1,2}(?:\(\d+% off\) )?(?:at|from|on) [\w.'’&-]+(?: [\w.'’&-]+)?",
    r"load more",
    r"show more",
    r"see more",
    r"view (?:all|more)",
    r"see all",
    r"more (?:stories|news|articles)",
    r"(?:log|sign) ?(?:in|out|up)",
    r"register",
    r"subscribe(?: now)?",
    r"my account",
    r"account",
    r"login",
    r"logout",
    r"privacy(?: policy| statement| notice)?",
    r"terms(?: of (?:use|service))?(?: and conditions)?",
    r"terms & conditions",
    r"cookie(?:s| policy| settings| preferences)?",
    r"accept(?: all)?(?: cookies)?",
    r"contact(?: us)?",
    r"about(?: us)?",
    r"faq",
    r"help",
    r"careers",
    r"advertise(?: with us)?",
    r"font size",
    r"text size",
    r"listen(?: to (?:this )?(?:article|story))?",
    r"print (?:this )?(?:article|page)",
    r"(?:\d+ )?comments?",
    r"leave a (?:reply|comment)",
    r"post comment",
    r"reply",
    r"[\[\]{}()|•·/\\<>«»›‹\-–—_*#.,:;=+~^\s]*",
    r"\(?end\)?",
    r"\*\*\*",
    r"photo",
    r"video",
    r"audio",
    r"image",
    r"gallery",
    r"loading\.*",
    # markup and template comments left in the page's text: "</div>", ".entry-content", "end row-wrapper"
    r"</?[a-z][^>]*>.*",
    r"(?:\.|#(?!\d)|/)[\w\-#/.:]*(?: [\w\-#/.:]+)?",
    r"end [\w\-]+(?: [\w\-]+)?",
    r"html_tag_\w+",
    r"\?xml .*",
    r"\[email(?:&#160;| )protected\]",
    r"\S+@\S+\.\w+",
    r"https?://\S+",
    r"www\.\S+",
    r"(?:\d+ )?min(?:ute)?s? read",
    r"reading time:? ?\d+ min(?:ute)?s?",
    # form fields and widgets
    r"(?:first|last|full|your) name\*?",
    r"(?:e-?mail|phone)(?: address| number)?\*?",
    r"company(?: name)?\*?",
    r"this field is (?:for validation purposes|hidden)[\w ,.]*",
    r"opens? in a new (?:window|tab)",
    r"previous ?next",
    r"show \d+ more.*",
    r"(?:\d+[.,]?\d*k? )?(?:views|shares|likes)",
)

_COPYRIGHT = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b|all rights reserved|\btous droits\b", re.IGNORECASE
)
_CONTACT = re.compile(
    r"^(?:tel|phone|fax|telephone|mobile|e-?mail|address|registration|reg\.? no|business (?:license|registration))"  # noqa: E501
    r"\b\.?\s*[:.]|(?:^|\s)\+\d{1,3}[\s-]?\(?\d{1,4}\)?[\s-]\d{2,4}[\s-]\d{3,4}\b",
    re.IGNORECASE,
)
# Sentences a site prints under every article: cookie banners, newsletter and affiliate notices.
_NOTICE = re.compile(
    r"\b(?:we use cookies|(?:site|website) uses cookies|store and/or access information|cookie (?:policy|settings|"  # noqa: E501
    r"preferences)|our partners store|may earn (?:a )?(?:small )?(?:affiliate )?commission|contains? affiliate links|"  # noqa: E501
    r"(?:sign up|subscribe) (?:for|to) (?:our|the) (?:\w+ )?newsletter|unsubscribe at any time|"
    r"agree to (?:our|the) (?:privacy|terms)|all rights reserved|uses akismet|comment data is processed|"
    r"is a reader-supported publication|republish (?:our|this) articles?|enable javascript|"
    r"browser (?:does not|doesn't) support)\b",
    re.IGNORECASE,
)
# A picture's caption ends with its credit: "... cabinets. | Photo by Lisa Jennings", "...PixelVista / Getty
# Images", "(AP Photo/Jane Doe)".
_CREDIT = re.compile(
    r"(?:(?:\||/|\.|^)\s*(?:photo|photograph|image|picture)s?(?: by|:)\s+[A-Z][\w.'’\- ]{1,50}"
    r"|/\s*(?:getty images|shutterstock|istock|alamy|unsplash|reuters|afp|ap)"
    r"|\((?:ap|afp|reuters|getty|yonhap|epa)"
    r"(?: photo(?:\s*/\s*[\w.'’\- ]{1,40})?|\s*/\s*[\w.'’\- ]{1,40})\))\s*$",
    re.IGNORECASE,
)
_GLUED = re.compile(r"[a-z][A-Z][a-z]")
# "Jill Winger says", "Amy says:", "reply to comment", "Log in to Reply": comment threads.
_COMMENT_HEADER = re.compile(
    r"^(?:[\w.'’\- ]{1,40} (?:says|said|writes|wrote|replied|commented)(?: on .{0,40})?:?|reply(?: to (?:comment|this))?|"  # noqa: E501
    r"(?:log ?in|sign ?in) to (?:reply|comment)|report(?: comment| abuse)?|(?:up|down)vote|permalink)$",
    re.IGNORECASE,
)
_CHATTER = re.compile(
    r"^(?:sign up|subscribe|follow us|join (?:our|the)|get (?:our|the) (?:\w+ )?newsletter|download (?:our|the) app"  # noqa: E501
    r"|we use cookies|this (?:site|website) uses cookies|by (?:subscribing|signing up|clicking|continuing)"
    r"|click here|tap here|share (?:this|on)|related:|see also:|read also:|also read:|read more:|more:|tags?:"
    r"|filed under|categories:|posted in|photo credit|image credit|credit:|photo:|image:|source:|©)",
    re.IGNORECASE,
)
# Headings that open the material after an article: related stories, popular lists, comments, the
# author's bio, share bars. A whole short line, give or take a colon or a count; "Read more: <title>" is a
# link inside the article, not one of these.
_TAIL_MARKER = re.compile(
    r"^(?:(?:most (?:popular|read|viewed|shared|commented)|(?:related|recommended|similar|popular|trending|"
    r"featured|recent|latest|top|more|other)(?: (?:articles?|posts?|stories|content|reads?|news|topics|videos?|"  # noqa: E501
    r"products|links|coverage|guides|resources))+|related|recommended for you|you (?:may|might|will|could) (?:also )?"  # noqa: E501
    r"(?:like|enjoy|love|be interested(?: in)?)(?: reading| to read)?|read (?:next|more)|what to read next|don'?t miss|"  # noqa: E501
    r"more (?:from|on|in) (?:this|the|our) [\w ]+|more like this|watch next|"
    r"(?:\d+ )?(?:comments?|responses?|replies)|leave a (?:reply|comment)(?: cancel reply)?|"
    r"(?:join|start) the (?:conversation|discussion)|discussion about this (?:post|article)|post a comment|"
    r"add (?:a|your) comment|about the (?:authors?|writer|reporter|contributors?)|(?:more )?about (?:the )?author|"  # noqa: E501
    r"written by|share (?:this|the)(?: article| story| post| page)?|share|like this|(?:latest|top) news|"
    r"keywords?|tags?|topics?|filed under|categories|news focus|main article right now|"
    r"previous (?:article|post|story)|next (?:article|post|story)|was this (?:page|article) helpful\??|"
    r"back to (?:blog|news|articles)|(?:sign up|subscribe) (?:for|to) (?:our|the) newsletter|"
    r"get (?:our|the) newsletter|reader interactions|be the first to comment|what do you think\??|"
    r"(?:our )?related (?:services|resources|reading)|read this next|all reads on this topic|popular posts|"
    r"trending (?:stories|now|articles)|recent posts|more (?:reads|to explore)|keep reading|up next)"
    r"\s*(?:[:(\[]\s*\d*\s*[)\]]?)?|\d+ (?:comments?|responses?|replies)\b.*)$",
    re.IGNORECASE,
)


_COUNTED_COMMENTS = re.compile(r"(?i)^\d+ (?:comments?|responses?|replies|thoughts) (?:on|to)\b")
# Markup the scraper left as text: HTML comments naming template parts ("END .comment-author .vcard",
# "BEGIN .postmeta", "#comment-##", ".post-navigation"), WordPress block comments ("wp:spacer {...}"),
# a JSON object on a line of its own.
_LEAKED_MARKUP = re.compile(
    r"^(?:(?:BEGIN|END|START)\s+[.#][a-z][\w-]*(?:\s+[.#][a-z][\w-]*)*|[.#][a-z][\w-]*-[\w-]*"
    r"|/?wp:[a-z][\w/-]*(?:\s.*)?|/?\.?itemprop=\w+|\{\s*\"[\w-]+\"\s*:.*\})$"
)


def boilerplate_reason(line: str) -> str | None:
    """Why a line is boilerplate wherever it appears, in a word, or None when its wording alone says nothing."""  # noqa: E501
    text = line.strip()
    if _FURNITURE.match(text):
        return "furniture"
    words = len(_WORD.findall(text))
    if _COPYRIGHT.search(text) and words <= 40:
        return "copyright"
    if _CONTACT.search(text) and words <= 25:
        return "contact"
    if _CHATTER.match(text) and words <= 30:
        return "chatter"
    glued = sum(1 for token in text.split() if _GLUED.search(token))
    if glued >= 3 and glued * 6 >= words:
        return "glued menu"  # "How to Invest MoneyWhat to Invest InHow to Invest in Stocks"
    if _CREDIT.search(text) and words <= 40:
        return "caption"
    if _COMMENT_HEADER.match(text):
        return "comment"
    if words <= 60 and _NOTICE.search(text):
        return "notice"
    if _LEAKED_MARKUP.match(text):
        return "markup"
    if "<" in text and re.search(r"</?[a-z]+[^<>]*>", text) and re.search(r"\w+=\"", text):
        return "markup"
    return None


def is_tail_marker(line: str) -> bool:
    """A heading that usually opens what follows an article ("MOST POPULAR", "Related articles", "Comments")."""  # noqa: E501
    text = line.strip()
    if len(text) > 80:
        # "59 Comments on “<the article's headline>”" names the article, however long it is
        return len(text) <= 250 and bool(_COUNTED_COMMENTS.match(text))
    return bool(_TAIL_MARKER.match(text))


# ---------------------------------------------------------------- one line


@dataclass
class Line:
    """A non-empty line of a dump and what it looks like on its own."""

    index: int
    text: str
    words: int
    length: float
    stop_density: float
    ends_sentence: bool
    sentences: int
    reason: str | None
    template: bool
    repeats: int = 1
    capitalised: float = 0.0  # share of words after the first that start with a capital: Title Case
    echoed: bool = False  # the line before or after it has the same words (numbers aside)
    cjk: bool = False  # written mostly in Chinese, Japanese or Korean characters: no stop-word list fits

    @property
    def is_long(self) -> bool:
        return self.length >= 70


def effective_length(text: str) -> float:
    """Characters, with a CJK character counted as the short word it is worth (x3)."""
    cjk = len(_CJK.findall(text))
    return len(text) + 2 * cjk


def _shape(text: str) -> str:
    """A line's words without numbers, prices or case: "Free shipping on orders $40+" and "... 65€ +" agree."""  # noqa: E501
    return " ".join(w for w in _WORD.findall(text.casefold()) if not w.isdigit())


def _capitalised(text: str) -> float:
    words = [w for w in text.split()[1:] if w[:1].isalpha()]
    if not words:
        return 0.0
    return sum(w[0].isupper() for w in words) / len(words)


def describe(lines: Sequence[tuple[int, str]], stats: BatchStats | None = None) -> list[Line]:
    """Describe each (index, text) line; `stats` (the batch's) marks template lines."""
    stoplist = detect_stoplist([text for _, text in lines])
    shapes = [_shape(text) for _, text in lines]
    keys = Counter(shapes)
    out: list[Line] = []
    for n, (index, text) in enumerate(lines):
        tokens = _WORD.findall(text.lower())
        cjk = len(_CJK.findall(text))
        words = max(len(tokens), math.ceil(cjk / 2))
        stops = sum(t in stoplist for t in tokens) / len(tokens) if tokens and stoplist else 0.0
        out.append(
            Line(
                index=index,
                text=text,
                words=words,
                length=effective_length(text),
                stop_density=stops,
                ends_sentence=bool(_SENTENCE_END.search(text)),
                sentences=len(_SENTENCE_BREAK.findall(text)) + 1,
                reason=boilerplate_reason(text),
                template=stats.is_template(text) if stats is not None else False,
                repeats=keys[shapes[n]],
                capitalised=_capitalised(text),
                echoed=(n > 0 and shapes[n - 1] == shapes[n])
                or (n + 1 < len(lines) and shapes[n + 1] == shapes[n]),
                cjk=cjk * 2 >= sum(c.isalpha() for c in text) > 0,
            )
        )
    return out
