"""The words an answer is read by, per language (English, German, French, Spanish): which
language a text is in, which sentences speak of hearing back, what an offer and a
rejection say, and the spans a date library does not read (next week as a span, a part
of a month, the end of the month, the holidays). Data only; `wrote.py` reads with it.

The wording follows recruiters' own: the templates ATS vendors and job sites publish for
updates, rejections and offers in each language (see tests/data/mail/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGES = ("en", "de", "fr", "es")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common words that tell the languages apart.
COMMON: dict[str, frozenset[str]] = {
    "en": _words("the and you we to of for your will with our be this that is are have thank"),
    "de": _words(
        "und der die das sie wir ihnen ihre mit für uns ist nicht eine zu bei vielen dank"
    ),
    "fr": _words("le la les et vous nous des pour une est pas avec votre sur au dans merci"),
    "es": _words("el los las y que usted para con una por su nuestro es del muchas gracias"),
}


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A sentence about when they answer or decide: only these are read for a date.
CUES: dict[str, re.Pattern[str]] = {
    "en": _any(
        r"\b(back to you|get back|come back|hear|heard|decision|decide|deciding|let you know|"
        r"update|feedback|in touch|respond|response|reply|answer|next steps?|reach out|"
        r"contact you|inform|news)\b"
    ),
    "de": _any(
        r"(melden|rückmeldung|entscheid|bescheid|informieren|antwort|zurückkommen|hören|"
        r"nachricht|kontaktieren|feedback)"
    ),
    "fr": _any(
        r"(reviendr|revenir|retour|décision|décid|nouvelles|réponse|répondr|inform|"
        r"recontact|contacter|tiendr)"
    ),
    "es": _any(
        r"(respuesta|decisi[óo]n|decidir|noticias|contactar|contactaremos|informar|"
        r"informaremos|comunicar|volveremos|responder|daremos|novedades)"
    ),
}

REJECTIONS: dict[str, re.Pattern[str]] = {
    "en": _any(
        r"\b(decided|chosen) (not to|to (move|go|proceed) (forward|ahead) with (other|another))",
        r"\b(not|won't|will not) (be )?(moving|move|proceed(ing)?|going) (forward|ahead|further)",
        r"\bregret to (inform|let you know)",
        r"\b(pursue|pursuing|continue with|go with) (other|another) candidates?",
        r"\bposition has (now )?been filled\b",
        r"\b(not|won't|will not) (be )?(extend|extending|make|making|offer|offering) "
        r"(you )?(an offer|the (position|role))",
        r"\bunfortunately\b.{0,80}\b(not|no longer|unable)\b.{0,40}\b(proceed|forward|"
        r"offer|continue|successful|selected)",
    ),
    "de": _any(
        r"für (einen|eine) (anderen?|andere) (kandidat|bewerber)",
        r"(nicht|nicht mehr) (weiter )?berücksichtigen",
        r"leider.{0,120}(absage|nicht (weiter|für sie)|anderen? (kandidat|bewerber)|"
        r"keine positive)",
        r"\babsage\b",
    ),
    "fr": _any(
        r"ne (pas )?(pouvons|pourrons) (pas )?(y )?donner (une )?suite favorable",
        r"ne l'avons pas retenue?",
        r"ne pas donner suite",
        r"(pas été|n'a pas été) retenue?",
        r"n'avons pas retenu",
        r"(un|une|d'autres?) (autre )?candidat(e|s|ure)? (dont|qui|plus)",
        r"malheureusement.{0,120}\b(pas|plus)\b.{0,60}(suite|retenu|candidature|poursuivre)",
    ),
    "es": _any(
        r"(lamentablemente|desafortunadamente|lamentamos|sentimos).{0,120}"
        r"\b(no|otros? candidatos?|otra candidatura)\b",
        r"\bno (ha|has) sido seleccionad",
        r"\bno continuar(emos)? con (su|tu) (candidatura|proceso)",
        r"\bcontinuar con otros? candidatos?",
    ),
}

OFFERS: dict[str, re.Pattern[str]] = {
    "en": _any(
        r"\b(pleased|happy|delighted|excited|thrilled|glad) to (offer|extend)",
        r"\boffer you the (position|role|job)\b",
        r"\bextend(ing)? (you )?(an|a formal|a written) offer\b",
        r"\b(job|formal|written) offer\b",
        r"\boffer letter\b",
    ),
    "de": _any(
        r"freuen uns.{0,80}(anzubieten|angebot|zusage|zusagen)",
        r"(vertrags|arbeits|job|stellen)angebot",
        r"(möchten|würden) (ihnen|dir) (gerne )?(die stelle|die position|einen vertrag) anbieten",
    ),
    "fr": _any(
        r"plaisir de vous (proposer|offrir|annoncer).{0,80}(poste|offre|embauche|contrat)",
        r"(offre|promesse|proposition) d'(emploi|embauche)",
        r"vous proposer (le|ce) poste",
    ),
    "es": _any(
        r"(placer|gusto|complace|alegra).{0,80}(ofrecer|oferta)",
        r"ofrecerle (el|este) puesto",
        r"oferta (de trabajo|de empleo|formal|laboral)",
        r"carta oferta",
    ),
}

_MONTHS = {
    "en": r"january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec",
    "de": r"januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
    r"dezember",
    "fr": r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre",
    "es": r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre",
}
# The word before a month that says which part of it: early, mid or late.
_PARTS = {
    "en": {
        "early": r"early|the beginning of|beginning of|the start of|start of",
        "mid": r"mid-?|the middle of|middle of",
        "late": r"late|the end of|end of",
    },
    "de": {"early": r"anfang", "mid": r"mitte", "late": r"ende"},
    "fr": {
        "early": r"(au )?d[ée]but( du mois)?( de)?",
        "mid": r"(à la )?mi-?",
        "late": r"(à la |en )?fin( du mois)?( de)?",
    },
    "es": {
        "early": r"(a )?(principios|comienzos|inicios) de",
        "mid": r"(a )?mediados de",
        "late": r"(a )?(finales|fines|final) de",
    },
}

_SPANS: dict[str, dict[str, str]] = {
    "en": {
        "holidays": r"\bafter (the )?(holidays|holiday season|christmas|new year'?s?)\b|"
        r"\bin the new year\b",
        "next_week": r"\b(early |later )?next week\b",
        "this_week": r"\b(the )?end of (the|this) week\b|\bthis week\b",
        "end_of_month": r"\b(the )?end of (the|this) month\b",
    },
    "de": {
        "holidays": r"\bnach (den )?(feiertagen|weihnachten|neujahr|ferien|dem jahreswechsel|"
        r"der sommerpause)\b|\bim neuen jahr\b",
        "next_week": r"\b(in der )?(nächste[nr]?|kommende[nr]?) woche\b",
        "this_week": r"\b(ende )?(dieser|diese) woche\b|\bende der woche\b",
        "end_of_month": r"\bende (des|dieses) monats\b|\bmonatsende\b",
    },
    "fr": {
        "holidays": r"\baprès (les )?(fêtes|vacances|congés)\b|\baprès (noël|le nouvel an)\b|"
        r"\bà la rentrée\b",
        "next_week": r"\b(la |en début de )?semaine prochaine\b|\bla semaine suivante\b",
        "this_week": r"\bcette semaine\b|\b(en )?fin de (la |cette )?semaine\b",
        "end_of_month": r"\b(la |à la |en )?fin (du|de ce) mois\b",
    },
    "es": {
        "holidays": r"\bdespués de (las )?(fiestas|vacaciones|navidad(es)?|año nuevo)\b|"
        r"\ba la vuelta de (las )?vacaciones\b|\ben el año nuevo\b",
        "next_week": r"\b(la )?(próxima|siguiente) semana\b|\b(la )?semana que viene\b",
        "this_week": r"\besta semana\b|\b(a )?(finales|final) de (la |esta )?semana\b",
        "end_of_month": r"\b(a )?(finales|final|fines|fin) de(l)? (este )?mes\b",
    },
}


@dataclass(frozen=True)
class Span:
    kind: str  # holidays, next_week, this_week, end_of_month, early, mid, late
    pattern: re.Pattern[str]


def spans(language: str) -> list[Span]:
    """The spans of a language, the longest first (a part of a month before the rest)."""
    months = _MONTHS[language]
    found = [
        Span(part, re.compile(rf"\b(?:{words})\s*(?P<month>(?:{months})\b)", re.IGNORECASE))
        for part, words in _PARTS[language].items()
    ]
    found += [Span(kind, re.compile(p, re.IGNORECASE)) for kind, p in _SPANS[language].items()]
    return found


WEEKDAY = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|montag|dienstag|mittwoch|donnerstag|"
    r"freitag|lundi|mardi|mercredi|jeudi|vendredi|lunes|martes|miércoles|jueves|viernes)\b",
    re.IGNORECASE,
)

# Counts written as words where the library reads only digits ("en dos semanas").
_NUMBERS = {
    "es": {"un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6},
    "en": {"a couple of": 2, "a few": 3},
}
_UNITS = r"(semanas?|d[íi]as|mes(es)?|weeks?|days|months?)"


def numbers_as_digits(text: str, language: str) -> str:
    for word, number in _NUMBERS.get(language, {}).items():
        text = re.sub(rf"\b{word}\s+(?={_UNITS}\b)", f"{number} ", text, flags=re.IGNORECASE)
    return text
