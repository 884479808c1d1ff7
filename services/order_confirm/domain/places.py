"""Where a delivery goes, as a time zone: calling hours are the customer's, not the shop's.

A Moscow shop delivers across eleven time zones. Matching is by word stem on the delivery city, so
"Новосибирск", "г. Новосибирск" and "Новосибирская обл." agree. From a free-text address only the place
after "г."/"город" is used: street names are often named after other cities ("Новосибирская ул." is in
Moscow too).
Stems cover Russia's regional centres and the largest cities of the neighbouring markets we serve.
"""

from __future__ import annotations

import re

_ZONES: dict[str, str] = {  # zone: "|"-separated stems
    "Europe/Kaliningrad": "калининград",
    "Europe/Moscow": (
        "москв|санкт-петербург|петербург|спб|ленинград|нижний новгород|нижегород|казан|татарстан|ростов|"
        "краснодар|кубан|воронеж|ярославл|тула|рязан|твер|калуг|брянск|смоленск|курск|белгород|липецк|"
        "тамбов|орел|орёл|орлов|владимир|иванов|костром|вологд|архангельск|мурманск|карели|петрозаводск|"
        "великий новгород|новгородск|псков|сочи|ставропол|махачкал|дагестан|грозн|чечн|нальчик|"
        "владикавказ|симферопол|крым|севастопол|сыктывкар|коми|киров|чебоксар|чуваш|йошкар-ол|марий эл|"
        "саранск|мордови|пенз|волгоград|элист|калмык|майкоп|адыге|черкесск"
    ),
    "Europe/Minsk": "минск|беларус|гомел|брест|витебск|гродн|могил",
    "Europe/Samara": "самар|тольятти|ижевск|удмурт|ульяновск|саратов|астрахан",
    "Asia/Yekaterinburg": (
        "екатеринбург|свердловск|челябинск|пермь|пермск|уфа|башкир|тюмен|оренбург|курган|ханты-мансийск|"
        "сургут|югр|салехард|ямал"
    ),
    "Asia/Omsk": "омск",
    "Asia/Novosibirsk": "новосибирск",
    "Asia/Barnaul": "барнаул|алтай|горно-алтайск",
    "Asia/Tomsk": "томск",
    "Asia/Novokuznetsk": "кемерово|кемеровск|новокузнецк|кузбасс",
    "Asia/Krasnoyarsk": "красноярск|абакан|хакаси|кызыл|тыва|норильск",
    "Asia/Irkutsk": "иркутск|улан-удэ|бурят|братск",
    "Asia/Chita": "чита|забайкал",
    "Asia/Yakutsk": "якутск|якути|саха|благовещенск|амурск",
    "Asia/Vladivostok": "владивосток|приморск|хабаровск|биробиджан",
    "Asia/Sakhalin": "южно-сахалинск|сахалин",
    "Asia/Magadan": "магадан",
    "Asia/Srednekolymsk": "среднеколымск",
    "Asia/Kamchatka": "петропавловск-камчатский|камчат|анадыр|чукот",
    "Asia/Almaty": "алматы|алма-ат|астан|шымкент|караганд",
    "Asia/Tashkent": "ташкент",
    "Asia/Bishkek": "бишкек",
}

# Longest stem first, so "петропавловск-камчатский" wins over a shorter stem it contains.
_STEMS = sorted(((stem, zone) for zone, stems in _ZONES.items() for stem in stems.split("|")), key=lambda p: -len(p[0]))
_WORD_START = r"(?:^|[\s,.;:()\"«-])"
# Compiled once: intake looks up every new customer's delivery town.
_STEM_PATTERNS = [
    (stem.replace("ё", "е"), re.compile(_WORD_START + re.escape(stem.replace("ё", "е"))), zone) for stem, zone in _STEMS
]
_TOWN_IN_ADDRESS = re.compile(r"(?:^|[\s,])(?:г\.|город)\s*([^,;]+)", re.IGNORECASE)


def timezone_of_place(city: str | None, address: str | None) -> str | None:
    """The IANA zone of the delivery city (or the "г. X" in the address); None when nothing matches."""
    town = _TOWN_IN_ADDRESS.search(address or "")
    for text in (city, town.group(1) if town else None):
        if not text:
            continue
        normalized = " ".join(text.lower().replace("ё", "е").split())
        for stem, pattern, zone in _STEM_PATTERNS:
            # The substring test first: it rejects almost every stem at a fraction of a regex search's cost.
            if stem in normalized and pattern.search(normalized):
                return zone
    return None
