"""Countries and the words for their people: "German" names Germany, "Canadians" Canada.

A "which country" question is often answered by a nationality ("The German government will double the
subsidies"); the short answer is then the country (bot/answering/naming.py). The names and demonyms come
from the `countryinfo` package's data (250 countries and territories, MIT licensed, no dependencies), read
from its JSON files once per process. Not handled: demonyms it lacks ("Argentine" beside its
"Argentinean"; "English", "Scottish", which name no country it lists), and a demonym two countries share
(the first file wins: "Congolese").
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path

_PACKAGE = "countryinfo"
_COUNTRY_NOUN = re.compile(r"\b(?:country|countries|nation|nations)$")


def asks_for_a_country(kind: str | None) -> bool:
    """Whether the kind a "which X" question names is a country ("European country", "nation")."""
    return kind is not None and _COUNTRY_NOUN.search(kind.lower()) is not None


def country_of_people(word: str) -> str | None:
    """The country whose people `word` names, singular or plural ("Canadian", "Canadians" -> "Canada");
    None for a word that names no people of a country."""
    demonyms = _tables()[1]
    key = word.strip().lower()
    found = demonyms.get(key)
    if found is None and key.endswith("s"):
        found = demonyms.get(key[:-1])
    return found


def country_named(name: str) -> str | None:
    """The country `name` is a name of ("US", "Holland", "Czechia"), in the data's own spelling, or None."""
    return _tables()[0].get(name.strip().lower())


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """({name or other spelling: country}, {demonym: country}), lower-cased keys."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {_PACKAGE!r} package is missing; it installs with newsbot: pip install -e .")
    names: dict[str, str] = {}
    demonyms: dict[str, str] = {}
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    for path in sorted(data.glob("*.json")):
        country = json.loads(path.read_text(encoding="utf-8"))
        name = country.get("name")
        if not name:
            continue
        for spelling in (name, *country.get("altSpellings", [])):
            names.setdefault(spelling.lower(), name)
        # A few list two peoples ("Bosnian,Herzegovinian").
        for demonym in (country.get("demonym") or "").split(","):
            if demonym.strip():
                demonyms.setdefault(demonym.strip().lower(), name)
    return names, demonyms
