"""Language detection (pure apart from loading the bundled model once per process).

The page's declared language (``<html lang>``, ``og:locale``, JSON-LD) is reduced to an
ISO 639-1 code and kept unless the body clearly says otherwise; without a declaration the
language is detected offline from the body with py3langid.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

__all__ = ["MIN_DETECT_CHARS", "detect_language", "normalize_code"]

#: Below this many letters the body is too short to overrule or replace a declaration.
MIN_DETECT_CHARS = 40
#: Letters needed, and the confidence, to overrule a declared language.
OVERRULE_CHARS = 200
OVERRULE_CONFIDENCE = 0.95
#: Confidence needed to report a language when nothing was declared.
DETECT_CONFIDENCE = 0.5
_SAMPLE_CHARS = 4000

_CODE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")
_THREE_LETTER = {
    "eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es", "ita": "it",
    "por": "pt", "nld": "nl", "dut": "nl", "rus": "ru", "pol": "pl", "ces": "cs", "cze": "cs",
    "swe": "sv", "dan": "da", "nor": "no", "nob": "nb", "nno": "nn", "fin": "fi", "tur": "tr",
    "jpn": "ja", "zho": "zh", "chi": "zh", "kor": "ko", "ara": "ar", "hin": "hi", "ind": "id",
    "vie": "vi", "ukr": "uk", "ell": "el", "gre": "el", "heb": "he", "hun": "hu", "ron": "ro",
    "rum": "ro", "isl": "is", "ice": "is", "lit": "lt", "swa": "sw", "zul": "zu", "xho": "xh",
}  # fmt: skip
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
# Codes the detector confuses within a group: a declaration from the same group is kept.
_GROUPS = ({"no", "nb", "nn", "da"}, {"hr", "sr", "bs"}, {"id", "ms"}, {"zu", "xh"})
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30fa]")  # kana without the middle dot
_HANGUL = re.compile("[\uac00-\ud7af]")


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@lru_cache(maxsize=1)
def _identifier() -> _Identifier:
    """The py3langid model, loaded on first use and kept for the life of the process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # noqa: PLC0415 - lazy: the model is large

    model: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return model


def normalize_code(code: str | None) -> str | None:
    """An ISO 639-1 code from a declared tag ("en-US", "de_AT", "eng", "pt-BR"); else ``None``."""
    if not code:
        return None
    m = _CODE.match(code.strip().lower())
    if m is None:
        return None
    base = m.group(1)
    if len(base) == 3:
        return _THREE_LETTER.get(base)
    return _ALIASES.get(base, base)


def _same_group(a: str, b: str) -> bool:
    return a == b or any(a in g and b in g for g in _GROUPS)


def _detect(text: str, letters: int) -> tuple[str | None, float]:
    # Script shortcuts: kana only occur in Japanese, Hangul only in Korean.
    if len(_KANA.findall(text)) * 10 >= letters:
        return "ja", 1.0
    if len(_HANGUL.findall(text)) * 4 >= letters:
        return "ko", 1.0
    lang, confidence = _identifier().classify(text)
    code = normalize_code(lang)
    return code, float(confidence)


def detect_language(text: str, declared: str | None) -> str | None:
    """The article's language as an ISO 639-1 code, or ``None`` when unknown.

    A valid declaration is kept unless the body (at least ``OVERRULE_CHARS`` letters) is
    detected as another language with confidence >= ``OVERRULE_CONFIDENCE``. Without a
    declaration, the detected language is returned when the body has at least
    ``MIN_DETECT_CHARS`` letters and the detector is reasonably confident. Loads the model on
    the first call in the process.
    """
    code = normalize_code(declared)
    sample = text[:_SAMPLE_CHARS]
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters < MIN_DETECT_CHARS:
        return code
    detected, confidence = _detect(sample, letters)
    if code is None:
        return detected if confidence >= DETECT_CONFIDENCE else None
    if detected is None or _same_group(code, detected):
        return code
    if letters >= OVERRULE_CHARS and confidence >= OVERRULE_CONFIDENCE:
        return detected
    return code
