"""A synthetic catalogue of realistic shape, filled by PostgreSQL itself.

`fill(cursor, total)` fills a freshly migrated, empty database with `total` initiatives. The
vocabularies (12 themes, 13 publics), the sources, the acronyms and the best-known organisations
are the real ones of fixtures/. The texts are French and varied: titles combine word
lists, invented project names and real titles; aims and descriptions combine the sentences of
the real initiatives' aims and descriptions (their Dutch ones left out), sentences assembled from
word lists and a sentence on the place. Almost every choice follows a skewed (Zipf–Mandelbrot)
law over a list ordered by how common it is, so some words, organisations and themes are very
common and most are rare: a search for `logement` matches a fraction of the rows, not all of
them. Organisations are shared across initiatives, the most common partners by thousands at
100,000. Initiatives have one lead, 1–4 themes (the main one among them), 1–3 publics, 0–6
other partnerships, 0–2
contacts, 0–3 results and 1–2 sources; they are mostly in France, some in Belgium and the
Netherlands; 2 % are unpublished.

Everything is computed in SQL (generate_series, the lists passed as query parameters, random()
after setseed(), so the same seed gives the same rows), the triggers off while filling; the
search vectors (and the words for typo correction) are then computed once by the triggers.
"""

import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# (country, region, department, city, weight): where the initiatives are, about 85 % in France,
# 10 % in Belgium and 5 % in the Netherlands; a few national French ones have no place.
PLACES = [
    ("FR", "", "", "", 40),
    ("FR", "Île-de-France", "Paris", "Paris", 90),
    ("FR", "Île-de-France", "Seine-Saint-Denis", "Saint-Denis", 25),
    ("FR", "Île-de-France", "Seine-Saint-Denis", "Montreuil", 15),
    ("FR", "Île-de-France", "Val-de-Marne", "Créteil", 15),
    ("FR", "Île-de-France", "Val-de-Marne", "Ivry-sur-Seine", 8),
    ("FR", "Île-de-France", "Hauts-de-Seine", "Nanterre", 10),
    ("FR", "Île-de-France", "Yvelines", "Versailles", 6),
    ("FR", "Île-de-France", "Essonne", "Évry-Courcouronnes", 6),
    ("FR", "Île-de-France", "Val-d'Oise", "Cergy", 6),
    ("FR", "Île-de-France", "Seine-et-Marne", "Melun", 5),
    ("FR", "Auvergne-Rhône-Alpes", "Rhône", "Lyon", 45),
    ("FR", "Auvergne-Rhône-Alpes", "Rhône", "Villeurbanne", 12),
    ("FR", "Auvergne-Rhône-Alpes", "Isère", "Grenoble", 18),
    ("FR", "Auvergne-Rhône-Alpes", "Loire", "Saint-Étienne", 10),
    ("FR", "Auvergne-Rhône-Alpes", "Puy-de-Dôme", "Clermont-Ferrand", 9),
    ("FR", "Auvergne-Rhône-Alpes", "Haute-Savoie", "Annecy", 5),
    ("FR", "Auvergne-Rhône-Alpes", "Savoie", "Chambéry", 4),
    ("FR", "Auvergne-Rhône-Alpes", "Drôme", "Valence", 5),
    ("FR", "Provence-Alpes-Côte d'Azur", "Bouches-du-Rhône", "Marseille", 40),
    ("FR", "Provence-Alpes-Côte d'Azur", "Alpes-Maritimes", "Nice", 12),
    ("FR", "Provence-Alpes-Côte d'Azur", "Var", "Toulon", 7),
    ("FR", "Provence-Alpes-Côte d'Azur", "Vaucluse", "Avignon", 6),
    ("FR", "Provence-Alpes-Côte d'Azur", "Hautes-Alpes", "Briançon", 5),
    ("FR", "Provence-Alpes-Côte d'Azur", "Hautes-Alpes", "Gap", 3),
    ("FR", "Occitanie", "Haute-Garonne", "Toulouse", 25),
    ("FR", "Occitanie", "Hérault", "Montpellier", 18),
    ("FR", "Occitanie", "Gard", "Nîmes", 6),
    ("FR", "Occitanie", "Pyrénées-Orientales", "Perpignan", 6),
    ("FR", "Nouvelle-Aquitaine", "Gironde", "Bordeaux", 25),
    ("FR", "Nouvelle-Aquitaine", "Haute-Vienne", "Limoges", 7),
    ("FR", "Nouvelle-Aquitaine", "Vienne", "Poitiers", 7),
    ("FR", "Nouvelle-Aquitaine", "Pyrénées-Atlantiques", "Pau", 5),
    ("FR", "Nouvelle-Aquitaine", "Pyrénées-Atlantiques", "Bayonne", 5),
    ("FR", "Nouvelle-Aquitaine", "Corrèze", "Tulle", 3),
    ("FR", "Hauts-de-France", "Nord", "Lille", 30),
    ("FR", "Hauts-de-France", "Nord", "Roubaix", 8),
    ("FR", "Hauts-de-France", "Nord", "Grande-Synthe", 6),
    ("FR", "Hauts-de-France", "Pas-de-Calais", "Calais", 12),
    ("FR", "Hauts-de-France", "Somme", "Amiens", 7),
    ("FR", "Hauts-de-France", "Oise", "Beauvais", 4),
    ("FR", "Grand Est", "Bas-Rhin", "Strasbourg", 22),
    ("FR", "Grand Est", "Moselle", "Metz", 9),
    ("FR", "Grand Est", "Meurthe-et-Moselle", "Nancy", 9),
    ("FR", "Grand Est", "Marne", "Reims", 6),
    ("FR", "Grand Est", "Haut-Rhin", "Mulhouse", 6),
    ("FR", "Grand Est", "Aube", "Troyes", 4),
    ("FR", "Bretagne", "Ille-et-Vilaine", "Rennes", 16),
    ("FR", "Bretagne", "Finistère", "Brest", 7),
    ("FR", "Bretagne", "Morbihan", "Lorient", 4),
    ("FR", "Bretagne", "Côtes-d'Armor", "Saint-Brieuc", 3),
    ("FR", "Pays de la Loire", "Loire-Atlantique", "Nantes", 20),
    ("FR", "Pays de la Loire", "Maine-et-Loire", "Angers", 8),
    ("FR", "Pays de la Loire", "Sarthe", "Le Mans", 6),
    ("FR", "Normandie", "Seine-Maritime", "Rouen", 12),
    ("FR", "Normandie", "Seine-Maritime", "Le Havre", 6),
    ("FR", "Normandie", "Calvados", "Caen", 9),
    ("FR", "Normandie", "Manche", "Cherbourg-en-Cotentin", 3),
    ("FR", "Centre-Val de Loire", "Indre-et-Loire", "Tours", 8),
    ("FR", "Centre-Val de Loire", "Loiret", "Orléans", 7),
    ("FR", "Centre-Val de Loire", "Cher", "Bourges", 3),
    ("FR", "Bourgogne-Franche-Comté", "Côte-d'Or", "Dijon", 8),
    ("FR", "Bourgogne-Franche-Comté", "Doubs", "Besançon", 8),
    ("FR", "Bourgogne-Franche-Comté", "Territoire de Belfort", "Belfort", 3),
    ("FR", "Corse", "Corse-du-Sud", "Ajaccio", 2),
    ("FR", "Corse", "Haute-Corse", "Bastia", 2),
    ("BE", "Région de Bruxelles-Capitale", "", "Bruxelles", 40),
    ("BE", "Région de Bruxelles-Capitale", "", "Schaerbeek", 8),
    ("BE", "Wallonie", "Liège", "Liège", 20),
    ("BE", "Wallonie", "Namur", "Namur", 10),
    ("BE", "Wallonie", "Hainaut", "Charleroi", 10),
    ("BE", "Wallonie", "Hainaut", "Mons", 6),
    ("BE", "Flandre", "Anvers", "Anvers", 8),
    ("BE", "Flandre", "Flandre-Orientale", "Gand", 6),
    ("NL", "Hollande-Septentrionale", "", "Amsterdam", 25),
    ("NL", "Hollande-Septentrionale", "", "Haarlem", 4),
    ("NL", "Hollande-Méridionale", "", "Rotterdam", 12),
    ("NL", "Hollande-Méridionale", "", "La Haye", 8),
    ("NL", "Utrecht", "", "Utrecht", 8),
    ("NL", "Gueldre", "", "Nimègue", 4),
]

# Titles: "<head> <topic>", "<head> <topic> à <city>", "<head> « <name> » <topic>",
# "<head> <invented name>" or a real title.
TITLE_HEADS = [
    "Accompagnement", "Atelier", "Programme", "Dispositif", "Projet", "Plateforme", "Parrainage",
    "Permanence", "Formation", "Cours", "Réseau", "Pôle", "Centre", "Maison", "Fonds", "Chantier",
    "Café", "Groupe de parole", "Guichet", "Mission", "Club", "Jardin partagé", "Festival",
    "Observatoire", "Collectif", "Séjour", "Opération", "Cellule", "Service", "Laboratoire",
]  # fmt: skip
TITLE_TOPICS = [
    "vers le logement", "d'accès à l'emploi", "d'apprentissage du français",
    "d'insertion professionnelle", "d'accès aux droits", "de français langue étrangère",
    "d'accès aux soins", "en santé mentale", "pour les mineurs non accompagnés",
    "pour les jeunes réfugiés", "de lien social", "pour les femmes réfugiées",
    "de soutien scolaire", "d'hébergement citoyen", "de parrainage citoyen", "pour les familles",
    "d'aide aux démarches administratives", "de formation des bénévoles", "de mobilité",
    "d'interprétariat", "de médiation culturelle", "sportif et culturel",
    "de préparation au permis de conduire", "d'accès à la formation", "d'accompagnement global",
    "de colocation solidaire", "d'accès à l'enseignement supérieur", "pour les demandeurs d'asile",
    "de sensibilisation du grand public", "d'écoute et d'orientation",
    "de reconnaissance des diplômes", "de création d'entreprise", "d'accueil de jour",
    "de scolarisation des enfants", "d'intermédiation locative", "d'éducation populaire",
    "de participation citoyenne", "en faveur des personnes LGBTQI", "de veille juridique",
    "d'accès au numérique",
]  # fmt: skip
PROJECT_NAMES = [
    "Passerelle", "Tremplin", "Horizon", "Boussole", "Elan", "Cap Avenir", "Duos de Demain",
    "Trait d'union", "Relais", "Escale", "Ricochet", "Sésame", "Babel", "Agora", "Envol",
    "Racines", "Ancrage", "Odyssée", "Cordée", "Phare", "Tandem", "Déclic", "Mosaïque",
    "Nouveaux Horizons", "Pas à Pas", "Main tendue", "Terre d'accueil", "Entre-Nous",
    "Kaléidoscope", "Vivre ensemble",
]  # fmt: skip
# Invented project names ("Kodiko", "Accelair"…): two or three of these syllables, the rare words
# of the catalogue.
SYLLABLES = [
    "ka", "lo", "mi", "ra", "tel", "vo", "zan", "bri", "co", "dé", "fa", "gi", "ja", "li", "mo",
    "na", "pé", "ri", "sa", "ti", "vi", "ar", "el", "in", "or", "us", "an", "ex", "im", "om",
    "ba", "do", "lu", "ne", "po", "sé", "to", "xa", "ya", "zo",
]  # fmt: skip
# Sentences "<subject> <verb> <object> <complement>."
SUBJECTS = [
    "Les bénévoles", "Les travailleurs sociaux", "Une équipe de salariés",
    "Les intervenants sociaux", "Les partenaires du projet", "Des étudiants",
    "Les habitants du quartier",
    "Une conseillère en insertion professionnelle", "Des interprètes professionnels",
    "Les familles d'accueil", "Un psychologue", "Les formateurs", "Des juristes bénévoles",
    "Les parrains et marraines", "Les médiateurs", "Une infirmière", "Les éducateurs",
    "Des entreprises locales", "Les services de la mairie", "Un collectif d'associations",
]  # fmt: skip
VERBS = [
    "accompagnent", "orientent", "reçoivent", "soutiennent", "forment", "conseillent",
    "rencontrent chaque semaine", "aident", "suivent individuellement", "mobilisent",
]  # fmt: skip
OBJECTS = [
    "les réfugiés statutaires", "les demandeurs d'asile", "les mineurs non accompagnés",
    "les femmes isolées", "les familles réinstallées", "les jeunes de 18 à 25 ans",
    "les personnes primo-arrivantes", "les bénéficiaires de la protection internationale",
    "les personnes sans papiers", "les ménages hébergés", "les étudiants exilés",
    "les personnes LGBTQI exilées",
]  # fmt: skip
COMPLEMENTS = [
    "dans leurs démarches administratives", "vers un logement autonome",
    "dans leur recherche d'emploi", "dans l'apprentissage du français",
    "pour l'ouverture de leurs droits sociaux", "vers les soins en santé mentale",
    "dans la scolarisation des enfants", "pour la reconnaissance de leurs diplômes",
    "dans la préparation du permis de conduire", "vers une formation qualifiante",
    "pour l'accès à la culture et au sport", "dans la création de leur entreprise",
    "pour leurs démarches auprès de la préfecture", "dans l'accès au numérique",
    "vers l'enseignement supérieur", "dans leur installation en zone rurale",
    "pour la réunification familiale", "dans leurs démarches auprès de la Caf",
    "pour l'ouverture d'un compte bancaire", "vers le bénévolat et la vie associative",
]  # fmt: skip
PLACE_SENTENCES = [
    "L'action se déroule à %s.", "Le dispositif est implanté à %s.",
    "Les ateliers ont lieu à %s et dans les communes voisines.",
    "Les permanences se tiennent à %s.", "Le projet est né à %s.",
]  # fmt: skip
# Generated organisations: (pattern, kind), the pattern filled with a city.
PILOT_PATTERNS = [
    ("Association d'accueil des réfugiés de %s", "association"),
    ("Centre communal d'action sociale de %s", "local-authority"),
    ("Mission locale de %s", "public-body"),
    ("Secours populaire de %s", "association"),
    ("Maison des solidarités de %s", "local-authority"),
    ("Collectif citoyen de %s", "network"),
    ("Réseau d'hébergement citoyen de %s", "network"),
    ("Centre social de %s", "association"),
    ("Ville de %s", "local-authority"),
    ("Croix-Rouge française, unité locale de %s", "association"),
    ("Association de solidarité avec les exilés de %s", "association"),
    ("Université de %s", "public-body"),
    ("Fondation pour l'insertion de %s", "foundation"),
    ("Entreprise d'insertion de %s", "company"),
]
PARTNER_PATTERNS = [
    ("Mairie de %s", "local-authority"),
    ("Caf de %s", "public-body"),
    ("Agence France Travail de %s", "public-body"),
    ("Bailleur social de %s", "company"),
    ("Lycée professionnel de %s", "public-body"),
    ("Club sportif de %s", "association"),
    ("Médiathèque de %s", "local-authority"),
    ("Théâtre de %s", "association"),
    ("Maison des jeunes et de la culture de %s", "association"),
    ("Banque alimentaire de %s", "association"),
    ("Groupe scout de %s", "association"),
    ("Paroisse de %s", "other"),
    ("Association des commerçants de %s", "association"),
    ("Centre hospitalier de %s", "public-body"),
    ("Restos du cœur de %s", "association"),
    ("Chambre des métiers de %s", "public-body"),
]
FIRST_NAMES = [
    "Claire", "Nadia", "Karim", "Sophie", "Mamadou", "Julie", "Thomas", "Fatima", "Pierre",
    "Amina", "Nicolas", "Léa", "Youssef", "Camille", "Ahmad", "Isabelle", "Olivier", "Mariam",
    "Lucas", "Hélène", "Samir", "Anne", "David", "Leïla", "Marc", "Aïcha", "Jean", "Sarah",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Diallo", "Haddad", "Laurent",
    "Simon", "Michel", "Benali", "Garcia", "David", "Bertrand", "Roux", "Traoré", "Vincent",
    "Fournier", "Morel", "Girard", "Nguyen", "Mercier", "Blanc", "Bonnet", "Rahimi",
]  # fmt: skip
CONTACT_ROLES = [
    "Chargée de projet", "Coordinateur", "Directrice", "Responsable du pôle insertion",
    "Travailleur social", "Chargé de mission", "Présidente", "Coordinatrice bénévole",
    "Conseiller en insertion professionnelle", "Responsable de l'hébergement",
]  # fmt: skip
STREETS = [
    "de la République", "Victor Hugo", "Jean Jaurès", "de la Gare", "Pasteur", "du Moulin",
    "des Écoles", "Gambetta", "de la Liberté", "Voltaire", "du Marché", "Émile Zola",
]  # fmt: skip
FUNDINGS = [
    "Fonds asile, migration et intégration (FAMI)", "État, crédits d'intégration des réfugiés",
    "Direction départementale de l'emploi, du travail et des solidarités",
    "Conseil départemental", "Conseil régional", "Fondations privées et dons",
    "Fonds social européen", "Ville et métropole", "Caisse d'allocations familiales",
]  # fmt: skip
STATUSES = {"ongoing": 45, "completed": 30, "unknown": 17, "planned": 8}
SCOPES = {
    "local": 50,
    "departmental": 20,
    "regional": 15,
    "national": 10,
    "cross-border": 3,
    "international": 2,
}
# Start years: a few before 2015, most from 2015 (the arrivals of 2015 and after) to 2025.
YEARS = dict(zip(range(2005, 2026), [1] * 10 + [3, 6, 9, 8, 7] * 2 + [4], strict=True))
EXTRA_SOURCES_PER = 5000  # one more (synthetic) source per this many initiatives

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«A-ZÀ-ÖØ-Ý0-9])")
# Some fixtures are bilingual: their Dutch sentences are left out.
DUTCH = re.compile(
    r"\b(het|een|zijn|voor|worden|zullen|wordt|ook|dit|deze|aan|van|bij|naar|heeft)\b"
)


def zipf(count: int | str, a: float) -> str:
    """SQL: a random rank from 1 to `count` (an SQL expression), rank r drawn with a probability
    about proportional to 1 / (r + a): the first ranks common, the long tail rare."""
    rank = f"1 + floor({a} * power(({count} + {a}) / {a}::float8, random()) - {a})::int"
    return f"least({count}, {rank})"


def uniform(count: int | str) -> str:
    """SQL: a random integer from 1 to `count`, all equally likely."""
    return f"(1 + floor(random() * ({count}))::int)"


def pick(array: str, a: float | None = None) -> str:
    """SQL: an element of `array`, Zipf-distributed over its order if `a`, else uniformly."""
    count = f"cardinality({array})"
    return f"{array}[{zipf(count, a) if a is not None else uniform(count)}]"


def weighted(weights: Mapping[Any, int]) -> list[Any]:
    """The keys of `weights`, each repeated as often as its weight: a uniform pick is weighted."""
    return [key for key, weight in weights.items() for _ in range(weight)]


def sentences(text: str) -> Iterator[str]:
    """The sentences of a fixture's text; list items become sentences of their own."""
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip().lstrip("-•*–— ").strip()
        for sentence in SENTENCE_END.split(paragraph):
            sentence = sentence.strip().rstrip(",;: ")
            if len(sentence) < 25 or DUTCH.search(sentence):
                continue
            if sentence[-1] not in ".!?…»)":
                sentence += "."
            yield sentence[0].upper() + sentence[1:]


def load_fixtures() -> dict[str, list[dict[str, Any]]]:
    records: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(FIXTURES.glob("*.json")):
        for record in json.loads(path.read_text()):
            records.setdefault(record["model"].removeprefix("initiatives."), []).append(record)
    return records


def by_use(rows: list[dict[str, Any]], counts: Counter[str]) -> list[dict[str, Any]]:
    """The fields of `rows` (records with a slug), most used first (by `counts` of slugs)."""
    rows = sorted(rows, key=lambda row: (-counts[row["fields"]["slug"]], row["fields"]["slug"]))
    return [row["fields"] for row in rows]


def corpus(seed: float, total: int) -> dict[str, Any]:
    """Every list the fill draws from, as SQL parameters."""
    records = load_fixtures()
    initiatives = [record["fields"] for record in records["initiative"]]
    shuffle = random.Random(seed).shuffle
    descriptions = list(
        dict.fromkeys(s for fields in initiatives for s in sentences(fields["description"]))
    )
    aims = list(dict.fromkeys(s for fields in initiatives for s in sentences(fields["aim"])))
    shuffle(descriptions)
    shuffle(aims)
    uses: Counter[str] = Counter()
    lead_uses: Counter[str] = Counter()
    partner_uses: Counter[str] = Counter()
    for fields in initiatives:
        uses.update(slug for (slug,) in fields["themes"])
        uses.update(slug for (slug,) in fields["publics"])
    partnerships = [record["fields"] for record in records["partnership"]]
    for fields in partnerships:
        (slug,) = fields["organisation"]
        uses[slug] += 1
        (lead_uses if fields["role"] == "lead" else partner_uses)[slug] += 1
    partnerships = [fields for fields in partnerships if fields["role"] != "lead"]
    organisations = by_use(records["organisation"], uses)
    leads, partners = organisation_counts(total)
    first = len(organisations) + 1
    lead_ids = role_ids(organisations, lead_uses, leads, first)
    partner_ids = role_ids(organisations, partner_uses, partners, max(first, lead_ids[-1] + 1))
    results = [record["fields"] for record in records["result"]]
    return {
        "descriptions": descriptions,
        "aims": aims,
        "titles": [fields["title"] for fields in initiatives],
        "heads": TITLE_HEADS,
        "topics": TITLE_TOPICS,
        "project_names": PROJECT_NAMES,
        "syllables": SYLLABLES,
        "subjects": SUBJECTS,
        "verbs": VERBS,
        "objects": OBJECTS,
        "complements": COMPLEMENTS,
        "place_sentences": PLACE_SENTENCES,
        "fundings": list(dict.fromkeys(f["funding"] for f in initiatives if f["funding"]))
        + FUNDINGS,
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "contact_roles": CONTACT_ROLES,
        "streets": STREETS,
        # On one line: bench/export.py counts the exported rows by their line ends.
        "result_texts": [" ".join(result["text"].split()) for result in results],
        "result_values": [result["value"] for result in results],
        "result_units": [result["unit"] for result in results],
        "result_measures": [" ".join(result["measure"].split()) for result in results],
        "roles": weighted(Counter(fields["role"] for fields in partnerships)),
        "levels": weighted(Counter(fields["level"] for fields in partnerships)),
        "statuses": weighted(STATUSES),
        "scopes": weighted(SCOPES),
        "years": weighted(YEARS),
        "places": weighted({index + 1: place[4] for index, place in enumerate(PLACES)}),
        "pilot_patterns": [pattern for pattern, _kind in PILOT_PATTERNS],
        "pilot_kinds": [kind for _pattern, kind in PILOT_PATTERNS],
        "partner_patterns": [pattern for pattern, _kind in PARTNER_PATTERNS],
        "partner_kinds": [kind for _pattern, kind in PARTNER_PATTERNS],
        # Vocabularies by display position; their ids (positions) most used first.
        "themes": json.dumps([record["fields"] for record in records["theme"]]),
        "publics": json.dumps([record["fields"] for record in records["targetpublic"]]),
        "theme_order": [row["position"] for row in by_use(records["theme"], uses)],
        "public_order": [row["position"] for row in by_use(records["targetpublic"], uses)],
        # JSON rows for jsonb_to_recordset, the organisations most used first; the ids of those
        # that lead and of those that partner, most used in that role first, then generated ones.
        "real_organisations": json.dumps(organisations),
        "lead_ids": lead_ids,
        "partner_ids": partner_ids,
        "sources": json.dumps([record["fields"] for record in records["source"]]),
        "acronyms": json.dumps([record["fields"] for record in records["acronym"]]),
        "place_rows": json.dumps(
            [
                dict(zip(("country", "region", "department", "city"), place[:4], strict=True))
                for place in PLACES
            ]
        ),
    }


def organisation_counts(total: int) -> tuple[int, int]:
    """(leads, partners) for `total` initiatives: a few thousand organisations that lead and
    several thousand partners at 100,000, never fewer than the real ones."""
    return max(23, min(4000, total // 25)), max(146, min(8000, total // 12))


def role_ids(
    organisations: list[dict[str, Any]], role_uses: Counter[str], count: int, first: int
) -> list[int]:
    """`count` ids of organisations in a role: the real `organisations` (numbered from 1 in their
    order) in it, most used in it first, then as many generated ones as needed, from `first`."""
    used = [number for number, fields in enumerate(organisations, 1) if role_uses[fields["slug"]]]
    used.sort(key=lambda number: -role_uses[organisations[number - 1]["slug"]])
    return used + list(range(first, first + max(0, count - len(used))))


# The real organisations first (most used first), then generated ones.
ORGANISATIONS_SQL = """
INSERT INTO initiatives_organisation (id, slug, name, acronym, kind, description, website,
                                      address, city, country)
SELECT n, o.slug, o.name, o.acronym, o.kind, o.description, o.website, o.address, o.city,
       o.country
FROM ROWS FROM (jsonb_to_recordset(w.real_organisations)
    AS (slug text, name text, acronym text, kind text, description text, website text,
        address text, city text, country text))
    WITH ORDINALITY AS o(slug, name, acronym, kind, description, website, address, city, country,
                         n)
"""
GENERATED_ORGANISATIONS_SQL = """
INSERT INTO initiatives_organisation (id, slug, name, acronym, kind, description, website,
                                      address, city, country)
SELECT n, pg_temp.bench_slug(name, n), name, '', kind, '', '', '', city, country
FROM (
    SELECT n, kind, city, country,
           CASE WHEN count(*) OVER same = 1 THEN name
                ELSE name || ' (' || row_number() OVER (same ORDER BY n) || ')' END AS name
    FROM (
        SELECT r.n, format(w.{role}_patterns[r.k], p.city) AS name, w.{role}_kinds[r.k] AS kind,
               p.city, p.country
        FROM (
            SELECT n, {kind} AS k, {place} AS place
            FROM generate_series((SELECT count(*) + 1 FROM initiatives_organisation),
                                 (SELECT count(*) FROM initiatives_organisation) + {count}) AS n
        ) AS r
        JOIN bench_places AS p ON p.id = r.place
    ) AS generated
    WINDOW same AS (PARTITION BY name)
) AS named
"""
SLUG_FUNCTION_SQL = """
CREATE FUNCTION pg_temp.bench_slug(title text, n bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT left(trim(both '-' from regexp_replace(lower(unaccent(title)), '[^a-z0-9]+', '-', 'g')),
                180) || '-' || n
$$
"""
VOCABULARY_SQL = """
INSERT INTO initiatives_{table} (id, slug, name, description, position)
SELECT position, slug, name, description, position
FROM jsonb_to_recordset(w.{column})
    AS t(slug text, name text, description text, position int)
"""
# The other themes of each initiative (its main theme is already among them), its publics.
LINKS_SQL = """
INSERT INTO initiatives_initiative_{table} (initiative_id, {column})
SELECT r.n, {choice}
FROM bench_rows AS r CROSS JOIN LATERAL generate_series({first}, r.{count}) AS k
ON CONFLICT DO NOTHING
"""
# Tables filled with explicit ids, whose identity sequences must then follow.
SEQUENCED = ["theme", "targetpublic", "source", "organisation", "initiative"]


def statements(total: int, seed: float) -> list[tuple[str, dict[str, Any] | None]]:
    """The fill, as (SQL, parameters or None) pairs, each one statement, run in order."""
    sources = 5 + total // EXTRA_SOURCES_PER
    words = corpus(seed, total)

    place = pick("w.places")
    organisations = [ORGANISATIONS_SQL]
    real = len(json.loads(words["real_organisations"]))
    # The generated organisations that lead, then those that partner, numbered after the real.
    for role, ids in (("pilot", words["lead_ids"]), ("partner", words["partner_ids"])):
        count = sum(1 for number in ids if number > real)
        kind = uniform(f"cardinality(w.{role}_patterns)")
        organisations.append(
            GENERATED_ORGANISATIONS_SQL.format(role=role, count=count, kind=kind, place=place)
        )
    links = [
        LINKS_SQL.format(
            table=table, column=column, choice=pick(order, a), first=first, count=count
        )
        for table, column, order, a, first, count in (
            ("themes", "theme_id", "w.theme_order", 3, 2, "theme_count"),
            ("publics", "targetpublic_id", "w.public_order", 2, 1, "public_count"),
        )
    ]
    sql = [
        ("SELECT setseed(%(seed)s)", {"seed": seed}),
        ("SET session_replication_role = replica", None),
        (SLUG_FUNCTION_SQL, None),
        (
            """
            CREATE TEMP TABLE bench_places AS
            SELECT n AS id, p.country, p.region, p.department, p.city
            FROM ROWS FROM (jsonb_to_recordset(w.place_rows)
                AS (country text, region text, department text, city text))
                WITH ORDINALITY AS p(country, region, department, city, n)
            """,
            None,
        ),
        (VOCABULARY_SQL.format(table="theme", column="themes"), None),
        (VOCABULARY_SQL.format(table="targetpublic", column="publics"), None),
        (
            """
            INSERT INTO initiatives_acronym (acronym, expansion)
            SELECT acronym, expansion
            FROM jsonb_to_recordset(w.acronyms)
                AS a(acronym text, expansion text)
            """,
            None,
        ),
        (
            """
            INSERT INTO initiatives_source (id, slug, title, publisher, published_on, url,
                                            language, description)
            SELECT n, slug, title, publisher, published_on, url, language, description
            FROM ROWS FROM (jsonb_to_recordset(w.sources)
                AS (slug text, title text, publisher text, published_on date, url text,
                    language text, description text))
                WITH ORDINALITY AS s(slug, title, publisher, published_on, url, language,
                                     description, n)
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_source (id, slug, title, publisher, published_on, url,
                                            language, description)
            SELECT n, 'recueil-' || n,
                   'Recueil d''initiatives locales pour l''accueil des réfugiés, volume ' || n,
                   'Réseau des acteurs de l''intégration', date '2016-01-01' + (n * 61)::int,
                   '', 'fr', 'Initiatives recensées par les acteurs de terrain.'
            FROM generate_series((SELECT count(*) + 1 FROM initiatives_source), {sources}) AS n
            """,
            None,
        ),
        *((statement, None) for statement in organisations),
        # One row of random choices per initiative, so that its columns and children agree.
        (
            f"""
            CREATE TEMP TABLE bench_rows AS
            SELECT n, {place} AS place,
                   {pick("w.lead_ids", 5)} AS pilot,
                   {pick("w.theme_order", 3)} AS main_theme,
                   {uniform(4)} AS theme_count,
                   {uniform(3)} AS public_count,
                   {uniform(7)} - 1 AS partner_count,
                   (ARRAY[0, 1, 1, 1, 2])[{uniform(5)}] AS contact_count,
                   {uniform(4)} - 1 AS result_count,
                   (ARRAY[1, 1, 1, 2])[{uniform(4)}] AS citation_count,
                   random() AS title_kind,
                   (ARRAY[1, 1, 1, 2])[{uniform(4)}] AS aim_length,
                   1 + {uniform(5)} AS description_length,
                   {uniform(3)} - 1 AS generated_length,
                   {pick("w.statuses")} AS status,
                   {pick("w.scopes")} AS scope,
                   CASE WHEN random() >= 0.1 THEN {pick("w.years")} END AS start_year,
                   CASE WHEN random() < 0.03 THEN {uniform(total)} END AS parent,
                   random() < 0.98 AS is_published,
                   now() - random() * interval '6 years' AS created_at
            FROM generate_series(1, {total}) AS n
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_initiative (
                id, slug, title, aim, description, main_theme_id, city, department,
                region, country, scope, start_year, end_year, status, funding, website, language,
                parent_id, is_published, created_at, updated_at, version)
            SELECT r.n, pg_temp.bench_slug(t.title, r.n), t.title, coalesce(a.aim, ''),
                   d.description, r.main_theme, p.city, p.department, p.region,
                   p.country, CASE WHEN p.city = '' THEN 'national' ELSE r.scope END,
                   r.start_year,
                   CASE WHEN r.status = 'completed' AND r.start_year IS NOT NULL
                        THEN least(2025, r.start_year + {uniform(5)} - 1) END,
                   r.status,
                   CASE WHEN random() < 0.6 THEN {pick("w.fundings", 2)} ELSE '' END,
                   CASE WHEN random() < 0.4
                        THEN 'https://www.example.org/' || r.n || '/' ELSE '' END,
                   CASE WHEN p.country = 'NL' AND random() < 0.5 THEN 'nl' ELSE 'fr' END,
                   CASE WHEN r.parent <> r.n THEN r.parent END,
                   r.is_published, r.created_at,
                   r.created_at + random() * (now() - r.created_at), 1
            FROM bench_rows AS r
            JOIN bench_places AS p ON p.id = r.place
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN r.title_kind < 0.45 THEN
                        {pick("w.heads", 3)} || ' ' || {pick("w.topics", 5)}
                    WHEN r.title_kind < 0.70 AND p.city <> '' THEN
                        {pick("w.heads", 3)} || ' ' || {pick("w.topics", 5)} || ' à ' || p.city
                    WHEN r.title_kind < 0.79 THEN
                        {pick("w.heads", 3)} || ' « ' || {pick("w.project_names", 3)} || ' » '
                        || {pick("w.topics", 5)}
                    WHEN r.title_kind < 0.88 THEN
                        {pick("w.heads", 3)} || ' ' || initcap({pick("w.syllables")}
                        || {pick("w.syllables")} || CASE WHEN random() < 0.5
                                                       THEN {pick("w.syllables")} ELSE '' END)
                    ELSE {pick("w.titles")}
                END AS title
            ) AS t
            CROSS JOIN LATERAL (
                SELECT string_agg({pick("w.aims", 3)}, ' ' ORDER BY k) AS aim
                FROM generate_series(1, r.aim_length) AS k
            ) AS a
            CROSS JOIN LATERAL (
                SELECT concat_ws(E'\\n\\n', drawn.text, made.text,
                       CASE WHEN p.city <> '' AND random() < 0.5
                            THEN format({pick("w.place_sentences")}, p.city) END) AS description
                FROM (
                    SELECT string_agg({pick("w.descriptions", 8)}, ' ' ORDER BY k) AS text
                    FROM generate_series(1, r.description_length) AS k
                ) AS drawn,
                (
                    SELECT string_agg(concat_ws(' ', {pick("w.subjects", 4)}, {pick("w.verbs", 3)},
                                                {pick("w.objects", 3)}, {pick("w.complements", 4)})
                                      || '.', ' ' ORDER BY k) AS text
                    FROM generate_series(1, r.generated_length) AS k
                ) AS made
            ) AS d
            """,
            None,
        ),
        (
            """
            INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
            SELECT n, main_theme FROM bench_rows
            """,
            None,
        ),
        *((statement, None) for statement in links),
        (
            """
            INSERT INTO initiatives_partnership (initiative_id, organisation_id, role, level,
                                                 note, position)
            SELECT n, pilot, 'lead', '', '', 0 FROM bench_rows
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_partnership (initiative_id, organisation_id, role, level,
                                                 note, position)
            SELECT r.n, {pick("w.partner_ids", 1.5)}, {pick("w.roles")}, {pick("w.levels")}, '', k
            FROM bench_rows AS r
            CROSS JOIN LATERAL generate_series(1, r.partner_count) AS k
            ON CONFLICT DO NOTHING
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_citation (initiative_id, source_id, location)
            SELECT r.n, {zipf(sources, 2)},
                   CASE WHEN random() < 0.7 THEN 'p. ' || {uniform(120)} ELSE '' END
            FROM bench_rows AS r CROSS JOIN LATERAL generate_series(1, r.citation_count) AS k
            ON CONFLICT DO NOTHING
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_initiative_related (from_initiative_id, to_initiative_id)
            SELECT both_ways.a, both_ways.b
            FROM (SELECT n AS a, {uniform(total)} AS b FROM bench_rows WHERE random() < 0.05)
                AS pairs,
            LATERAL (VALUES (pairs.a, pairs.b), (pairs.b, pairs.a)) AS both_ways(a, b)
            WHERE pairs.a <> pairs.b
            ON CONFLICT DO NOTHING
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_contact (initiative_id, position, name, role, organisation,
                                             email, phones, address, website, hide_personal_data)
            SELECT r.n, k, c.first || ' ' || c.last, {pick("w.contact_roles", 3)}, pi.name,
                   lower(unaccent(c.first || '.' || c.last)) || '@example.org',
                   CASE WHEN random() < 0.8
                        THEN ARRAY['0' || {uniform(5)} || ' ' || lpad({uniform(99)}::text, 2, '0')
                                   || ' ' || lpad({uniform(99)}::text, 2, '0') || ' '
                                   || lpad({uniform(99)}::text, 2, '0') || ' '
                                   || lpad({uniform(99)}::text, 2, '0')]
                        ELSE ARRAY[]::text[] END,
                   CASE WHEN p.city <> '' THEN {uniform(80)} || ', rue ' || {pick("w.streets")}
                                               || ', ' || p.city ELSE '' END,
                   '', random() < 0.1
            FROM bench_rows AS r
            JOIN initiatives_organisation AS pi ON pi.id = r.pilot
            JOIN bench_places AS p ON p.id = r.place
            CROSS JOIN LATERAL generate_series(1, r.contact_count) AS k
            CROSS JOIN LATERAL (
                SELECT {pick("w.first_names")} AS first, {pick("w.last_names")} AS last, k AS drawn
            ) AS c
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_result (initiative_id, position, text, value, unit, measure,
                                            as_of, as_of_precision, source_id)
            SELECT r.n, k, w.result_texts[c.i], w.result_values[c.i]::numeric,
                   w.result_units[c.i], w.result_measures[c.i],
                   date_trunc(c.precision, c.day)::date, coalesce(c.precision, ''),
                   CASE WHEN random() < 0.5 THEN {zipf(sources, 2)} END
            FROM bench_rows AS r
            CROSS JOIN LATERAL generate_series(1, r.result_count) AS k
            CROSS JOIN LATERAL (
                SELECT {uniform("cardinality(w.result_texts)")} AS i,
                       date '2015-01-01' + {uniform(3650)} AS day,
                       CASE WHEN random() < 0.5
                            THEN (ARRAY['day', 'month', 'year'])[{uniform(3)}] END AS precision,
                       k AS drawn
            ) AS c
            """,
            None,
        ),
        # Statistics first, so that the triggers' queries are planned for the rows there are.
        ("ANALYZE", None),
        ("SET session_replication_role = DEFAULT", None),
        # The triggers compute each search vector, and record its words, once.
        ("UPDATE initiatives_initiative SET search_vector = NULL", None),
        *(
            (
                f"SELECT setval(pg_get_serial_sequence('initiatives_{table}', 'id'), "
                f"(SELECT max(id) FROM initiatives_{table}))",
                None,
            )
            for table in SEQUENCED
        ),
        ("DROP TABLE bench_rows, bench_places", None),
    ]
    return [
        (statement, parameters) if parameters else bind(statement, words)
        for statement, parameters in sql
    ]


class Cursor(Protocol):
    """Django's cursor or psycopg's."""

    def execute(self, query: str, params: Any = None, /) -> Any: ...

    def fetchone(self) -> Any: ...


# A list the fill draws from, in its SQL: `w.<name>`.
WORD_LIST = re.compile(r"\bw\.(\w+)\b")


def sql_type(value: str | list[Any]) -> str:
    if isinstance(value, str):
        return "jsonb"
    return "int[]" if value and isinstance(value[0], int) else "text[]"


def bind(statement: str, words: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """`statement` with the lists it draws from as parameters, and these parameters (or None).

    Parameters are constants of the query: PostgreSQL reads an element of such an array in
    place, where it would decompress the whole array of a table's row at every access."""
    names = set(WORD_LIST.findall(statement))
    if not names:
        return statement, None
    statement = WORD_LIST.sub(lambda m: f"(%({m[1]})s::{sql_type(words[m[1]])})", statement)
    return statement, {name: words[name] for name in names}


def fill(cursor: Cursor, total: int, seed: float = 0.42) -> None:
    """Fill the freshly migrated, empty database of `cursor` with `total` initiatives."""
    cursor.execute("SELECT count(*) FROM initiatives_initiative")
    if cursor.fetchone()[0]:
        raise RuntimeError("the database already holds initiatives")
    for statement, parameters in statements(total, seed):
        cursor.execute(statement, parameters)
