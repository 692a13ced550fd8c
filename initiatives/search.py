"""Search: the text search configuration, the queries a reader types, the correction of unknown
words, and the highlighting of the words found.

A search is typed in web-search syntax ("phrase", -word, or), matched in French without case or
accents, with the field's acronyms expanded both ways (« CPH » finds « centre provisoire
d'hébergement » and the reverse) and the readers' words of the thesaurus (« housing » finds
« logement »). When it finds nothing, its unknown words are replaced by the closest words of the
catalogue, if only that finds something, never a word the catalogue knows; failing that, a search
of several words falls back to those that find something. `verbatim` searches it as typed.

Building a `Search` or an `ExpandedQuery` does no database work. The steps that read the database
are explicit calls: `expand()` and `expand_all()` (one query), `corrections()` (one query),
`Search.query()` (the expansion, once per text) and `Search.correction()` (the queries a
correction needs, a fixed number).
`InitiativeQuerySet.search()` and `.highlighted()` are the entry points the views use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from django.apps import apps
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Value, When
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from .models import InitiativeQuerySet

# A copy of PostgreSQL's `french` configuration that removes accents first (migration 0003).
SEARCH_CONFIG = "french_unaccent"

# Private-use characters around highlighted words: the text is escaped, then they become <mark>.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"

# The words of a search worth correcting when they match nothing: not operators, not short words.
WORD = re.compile(r"(?<![-\w])\w{4,}")

# Each text as a tsquery, each acronym of the field or-ed with its expansion and the reverse, and
# each reader's word of the thesaurus with the catalogue's terms (and the reverse, both ways).
# Phrases first: once a word is rewritten, a phrase holding it would no longer match; then in a
# fixed order, so that the same rules always give the same query. An entry both ways makes its
# words and terms equivalent: each finds them all. Entries of the same words make one rule.
#
# ts_rewrite() applies its rules one after the other to what the earlier ones produced, so a
# substitute holding another rule's target would be rewritten again (« bénévoles » lost itself
# that way). Hence two passes: each target becomes a placeholder of its rule's number, then each
# placeholder its substitute, which no later rule reads.
ALL_TERMS = "array_to_string(entry.terms, ' or ')"
REWRITE_RULES = f"""
    SELECT row_number() OVER (ORDER BY numnode(target) DESC, target::text) AS number,
           target,
           string_agg(substitute::text, ' | ' ORDER BY substitute::text)::tsquery AS substitute
    FROM (
        SELECT plainto_tsquery('{SEARCH_CONFIG}', acronym) AS target,
               plainto_tsquery('{SEARCH_CONFIG}', acronym)
               || plainto_tsquery('{SEARCH_CONFIG}', expansion) AS substitute
        FROM initiatives_acronym
        UNION ALL
        SELECT plainto_tsquery('{SEARCH_CONFIG}', expansion),
               plainto_tsquery('{SEARCH_CONFIG}', expansion)
               || plainto_tsquery('{SEARCH_CONFIG}', acronym)
        FROM initiatives_acronym
        UNION ALL
        SELECT websearch_to_tsquery('{SEARCH_CONFIG}', entry.words),
               websearch_to_tsquery('{SEARCH_CONFIG}', entry.words || ' or ' || {ALL_TERMS})
        FROM initiatives_thesaurusentry AS entry
        UNION ALL
        SELECT websearch_to_tsquery('{SEARCH_CONFIG}', term),
               websearch_to_tsquery(
                   '{SEARCH_CONFIG}', term || ' or ' || entry.words || ' or ' || {ALL_TERMS}
               )
        FROM initiatives_thesaurusentry AS entry, unnest(entry.terms) AS term
        WHERE entry.both_ways
    ) AS rules
    WHERE numnode(target) > 0
    GROUP BY target
"""
PLACEHOLDER = "('zzrewriterule' || number)::tsquery"
RULES = f"({REWRITE_RULES}) AS rules"


def reading(configuration: str) -> str:
    return f"websearch_to_tsquery('{configuration}', typed.text)"


# Texts in Dutch or English are also indexed with their language's stemming (migration 0021), so
# a search is also read in those languages: or-ed, unless it excludes words (-word), which the
# other readings could let through. Each reading once: none that an earlier one already gives.
OTHER_LANGUAGES = (
    f"coalesce(nullif({reading('dutch_unaccent')}, {reading(SEARCH_CONFIG)}), ''::tsquery)"
    f" || coalesce(nullif(nullif({reading('english_unaccent')}, {reading(SEARCH_CONFIG)}),"
    f" {reading('dutch_unaccent')}), ''::tsquery)"
)
EXCLUSION = r"(^|\s)-\w"
# A typed word naming a single commune also finds the initiatives acting in its whole département
# (search_communes_departments(), migration 0021).
EXPAND_QUERIES_SQL = f"""
SELECT (
    search_communes_departments(
        ts_rewrite(
            ts_rewrite(
                readings.french,
                $rules$ SELECT target, {PLACEHOLDER} FROM {RULES} ORDER BY number $rules$
            ),
            $rules$ SELECT {PLACEHOLDER}, substitute FROM {RULES} ORDER BY number $rules$
        ),
        typed.text
    )
    || readings.others
)::text,
    (readings.french || readings.others)::text
FROM unnest(%s::text[]) WITH ORDINALITY AS typed(text, position),
    LATERAL (
        SELECT {reading(SEARCH_CONFIG)} AS french,
               CASE WHEN typed.text ~ '{EXCLUSION}' THEN ''::tsquery ELSE {OTHER_LANGUAGES} END
               AS others
    ) AS readings
ORDER BY typed.position
"""

# The words the catalogue knows besides those of its initiatives' texts (SearchWord): its
# acronyms, its thesaurus, its organisations' names and its themes' and publics' names; and the
# names of the places of its reference (every commune, département, region and country), looked
# up through their index (migration 0018). A typed word among them is never corrected.
KNOWN_TEXTS_SQL = """
SELECT concat_ws(' ', acronym, expansion) FROM initiatives_acronym
UNION ALL SELECT concat_ws(' ', words, array_to_string(terms, ' ')) FROM initiatives_thesaurusentry
UNION ALL SELECT concat_ws(' ', name, acronym) FROM initiatives_organisation
UNION ALL SELECT concat_ws(' ', name, name_en) FROM initiatives_theme
UNION ALL SELECT concat_ws(' ', name, name_en) FROM initiatives_targetpublic
"""

# For each typed word the catalogue does not know, the most similar known word (trigrams), if
# similar enough: a correction replaces a typo, not a word with another.
CORRECTIONS_SQL = """
WITH known_elsewhere(word) AS (
    SELECT DISTINCT word
    FROM ({known}) AS texts(text),
         regexp_split_to_table(unaccent(lower(texts.text)), '[^[:alnum:]]+') AS word
)
SELECT typed.word, (
    SELECT known.word FROM {table} AS known
    WHERE known.word %% typed.bare AND similarity(known.word, typed.bare) >= %s
    ORDER BY similarity(known.word, typed.bare) DESC, known.word
    LIMIT 1
)
FROM unnest(%s::text[]) AS typed_words(word),
     LATERAL (SELECT typed_words.word, unaccent(lower(typed_words.word)) AS bare) AS typed
WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE word = typed.bare)
  AND NOT EXISTS (SELECT 1 FROM known_elsewhere WHERE word = typed.bare)
  AND NOT EXISTS (
      SELECT 1 FROM initiatives_place
      WHERE to_tsvector('simple_unaccent'::regconfig, name)
            @@ plainto_tsquery('simple_unaccent'::regconfig, typed.word)
  )
"""

# How similar (trigrams, 0 to 1) a known word must be to replace a typed one.
SIMILARITY = 0.5

# Web-search syntax: a search holding any of these is corrected word by word, never shortened.
OPERATORS = re.compile(r'"|(?<![\w])-|\bor\b', re.IGNORECASE)


# Between an expanded query and its typed words in its key (no tsquery's text holds a newline).
TYPED_SEPARATOR = "\n"


class ExpandedQuery(SearchQuery):
    """A tsquery already expanded (see `expand`), used as a constant; with `typed`, the words
    as typed, without the acronyms and thesaurus terms the expansion added (a tsquery too, if
    it differs), which rank first among equals (`relevance`).

    `ts_rewrite()` reading the acronym table is volatile: computed inside the page's query, it
    would run once per row. So it runs once, in a query of its own, and its result is cast here."""

    def __init__(self, tsquery: str, typed: str | None = None) -> None:
        super().__init__(tsquery, search_type="raw", config=SEARCH_CONFIG)
        self.tsquery = tsquery
        self.typed = typed if typed and typed != tsquery else None

    @property
    def key(self) -> str:
        """The text naming this query, its expansion and its typed words (from_key() reads it
        back): what its ranking (initiatives.ranking) is kept under."""
        if self.typed is None:
            return self.tsquery
        return f"{self.tsquery}{TYPED_SEPARATOR}{self.typed}"

    @classmethod
    def from_key(cls, key: str) -> ExpandedQuery:
        tsquery, _separator, typed = key.partition(TYPED_SEPARATOR)
        return cls(tsquery, typed or None)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list]:
        # The expanded query is a tsquery already: cast it, do not parse it again.
        return "%s::tsquery", [self.tsquery]


def expand(text: str) -> ExpandedQuery:
    """`text` in web-search syntax as a French tsquery with the field's acronyms and the readers'
    thesaurus expanded (one query)."""
    (query,) = expand_all([text])
    return query


def expand_all(texts: list[str]) -> list[ExpandedQuery]:
    """Each of `texts` expanded as `expand` does, in one query."""
    if not texts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(EXPAND_QUERIES_SQL, [texts])
        return [ExpandedQuery(tsquery, typed) for tsquery, typed in cursor.fetchall()]


def corrections(words: Iterable[str]) -> dict[str, str]:
    """{word: the closest known word} for each of `words` the catalogue does not know (neither in
    its initiatives' texts nor as an acronym, a thesaurus entry, an organisation or a place) and
    a word of its texts closely resembles (trigram similarity), compared without case or
    accents (one query)."""
    words = list(words)
    if not words:
        return {}
    table = apps.get_model("initiatives", "SearchWord")._meta.db_table
    sql = CORRECTIONS_SQL.format(table=connection.ops.quote_name(table), known=KNOWN_TEXTS_SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, [SIMILARITY, words])
        return {typed: known for typed, known in cursor.fetchall() if known}


class Correction(NamedTuple):
    """What a search looks for: the text searched, and the typed words left out because they
    find nothing (a search of several words falls back to the others)."""

    searched: str
    dropped: tuple[str, ...] = ()


class Search:
    """What a reader typed, and the text searched: the same, or corrected (`corrected`), or
    without the words that find nothing (`dropped`); as typed if `verbatim`.

    Each text's expanded query is computed once, however many times the list and its facets
    filter by it."""

    def __init__(self, typed: str, searched: str | None = None, verbatim: bool = False) -> None:
        self.typed = typed.strip()
        self.searched = searched or self.typed
        self.dropped: tuple[str, ...] = ()
        self.verbatim = verbatim
        self._queries: dict[str, ExpandedQuery] = {}

    def __repr__(self) -> str:
        return f"<Search {self.typed!r} → {self.searched!r}>"

    @property
    def corrected(self) -> str | None:
        """The text searched instead of the typed one, if any."""
        return self.searched if self.searched != self.typed else None

    @property
    def words(self) -> list[str]:
        """The typed words worth searching alone (not operators, not short words)."""
        words = WORD.findall(self.typed)
        return list(dict.fromkeys(word for word in words if word.lower() != "or"))

    def apply(self, correction: Correction) -> None:
        self.searched, self.dropped = correction.searched, correction.dropped

    def query(self, text: str | None = None) -> ExpandedQuery:
        """The expanded query of `text` (by default the text searched): one query the first time."""
        text = self.searched if text is None else text
        if text not in self._queries:
            self._queries[text] = expand(text)
        return self._queries[text]

    def finds(self, initiatives: InitiativeQuerySet, text: str) -> bool:
        """Whether `text` finds any of `initiatives` (an InitiativeQuerySet)."""
        return initiatives.search(self.query(text)).exists()

    def correction(self, initiatives: InitiativeQuerySet) -> Correction:
        """What to search among `initiatives`: the typed text if it finds anything; else the
        same with its unknown words replaced by the closest known words, if that finds
        something; else, for words without operators, the words that find something alone, if
        together they find something; else the typed text."""
        if self.finds(initiatives, self.typed):
            return Correction(self.typed)
        closest = corrections(self.words)
        corrected = WORD.sub(lambda match: closest.get(match[0], match[0]), self.typed)
        if closest and self.finds(initiatives, corrected):
            return Correction(corrected)
        words = WORD.findall(corrected)
        if len(words) < 2 or OPERATORS.search(self.typed):
            return Correction(self.typed)
        finding = dict(zip(words, self.finding_alone(initiatives, words), strict=True))
        dropped = tuple(word for word, finds in finding.items() if not finds)
        if not dropped or len(dropped) == len(finding):
            return Correction(self.typed)
        kept = " ".join(word for word in corrected.split() if finding.get(word, True))
        if not self.finds(initiatives, kept):
            return Correction(self.typed)
        typed_words = dict(zip(words, WORD.findall(self.typed), strict=True))
        return Correction(kept, tuple(typed_words[word] for word in dropped))

    def finding_alone(self, initiatives: InitiativeQuerySet, words: list[str]) -> list[bool]:
        """Whether each of `words`, searched alone, finds any of `initiatives` (two queries)."""
        counts = initiatives.search_counts(expand_all(words))
        return [count > 0 for count in counts]


def as_query(search: Search | SearchQuery | str) -> SearchQuery:
    """The query to filter by: a text is expanded (one query), a Search gives its own."""
    if isinstance(search, str):
        return expand(search)
    if isinstance(search, Search):
        return search.query()
    return search


class VectorWeights(Func):
    """ts_filter(): the lexemes of a search vector with the given weights."""

    function = "ts_filter"
    output_field = SearchVectorField()


# A lexeme in PostgreSQL's text of a tsquery ('it''s'), with its prefix mark and weights if any.
TSQUERY_LEXEME = re.compile(r"('(?:[^']|'')*')(?::(\*?)[A-D]*)?")


def in_headings(tsquery: str) -> str:
    """`tsquery` (PostgreSQL's text of one) matching the same words, in a search vector's
    headings only (weight A: title, themes, places)."""
    return TSQUERY_LEXEME.sub(r"\1:\2A", tsquery)


def relevance(query: SearchQuery) -> Case:
    """How well an initiative's search vector matches `query`, to order by: those whose title,
    themes or places match (weight A) first; among them, and among the others, those holding
    the words as typed before those found only by an acronym's expansion or a thesaurus term
    the search added; each then by the words' weights and frequency (ts_rank) and closeness
    (ts_rank_cd, cover density), each scaled to [0, 1)."""
    vector = F("search_vector")
    words = (
        SearchRank(vector, query, normalization=Value(32))
        + SearchRank(vector, query, cover_density=True, normalization=Value(32))
    ) / 2
    if isinstance(query, ExpandedQuery):
        if query.typed is not None:
            as_typed = SearchVectorExact(vector, ExpandedQuery(query.typed))
            words = (words + Case(When(as_typed, then=1.0), default=0.0)) / 2
        # The vector as it is, matched by the query's words in weight A: ts_filter() would copy
        # each match's vector first (a third of the cost of ranking a common word).
        heading = SearchVectorExact(vector, ExpandedQuery(in_headings(query.tsquery)))
    else:
        heading = SearchVectorExact(VectorWeights(vector, Value(["a"])), query)
    return Case(When(heading, then=words + 1.0), default=words, output_field=FloatField())


def headline(field: str, query: SearchQuery, **options: Any) -> SearchHeadline:
    """`field`'s text with the words matching `query` between the HIGHLIGHT marks."""
    return SearchHeadline(
        field,
        query,
        config=SEARCH_CONFIG,
        **options,
        start_sel=HIGHLIGHT_START,
        stop_sel=HIGHLIGHT_STOP,
    )


def highlight(text: object) -> SafeString:
    """A headline as HTML: escaped, then its marked words wrapped in <mark>."""
    escaped = conditional_escape(str(text or "").replace(HIGHLIGHT_START + HIGHLIGHT_STOP, ""))
    return mark_safe(escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>"))
