"""Link checks: each website and email domain the catalogue shows, checked (HTTP with a
timeout, redirects followed; a DNS lookup for an email's domain) with bounded concurrency, and
recorded as a LinkCheck with the initiatives that show it. `check_links` runs it; the admin
shows the broken ones. Nothing public reads the results."""

import http.client
import socket
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Contact, Initiative, LinkCheck, LinkKind, Organisation, Partnership

# A server that answers these refuses robots (or asks to sign in), but is there: not broken.
REACHABLE_STATUSES = {401, 403, 405, 429}
USER_AGENT = "catalogue-initiatives-link-check/1.0"

# Replaced in tests, which never reach the internet.
resolve: Callable[..., Any] = socket.getaddrinfo


@dataclass(frozen=True)
class Outcome:
    ok: bool | None
    status: int | None = None
    detail: str = ""
    final_url: str = ""


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def targets() -> dict[tuple[str, str], set[int]]:
    """{(kind, target): ids of the initiatives showing it} for every website and email domain
    of initiatives, their contacts and their organisations (an organisation's counts for each
    initiative it has a role in; one with none is checked all the same)."""
    found: dict[tuple[str, str], set[int]] = defaultdict(set)

    def add(kind: str, value: str, initiative_ids: Iterable[int]) -> None:
        value = email_domain(value) if kind == LinkKind.EMAIL else value.strip()
        if value:
            found[(kind, value)].update(initiative_ids)

    for pk, website in Initiative.objects.exclude(website="").values_list("pk", "website"):
        add(LinkKind.WEB, website, [pk])
    for initiative, website, email in Contact.objects.values_list("initiative", "website", "email"):
        add(LinkKind.WEB, website, [initiative])
        add(LinkKind.EMAIL, email, [initiative])
    roles: dict[int, set[int]] = defaultdict(set)
    for organisation, initiative in Partnership.objects.values_list("organisation", "initiative"):
        roles[organisation].add(initiative)
    for pk, website, email in Organisation.objects.values_list("pk", "website", "email"):
        add(LinkKind.WEB, website, roles[pk])
        add(LinkKind.EMAIL, email, roles[pk])
    return found


def check_url(url: str, timeout: float) -> Outcome:
    """GET `url` (redirects followed, `timeout` seconds for each network step); the body is not
    read."""
    if not url.lower().startswith(("http://", "https://")):
        return Outcome(None, detail="adresse non vérifiable (ni http ni https)")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Outcome(True, response.status, "", response.geturl())
    except urllib.error.HTTPError as error:
        ok = error.code in REACHABLE_STATUSES
        return Outcome(ok, error.code, str(error.reason)[:300], error.geturl() or "")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return Outcome(False, detail="délai dépassé")
        return Outcome(False, detail=str(reason)[:300])
    except TimeoutError:
        return Outcome(False, detail="délai dépassé")
    except (http.client.HTTPException, OSError, ValueError) as error:
        return Outcome(False, detail=f"{type(error).__name__}: {error}"[:300])


def check_domain(domain: str) -> Outcome:
    """Whether `domain` exists in the DNS: unknown is broken; known without an address (mail
    only, by MX) is fine; a temporary failure is left undecided."""
    try:
        resolve(domain, None)
    except socket.gaierror as error:
        if error.errno == socket.EAI_NONAME:
            return Outcome(False, detail="domaine inconnu")
        if error.errno == getattr(socket, "EAI_NODATA", None):
            return Outcome(True, detail="domaine sans adresse (courriel seulement)")
        return Outcome(None, detail=str(error)[:300])
    except UnicodeError as error:
        return Outcome(False, detail=str(error)[:300])
    return Outcome(True)


def check(kind: str, target: str, timeout: float) -> Outcome:
    return check_url(target, timeout) if kind == LinkKind.WEB else check_domain(target)


def check_all(timeout: float = 10, workers: int = 8) -> list[LinkCheck]:
    """Checks every target, `workers` at a time, and records each; forgets targets no longer
    shown. Returns the checks recorded."""
    found = targets()
    keys = sorted(found)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(lambda key: check(key[0], key[1], timeout), keys))
    now = timezone.now()
    recorded = []
    with transaction.atomic():
        existing = {(link.kind, link.target): link for link in LinkCheck.objects.all()}
        for key, outcome in zip(keys, outcomes, strict=True):
            link = existing.pop(key, None) or LinkCheck(kind=key[0], target=key[1])
            link.ok, link.status, link.detail = outcome.ok, outcome.status, outcome.detail
            link.final_url, link.checked_at = outcome.final_url[:1000], now
            link.save()
            link.initiatives.set(found[key])
            recorded.append(link)
        LinkCheck.objects.filter(pk__in=[link.pk for link in existing.values()]).delete()
    return recorded
