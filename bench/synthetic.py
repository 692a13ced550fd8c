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
other partnerships, 0–2 contacts, 0–3 results (real ones drawn whole: achieved, targets and
context, qualified figures and ranges in the real proportions) and 1–2 sources; 2 % are
unpublished. They act in one to three places of the reference the migrations load (communes,
départements, regions, countries), by their scope: mostly in France, some in Belgium and the
Netherlands, a few across the Belgian border.

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

# (code, name, weight): the communes most initiatives are based in, from the reference
# (initiatives/geodata, the Place table migration 0017 fills). The others (TAIL_SHARE) are based
# in any other French commune GeoNames lists (the larger ones, about 8,000): in all, about 85 %
# of the initiatives are in France, 10 % in Belgium and 5 % in the Netherlands.
HOMES = [
    ("75056", "Paris", 90),
    ("93066", "Saint-Denis", 25),
    ("93048", "Montreuil", 15),
    ("94028", "Créteil", 15),
    ("94041", "Ivry-sur-Seine", 8),
    ("92050", "Nanterre", 10),
    ("78646", "Versailles", 6),
    ("91228", "Évry-Courcouronnes", 6),
    ("95127", "Cergy", 6),
    ("77288", "Melun", 5),
    ("69123", "Lyon", 45),
    ("69266", "Villeurbanne", 12),
    ("38185", "Grenoble", 18),
    ("42218", "Saint-Étienne", 10),
    ("63113", "Clermont-Ferrand", 9),
    ("74010", "Annecy", 5),
    ("73065", "Chambéry", 4),
    ("26362", "Valence", 5),
    ("13055", "Marseille", 40),
    ("06088", "Nice", 12),
    ("83137", "Toulon", 7),
    ("84007", "Avignon", 6),
    ("05023", "Briançon", 5),
    ("05061", "Gap", 3),
    ("31555", "Toulouse", 25),
    ("34172", "Montpellier", 18),
    ("30189", "Nîmes", 6),
    ("66136", "Perpignan", 6),
    ("33063", "Bordeaux", 25),
    ("87085", "Limoges", 7),
    ("86194", "Poitiers", 7),
    ("64445", "Pau", 5),
    ("64102", "Bayonne", 5),
    ("19272", "Tulle", 3),
    ("59350", "Lille", 30),
    ("59512", "Roubaix", 8),
    ("59271", "Grande-Synthe", 6),
    ("62193", "Calais", 12),
    ("80021", "Amiens", 7),
    ("60057", "Beauvais", 4),
    ("67482", "Strasbourg", 22),
    ("57463", "Metz", 9),
    ("54395", "Nancy", 9),
    ("51454", "Reims", 6),
    ("68224", "Mulhouse", 6),
    ("10387", "Troyes", 4),
    ("35238", "Rennes", 16),
    ("29019", "Brest", 7),
    ("56121", "Lorient", 4),
    ("22278", "Saint-Brieuc", 3),
    ("44109", "Nantes", 20),
    ("49007", "Angers", 8),
    ("72181", "Le Mans", 6),
    ("76540", "Rouen", 12),
    ("76351", "Le Havre", 6),
    ("14118", "Caen", 9),
    ("50129", "Cherbourg-en-Cotentin", 3),
    ("37261", "Tours", 8),
    ("45234", "Orléans", 7),
    ("18033", "Bourges", 3),
    ("21231", "Dijon", 8),
    ("25056", "Besançon", 8),
    ("90010", "Belfort", 3),
    ("2A004", "Ajaccio", 2),
    ("2B033", "Bastia", 2),
    ("BE-BRU-BRU-brussels", "Brussels", 40),
    ("BE-BRU-BRU-schaerbeek", "Schaerbeek", 8),
    ("BE-WAL-WLG-liege", "Liège", 20),
    ("BE-WAL-WNA-namur", "Namur", 10),
    ("BE-WAL-WHT-charleroi", "Charleroi", 10),
    ("BE-WAL-WHT-mons", "Mons", 6),
    ("BE-VLG-VAN-antwerp", "Antwerp", 8),
    ("BE-VLG-VOV-gent", "Gent", 6),
    ("NL-07-0363-amsterdam", "Amsterdam", 25),
    ("NL-07-0392-haarlem", "Haarlem", 4),
    ("NL-11-0599-rotterdam", "Rotterdam", 12),
    ("NL-11-0518-the-hague", "The Hague", 8),
    ("NL-09-0344-utrecht", "Utrecht", 8),
    ("NL-03-0268-nijmegen", "Nijmegen", 4),
]
TAIL_SHARE = 0.25
# Cross-border initiatives are based on either side of the Belgian border and act on the other
# side too: in Wallonia or Flanders from France, in the Nord or the Ardennes from Belgium.
BORDER_HOMES = ["59350", "59512", "59271", "BE-WAL-WHT-mons", "BE-WAL-WHT-charleroi"]
BELGIAN_REGIONS = {"BE-WAL": 2, "BE-VLG": 1}
FRENCH_BORDER_DEPARTMENTS = {"59": 2, "08": 1}
# How many communes around a local initiative's own it also acts in (its département's, or
# abroad its region's): a local initiative has one to three places.
EXTRA_COMMUNES = {0: 75, 1: 17, 2: 8}

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
        # Real results drawn whole, so that their nature (achieved, target, context), qualifier
        # (« plus de »…) and range agree with their text, in the real proportions.
        "result_texts": [" ".join(result["text"].split()) for result in results],
        "result_natures": [result.get("nature", "achieved") for result in results],
        "result_qualifiers": [result.get("qualifier", "") for result in results],
        "result_values": [result["value"] for result in results],
        "result_value_maxes": [result.get("value_max") for result in results],
        "result_units": [result["unit"] for result in results],
        "result_measures": [" ".join(result["measure"].split()) for result in results],
        "result_languages": [result.get("text_language", "") for result in results],
        "result_translations": [
            " ".join(result.get("text_translation", "").split()) for result in results
        ],
        "precisions": weighted(Counter(result["as_of_precision"] for result in results)),
        "roles": weighted(Counter(fields["role"] for fields in partnerships)),
        "levels": weighted(Counter(fields["level"] for fields in partnerships)),
        "statuses": weighted(STATUSES),
        "scopes": weighted(SCOPES),
        "years": weighted(YEARS),
        # Homes by number: HOMES from 1, then the other French communes.
        "places": weighted({number: weight for number, (*_, weight) in enumerate(HOMES, 1)}),
        "home_codes": [code for code, _name, _weight in HOMES],
        "home_names": [name for _code, name, _weight in HOMES],
        "border_homes": [[code for code, *_ in HOMES].index(code) + 1 for code in BORDER_HOMES],
        "belgian_regions": weighted(BELGIAN_REGIONS),
        "border_departments": weighted(FRENCH_BORDER_DEPARTMENTS),
        "extra_communes": weighted(EXTRA_COMMUNES),
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
                                      address, city, country, email, phones)
SELECT n, o.slug, o.name, o.acronym, o.kind, o.description, o.website, o.address, o.city,
       o.country, coalesce(o.email, ''), coalesce(o.phones, '{}')
FROM ROWS FROM (jsonb_to_recordset(w.real_organisations)
    AS (slug text, name text, acronym text, kind text, description text, website text,
        address text, city text, country text, email text, phones text[]))
    WITH ORDINALITY AS o(slug, name, acronym, kind, description, website, address, city, country,
                         email, phones, n)
"""
GENERATED_ORGANISATIONS_SQL = """
INSERT INTO initiatives_organisation (id, slug, name, acronym, kind, description, website,
                                      address, city, country, email, phones)
SELECT n, pg_temp.bench_slug(name, n), name, '', kind, '', '', '', city, country, '', '{{}}'
FROM (
    SELECT n, kind, city, country,
           CASE WHEN count(*) OVER same = 1 THEN name
                ELSE name || ' (' || row_number() OVER (same ORDER BY n) || ')' END AS name
    FROM (
        SELECT r.n, format(w.{role}_patterns[r.k], h.name) AS name, w.{role}_kinds[r.k] AS kind,
               h.name AS city, h.country
        FROM (
            SELECT n, {kind} AS k, {home} AS home
            FROM generate_series((SELECT count(*) + 1 FROM initiatives_organisation),
                                 (SELECT count(*) FROM initiatives_organisation) + {count}) AS n
        ) AS r
        JOIN bench_homes AS h ON h.id = r.home
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
INSERT INTO initiatives_{table} (id, slug, name, name_en, description, position)
SELECT position, slug, name, coalesce(name_en, ''), description, position
FROM jsonb_to_recordset(w.{column})
    AS t(slug text, name text, name_en text, description text, position int)
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
# The places an initiative acts in, one to three, by its scope: a local one in its home commune
# and, for some, communes around; a departmental one in its home's département (abroad, region),
# some in another of the region or in the home commune too; a regional one in its region, some in
# the home commune too; a national one in its country; a cross-border one in its home commune and
# across the Belgian border (in a Belgian region from France, in a French border département from
# Belgium), some in its own département or region too; an international one in its country and
# one or two others.
INITIATIVE_PLACES_SQL = """
INSERT INTO initiatives_initiativeplace (initiative_id, place_id, position)
SELECT n, place_id, row_number() OVER (PARTITION BY n ORDER BY k) - 1
FROM (
    SELECT DISTINCT ON (r.n, chosen.place_id) r.n, chosen.k, chosen.place_id
    FROM bench_rows AS r
    JOIN bench_homes AS h ON h.id = r.home
    LEFT JOIN initiatives_place AS department
        ON department.kind = 'department' AND department.code = h.department_code
    LEFT JOIN initiatives_place AS region
        ON region.kind = 'region' AND region.code = h.region_code
    LEFT JOIN initiatives_place AS country
        ON country.kind = 'country' AND country.code = h.country
    LEFT JOIN bench_communes AS around_1
        ON around_1.area = h.area AND around_1.k = 1 + floor(r.place_a * h.area_communes)
    LEFT JOIN bench_communes AS around_2
        ON around_2.area = h.area AND around_2.k = 1 + floor(r.place_b * h.area_communes)
    LEFT JOIN bench_departments AS other_department
        ON other_department.region_code = h.region_code
       AND other_department.k = 1 + floor(r.place_a * h.region_departments)
    LEFT JOIN initiatives_place AS across
        ON across.kind = CASE WHEN h.country = 'FR' THEN 'region' ELSE 'department' END
       AND across.code = CASE WHEN h.country = 'FR'
                              THEN w.belgian_regions[1 + floor(r.place_a
                                                       * cardinality(w.belgian_regions))::int]
                              ELSE w.border_departments[1 + floor(r.place_a
                                                       * cardinality(w.border_departments))::int]
                         END
    LEFT JOIN initiatives_place AS other_country
        ON other_country.kind = 'country'
       AND other_country.code = (array_remove(ARRAY['FR', 'BE', 'NL'], h.country))
                                [1 + floor(r.place_a * 2)::int]
    LEFT JOIN initiatives_place AS third_country
        ON third_country.kind = 'country'
       AND third_country.code = (array_remove(ARRAY['FR', 'BE', 'NL'], h.country))
                                [2 - floor(r.place_a * 2)::int]
    CROSS JOIN LATERAL (VALUES
        (1, CASE r.scope
                WHEN 'local' THEN h.place_id
                WHEN 'departmental' THEN coalesce(department.id, region.id)
                WHEN 'regional' THEN region.id
                WHEN 'cross-border' THEN h.place_id
                ELSE country.id
            END),
        (2, CASE r.scope
                WHEN 'local' THEN CASE WHEN r.extra_communes >= 1 THEN around_1.place_id END
                WHEN 'departmental' THEN CASE WHEN r.place_b < 0.25 AND department.id IS NOT NULL
                                              THEN other_department.place_id END
                WHEN 'regional' THEN CASE WHEN r.place_b < 0.2 THEN h.place_id END
                WHEN 'cross-border' THEN across.id
                WHEN 'international' THEN other_country.id
            END),
        (3, CASE r.scope
                WHEN 'local' THEN CASE WHEN r.extra_communes >= 2 THEN around_2.place_id END
                WHEN 'departmental' THEN CASE WHEN r.place_c < 0.2 THEN h.place_id END
                WHEN 'cross-border' THEN CASE WHEN r.place_c < 0.3
                                              THEN coalesce(department.id, region.id) END
                WHEN 'international' THEN CASE WHEN r.place_c < 0.3 THEN third_country.id END
            END)
    ) AS chosen(k, place_id)
    WHERE chosen.place_id IS NOT NULL
    ORDER BY r.n, chosen.place_id, chosen.k
) AS distinct_places
"""
# Where initiatives are based (`home`), numbered: HOMES from 1, in their order, then every other
# French commune GeoNames lists, by code. A home's `area` is its département (abroad, its region),
# whose communes around it are drawn from bench_communes.
HOMES_SQL = """
CREATE TEMP TABLE bench_homes AS
SELECT homes.id, p.id AS place_id, p.name, p.country, p.department_code, p.region_code,
       homes_area.area,
       (SELECT count(*) FROM bench_communes AS c WHERE c.area = homes_area.area) AS area_communes,
       (SELECT count(*) FROM bench_departments AS d WHERE d.region_code = p.region_code)
           AS region_departments
FROM (
    SELECT n AS id, h.code FROM unnest(w.home_codes) WITH ORDINALITY AS h(code, n)
    UNION ALL
    SELECT cardinality(w.home_codes) + row_number() OVER (ORDER BY code), code
    FROM initiatives_place
    WHERE kind = 'commune' AND country = 'FR' AND latitude IS NOT NULL
      AND code <> ALL (w.home_codes)
) AS homes
JOIN initiatives_place AS p ON p.kind = 'commune' AND p.code = homes.code
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.country = 'FR' THEN p.department_code ELSE p.region_code END AS area
) AS homes_area
"""


def statements(total: int, seed: float) -> list[tuple[str, dict[str, Any] | None]]:
    """The fill, as (SQL, parameters or None) pairs, each one statement, run in order."""
    sources = 5 + total // EXTRA_SOURCES_PER
    words = corpus(seed, total)

    tail = "(SELECT count(*) FROM bench_homes) - cardinality(w.home_codes)"
    home = (
        f"CASE WHEN random() < {TAIL_SHARE} THEN cardinality(w.home_codes) + {uniform(tail)} "
        f"ELSE {pick('w.places')} END"
    )
    organisations = [ORGANISATIONS_SQL]
    real = len(json.loads(words["real_organisations"]))
    # The generated organisations that lead, then those that partner, numbered after the real.
    for role, ids in (("pilot", words["lead_ids"]), ("partner", words["partner_ids"])):
        count = sum(1 for number in ids if number > real)
        kind = uniform(f"cardinality(w.{role}_patterns)")
        organisations.append(
            GENERATED_ORGANISATIONS_SQL.format(role=role, count=count, kind=kind, home=home)
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
        # The communes of each area (a French département, a foreign region) and the
        # départements of each region, numbered from 1 within it, to draw from by number.
        (
            """
            CREATE TEMP TABLE bench_communes AS
            SELECT id AS place_id, area, row_number() OVER (PARTITION BY area ORDER BY code) AS k
            FROM initiatives_place,
                 LATERAL (SELECT CASE WHEN country = 'FR' THEN department_code
                                      ELSE region_code END AS area) AS a
            WHERE kind = 'commune'
            """,
            None,
        ),
        ("CREATE INDEX ON bench_communes (area, k)", None),
        (
            """
            CREATE TEMP TABLE bench_departments AS
            SELECT id AS place_id, region_code,
                   row_number() OVER (PARTITION BY region_code ORDER BY code) AS k
            FROM initiatives_place WHERE kind = 'department'
            """,
            None,
        ),
        (HOMES_SQL, None),
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
            SELECT n, scope,
                   CASE WHEN scope = 'cross-border' THEN {pick("w.border_homes")}
                        ELSE {home} END AS home,
                   {pick("w.extra_communes")} AS extra_communes,
                   random() AS place_a, random() AS place_b, random() AS place_c,
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
                   CASE WHEN random() >= 0.1 THEN {pick("w.years")} END AS start_year,
                   CASE WHEN random() < 0.03 THEN {uniform(total)} END AS parent,
                   random() < 0.98 AS is_published,
                   now() - random() * interval '6 years' AS created_at
            -- The scope first: where an initiative is based and acts depends on it.
            FROM (SELECT n, {pick("w.scopes")} AS scope FROM generate_series(1, {total}) AS n)
                AS scoped
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_initiative (
                id, slug, title, aim, description, main_theme_id, scope, start_year, end_year,
                status, funding, website, language, parent_id, is_published, created_at,
                updated_at, version, aim_translation, description_translation,
                funding_translation)
            SELECT r.n, pg_temp.bench_slug(t.title, r.n), t.title, coalesce(a.aim, ''),
                   d.description, r.main_theme, r.scope, r.start_year,
                   CASE WHEN r.status = 'completed' AND r.start_year IS NOT NULL
                        THEN least(2025, r.start_year + {uniform(5)} - 1) END,
                   r.status,
                   CASE WHEN random() < 0.6 THEN {pick("w.fundings", 2)} ELSE '' END,
                   CASE WHEN random() < 0.4
                        THEN 'https://www.example.org/' || r.n || '/' ELSE '' END,
                   CASE WHEN h.country = 'NL' AND random() < 0.5 THEN 'nl' ELSE 'fr' END,
                   CASE WHEN r.parent <> r.n THEN r.parent END,
                   r.is_published, r.created_at,
                   r.created_at + random() * (now() - r.created_at), 1, '', '', ''
            FROM bench_rows AS r
            JOIN bench_homes AS h ON h.id = r.home
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN r.title_kind < 0.45 THEN
                        {pick("w.heads", 3)} || ' ' || {pick("w.topics", 5)}
                    WHEN r.title_kind < 0.70 AND r.scope = 'local' THEN
                        {pick("w.heads", 3)} || ' ' || {pick("w.topics", 5)} || ' à ' || h.name
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
                       CASE WHEN r.scope NOT IN ('national', 'international') AND random() < 0.5
                            THEN format({pick("w.place_sentences")}, h.name) END) AS description
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
        (INITIATIVE_PLACES_SQL, None),
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
            INSERT INTO initiatives_citation (initiative_id, source_id, location, staff_note,
                                              title_assigned)
            SELECT r.n, {zipf(sources, 2)},
                   CASE WHEN random() < 0.7 THEN 'p. ' || {uniform(120)} ELSE '' END, '', false
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
                   {uniform(80)} || ', rue ' || {pick("w.streets")} || ', ' || h.name,
                   '', random() < 0.1
            FROM bench_rows AS r
            JOIN initiatives_organisation AS pi ON pi.id = r.pilot
            JOIN bench_homes AS h ON h.id = r.home
            CROSS JOIN LATERAL generate_series(1, r.contact_count) AS k
            CROSS JOIN LATERAL (
                SELECT {pick("w.first_names")} AS first, {pick("w.last_names")} AS last, k AS drawn
            ) AS c
            """,
            None,
        ),
        (
            f"""
            INSERT INTO initiatives_result (initiative_id, position, nature, text,
                                            text_translation, text_language, qualifier, value,
                                            value_max, unit, measure, as_of, as_of_precision,
                                            source_id)
            SELECT r.n, k, w.result_natures[c.i], w.result_texts[c.i],
                   w.result_translations[c.i], w.result_languages[c.i],
                   w.result_qualifiers[c.i], w.result_values[c.i]::numeric,
                   w.result_value_maxes[c.i]::numeric, w.result_units[c.i],
                   w.result_measures[c.i], date_trunc(c.precision, c.day)::date,
                   coalesce(c.precision, ''),
                   CASE WHEN random() < 0.5 THEN {zipf(sources, 2)} END
            FROM bench_rows AS r
            CROSS JOIN LATERAL generate_series(1, r.result_count) AS k
            CROSS JOIN LATERAL (
                SELECT {uniform("cardinality(w.result_texts)")} AS i,
                       date '2015-01-01' + {uniform(3650)} AS day,
                       nullif({pick("w.precisions")}, '') AS precision,
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
        ("DROP TABLE bench_rows, bench_homes, bench_communes, bench_departments", None),
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
    cursor.execute(
        "SELECT count(*) FROM initiatives_place WHERE kind = 'commune' AND (code, name) IN "
        "(SELECT * FROM unnest(%s::text[], %s::text[]))",
        [[code for code, *_ in HOMES], [name for _code, name, _weight in HOMES]],
    )
    if cursor.fetchone()[0] != len(HOMES):
        raise RuntimeError("some HOMES are not communes of the places' reference, so named")
    for statement, parameters in statements(total, seed):
        cursor.execute(statement, parameters)
