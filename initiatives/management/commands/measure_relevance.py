"""Measures how well search finds what readers look for: each judged query of
bench/relevance/queries.toml searched as the list page searches it (InitiativeFilter, the
correction of a search that finds nothing, the ranking), then recall@10, mean reciprocal rank
and the share of queries answered whole (all their expected initiatives among the first ten),
overall and per language and kind of query."""

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.http import QueryDict

from initiatives.filters import InitiativeFilter
from initiatives.models import Initiative

QUERIES = Path(settings.BASE_DIR) / "bench" / "relevance" / "queries.toml"

# The results a reader looks at: the list page's first ten.
CUTOFF = 10


@dataclass
class Judged:
    text: str
    lang: str
    kind: str
    expected: list[str]


@dataclass
class Score:
    recall: float
    reciprocal_rank: float
    # 1 when every expected initiative (ten at most) is among the first ten; as a mean, the
    # share of queries so answered.
    answered: float = 0.0


def load_queries(path: Path = QUERIES) -> list[Judged]:
    with path.open("rb") as file:
        return [Judged(**query) for query in tomllib.load(file)["query"]]


def list_page_slugs(text: str, limit: int = CUTOFF) -> list[str]:
    """The slugs of the first `limit` initiatives the list page shows for the search `text`."""
    filterset = InitiativeFilter(
        QueryDict.fromkeys(["q"], value=text), queryset=Initiative.objects.published()
    )
    if not filterset.is_valid():
        return []
    if filterset.search is not None:
        # As the list does (ListCache.correct), without its cache.
        filterset.search.apply(filterset.search.correction(filterset.queryset))
    return list(filterset.qs.values_list("slug", flat=True)[:limit])


def score(judged: Judged, found: list[str]) -> Score:
    """recall@10 (the expected initiatives among the first ten, out of at most ten), the
    reciprocal rank of the first expected one (0 if none is among the first ten), and whether
    the query is answered whole (recall 1)."""
    expected = set(judged.expected)
    top = found[:CUTOFF]
    recall = len(expected.intersection(top)) / min(len(expected), CUTOFF)
    ranks = [rank for rank, slug in enumerate(top, start=1) if slug in expected]
    return Score(recall, 1 / ranks[0] if ranks else 0.0, float(recall == 1))


def groups(judged: Judged) -> tuple[str, str, str]:
    """The groups a query counts in: "all", its "lang:…" and its "kind:…"."""
    return ("all", f"lang:{judged.lang}", f"kind:{judged.kind}")


def measure(queries: list[Judged], found: dict[str, list[str]] | None = None) -> dict[str, Score]:
    """{group: mean score} (see groups()); `found` holds the slugs the list page shows for each
    query's text, if already searched."""
    by_group: dict[str, list[Score]] = defaultdict(list)
    for judged in queries:
        slugs = found[judged.text] if found is not None else list_page_slugs(judged.text)
        result = score(judged, slugs)
        for group in groups(judged):
            by_group[group].append(result)
    return {
        group: Score(
            sum(s.recall for s in scores) / len(scores),
            sum(s.reciprocal_rank for s in scores) / len(scores),
            sum(s.answered for s in scores) / len(scores),
        )
        for group, scores in by_group.items()
    }


class Command(BaseCommand):
    help = (
        "Prints recall@10, mean reciprocal rank and the share of queries answered whole by "
        "search over the judged queries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queries", type=Path, default=QUERIES, help="the judged queries")
        parser.add_argument(
            "--misses", action="store_true", help="also list each query missing an initiative"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queries = load_queries(options["queries"])
        # Each query searched once, for its misses and its score.
        found = {judged.text: list_page_slugs(judged.text) for judged in queries}
        if options["misses"]:
            for judged in queries:
                missing = [slug for slug in judged.expected if slug not in found[judged.text]]
                if missing:
                    self.stdout.write(f"{judged.text!r}: missing {', '.join(missing)}")
        scores = measure(queries, found)
        self.stdout.write(f"{'queries':<22} {'n':>3}  recall@10     MRR  answered")
        counts: dict[str, int] = defaultdict(int)
        for judged in queries:
            for group in groups(judged):
                counts[group] += 1
        for group in sorted(scores, key=lambda name: (name != "all", name)):
            figures = scores[group]
            self.stdout.write(
                f"{group:<22} {counts[group]:>3}  {figures.recall:9.3f}  "
                f"{figures.reciprocal_rank:6.3f}  {figures.answered:8.3f}"
            )
