"""Word lists for the demo site's prose generator (data only, no logic).

Lists are tuples so that nothing can change them; the generator picks from them with a seeded
``random.Random``. Keeping many entries per slot is what makes distinct stories read differently.
"""

from __future__ import annotations

__all__ = [
    "ADJECTIVES",
    "AMOUNT_UNITS",
    "ATTRIBUTIONS",
    "CONNECTIVES",
    "COUNTRIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "ORG_KINDS",
    "ORG_STEMS",
    "PLACES",
    "QUOTE_OPENERS",
    "SECTIONS",
    "SECTION_EVENTS",
    "SECTION_ROLES",
    "SECTION_TOPICS",
    "TAG_POOL",
    "TIME_WORDS",
    "VERBS_PAST",
    "VERBS_PRESENT",
]

# fmt: off
SECTIONS: tuple[str, ...] = (
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "sport",
    "culture",
)

FIRST_NAMES: tuple[str, ...] = (
    "Amara", "Bruno", "Celia", "Dmitri", "Elena", "Farid", "Greta", "Hector", "Ines", "Jonas",
    "Kavya", "Lucas", "Maren", "Nikolai", "Olga", "Pablo", "Quentin", "Rosa", "Sanjay", "Tamsin",
    "Umar", "Vera", "Wendell", "Ximena", "Yusuf", "Zofia", "Anders", "Beatriz", "Cormac", "Dalia",
    "Emeka", "Freya", "Gustavo", "Hana", "Ivo", "Jasmin", "Kenji", "Leila", "Matteo", "Nadia",
    "Oskar", "Priya", "Rafael", "Sigrid", "Tobias", "Ulla", "Viktor", "Wanjiru", "Yara", "Zeno",
    "Adele", "Bilal", "Carmen", "Declan", "Esther", "Fabian", "Gloria", "Henrik", "Isla", "Julian",
    "Zoë", "Søren", "Iñigo", "Ágnes", "Björn", "Łucja", "Renée", "José",
)

LAST_NAMES: tuple[str, ...] = (
    "Abernathy", "Baranov", "Castellanos", "Delacroix", "Eriksen", "Fonseca", "Galloway",
    "Hartmann", "Ibarra", "Jovanovic", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor",
    "Petrenko", "Quiroga", "Rasmussen", "Santoro", "Takahashi", "Urquhart", "Valdivia", "Whitlock",
    "Yilmaz", "Zielinski", "Achebe", "Bergstrom", "Cardenas", "Dunleavy", "Esposito", "Falkner",
    "Grunewald", "Halloran", "Ishikawa", "Jankowski", "Kasprzak", "Lombardi", "Mendoza", "Novak",
    "Ortega", "Pemberton", "Rahimi", "Sorensen", "Tkachenko", "Vasquez", "Weatherby", "Xu",
    "Yamamoto", "Zamora", "Ashworth", "Brennan", "Coelho", "Dvorak", "Engel", "Ferreira",
    "Gallagher", "Haddad", "Iversen", "Kessler", "Larsen", "Marchetti", "Nordin", "Oyelaran",
    "Tokáyev", "Pashinián", "Müller", "Østergaard", "Núñez", "Čapek", "Ruzajúnov", "Gonçalves",
)

PLACES: tuple[str, ...] = (
    "Almatí", "Porto", "Gdańsk", "Valparaíso", "Tampere", "Mombasa", "Busan", "Córdoba",
    "Thessaloniki", "Leipzig", "Medellín", "Bergen", "Lyon", "Izmir", "Kaunas", "Graz",
    "Rosario", "Adelaide", "Halifax", "Nagoya", "Tbilisi", "Ljubljana", "Arequipa", "Dakar",
    "Cluj", "Bilbao", "Aarhus", "Brno", "Tartu", "Split", "Malmö", "Winnipeg", "Hobart",
    "Kumasi", "Da Nang", "Cebu", "Mysore", "Tangier", "Salvador", "Galway", "Bogotá",
    "Kraków", "Reykjavík", "Zürich",
)

COUNTRIES: tuple[str, ...] = (
    "Kazakhstan", "Portugal", "Poland", "Chile", "Finland", "Kenya", "South Korea", "Argentina",
    "Greece", "Germany", "Colombia", "Norway", "France", "Turkey", "Lithuania", "Austria",
    "Australia", "Canada", "Japan", "Georgia", "Slovenia", "Peru", "Senegal", "Romania", "Spain",
    "Denmark", "Czechia", "Estonia", "Croatia", "Sweden", "Ghana", "Vietnam", "Malaysia",
)

ORG_STEMS: tuple[str, ...] = (
    "Northern", "Coastal", "Federal", "United", "Central", "Pacific", "Atlantic", "Metropolitan",
    "Regional", "National", "Continental", "Riverside", "Highland", "Eastern", "Western",
    "Southern", "Harbour", "Valley", "Summit", "Meridian", "Horizon", "Granite", "Silverline",
)

ORG_KINDS: tuple[str, ...] = (
    "Transport Authority", "Energy Board", "Health Trust", "Farmers' Union", "Port Company",
    "Water Agency", "Teachers' Association", "Rail Consortium", "Housing Council",
    "Chamber of Commerce", "Space Institute", "Football Federation", "Arts Foundation",
    "Research Council", "Telecom Group", "Mining Corporation", "Fisheries Board",
    "Broadcasting Service", "Airport Operator", "Election Commission", "Data Protection Office",
)

SECTION_TOPICS: dict[str, tuple[str, ...]] = {
    "world": ("border crossings", "the peace talks", "refugee shelters", "the ceasefire",
              "river shipping", "embassy staff", "grain exports", "the monitoring mission"),
    "politics": ("the budget bill", "pension reform", "the coalition deal", "electoral maps",
                 "the housing law", "party funding", "the regional vote", "the tax package"),
    "business": ("quarterly earnings", "the merger", "shipping rates", "wage talks",
                 "the bond sale", "factory output", "retail sales", "the takeover bid"),
    "technology": ("the chip plant", "data centres", "the app store rules", "broadband rollout",
                   "the outage", "battery supply", "the software update", "satellite internet"),
    "science": ("the glacier survey", "the telescope", "deep-sea samples", "the fossil site",
                "the vaccine trial", "migratory birds", "soil carbon", "the comet flyby"),
    "health": ("hospital waiting lists", "the flu season", "nurse staffing", "the drug shortage",
               "emergency wards", "the screening scheme", "clinic closures", "air quality"),
    "sport": ("the cup final", "the transfer window", "the marathon", "the relegation fight",
              "the cycling tour", "stadium safety", "the doping inquiry", "the derby"),
    "culture": ("the film festival", "the museum reopening", "the book prize", "the opera season",
                "street murals", "the music awards", "the heritage list", "the theatre strike"),
}

SECTION_EVENTS: dict[str, tuple[str, ...]] = {
    "world": ("unrest", "evacuation", "summit", "protest", "flooding", "standoff"),
    "politics": ("vote", "resignation", "inquiry", "reshuffle", "debate", "walkout"),
    "business": ("sell-off", "strike", "rally", "recall", "restructuring", "expansion"),
    "technology": ("breach", "launch", "outage", "lawsuit", "rollout", "recall"),
    "science": ("discovery", "expedition", "eruption", "mission", "survey", "breakthrough"),
    "health": ("outbreak", "shortage", "walkout", "audit", "campaign", "review"),
    "sport": ("comeback", "upset", "suspension", "victory", "collapse", "record"),
    "culture": ("premiere", "auction", "boycott", "revival", "tribute", "controversy"),
}

SECTION_ROLES: dict[str, tuple[str, ...]] = {
    "world": ("foreign minister", "envoy", "provincial governor", "aid coordinator"),
    "politics": ("finance minister", "opposition leader", "party whip", "mayor"),
    "business": ("chief executive", "union leader", "chief economist", "board chair"),
    "technology": ("chief technology officer", "regulator", "founder", "security researcher"),
    "science": ("lead researcher", "mission director", "geologist", "marine biologist"),
    "health": ("health minister", "chief medical officer", "ward manager", "epidemiologist"),
    "sport": ("head coach", "team captain", "club president", "race director"),
    "culture": ("festival director", "curator", "novelist", "conductor"),
}

VERBS_PAST: tuple[str, ...] = (
    "announced", "rejected", "defended", "questioned", "approved", "delayed", "criticised",
    "welcomed", "postponed", "confirmed", "denied", "proposed", "suspended", "backed",
    "challenged", "expanded", "reviewed", "dismissed", "endorsed", "scrapped",
)

VERBS_PRESENT: tuple[str, ...] = (
    "weighs", "faces", "braces for", "pushes", "resists", "targets", "eyes", "doubles down on",
    "rethinks", "defends", "revives", "abandons", "fast-tracks", "slows",
)

ADJECTIVES: tuple[str, ...] = (
    "sharp", "modest", "unexpected", "lengthy", "tense", "cautious", "sweeping", "narrow",
    "costly", "fragile", "bitter", "steady", "rare", "swift", "overdue", "heated", "quiet",
    "dramatic", "partial", "formal",
)

AMOUNT_UNITS: tuple[str, ...] = ("million euros", "million dollars", "billion pesos",
                                 "million pounds", "billion yen", "million kroner")

TIME_WORDS: tuple[str, ...] = (
    "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
    "on Sunday", "late on Monday", "early on Thursday", "this week", "last weekend",
    "overnight", "on Friday evening", "in the early hours of Sunday",
)

ATTRIBUTIONS: tuple[str, ...] = (
    "according to figures released by", "citing internal documents from",
    "in a statement issued through", "speaking on behalf of", "in a letter co-signed by",
    "after a closed-door meeting with", "in comments reported by", "in testimony before",
)

CONNECTIVES: tuple[str, ...] = (
    "Meanwhile,", "At the same time,", "Separately,", "Earlier,", "By contrast,", "Even so,",
    "Since then,", "For now,", "In response,", "Later,", "Privately,", "Publicly,",
)

QUOTE_OPENERS: tuple[str, ...] = (
    "We will not accept", "Nobody expected", "This is about", "We have been clear about",
    "It would be a mistake to ignore", "The numbers speak for", "People deserve answers on",
    "Our priority remains", "There is no shortcut on", "We are still counting the cost of",
)

TAG_POOL: tuple[str, ...] = (
    "analysis", "live", "exclusive", "interview", "explainer", "investigation", "opinion",
    "europe", "asia", "americas", "africa", "economy", "climate", "elections", "courts",
    "transport", "labour", "energy", "education", "security",
)
# fmt: on
