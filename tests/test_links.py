"""check_links against a local HTTP server (and a DNS that knows one domain): never the
internet."""

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from initiatives import links as link_checks
from initiatives.caching import revision
from initiatives.models import LinkCheck, LinkKind

from .factories import make_contact, make_initiative, make_organisation
from .pages import page_text

pytestmark = pytest.mark.django_db


class Handler(BaseHTTPRequestHandler):
    """/ok answers 200, /moved redirects to /ok, /forbidden 403, /slow answers too late, any
    other path 404."""

    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/slow":
            time.sleep(1)
            self.send_response(200)
        else:
            self.send_response({"/ok": 200, "/forbidden": 403}.get(self.path, 404))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A local web server's address, for the module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DNS that knows example.org, and mail.example.net without an address (mail only)."""

    def resolve(host: str, port: object) -> list:
        if host == "example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 0))]
        if host == "mail.example.net":
            raise socket.gaierror(socket.EAI_NODATA, "No address associated with hostname")
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(link_checks, "resolve", resolve)


def run(*args: str) -> str:
    out = StringIO()
    call_command("check_links", "--timeout", "0.5", *args, stdout=out)
    return out.getvalue()


def test_it_reports_a_dead_website_and_an_unknown_email_domain(site):
    alive = make_initiative("Vivante", website=f"{site}/ok")
    dead = make_initiative("Disparue", website=f"{site}/gone")
    make_contact(alive, website=f"{site}/moved", email="claire@example.org")
    make_contact(dead, email="contact@association-disparue.example")
    make_initiative("Son porteur", leads=[make_organisation(website=f"{site}/forbidden")])
    before = revision(None)

    output = run()

    assert f"cassé 404 : {site}/gone" in output
    assert "cassé : association-disparue.example — domaine inconnu" in output
    assert "6 liens vérifiés : 2 cassés, 0 indécis." in output
    checks = {check.target: check for check in LinkCheck.objects.all()}
    assert checks[f"{site}/moved"].ok and checks[f"{site}/moved"].final_url == f"{site}/ok"
    assert checks[f"{site}/forbidden"].ok and checks[f"{site}/forbidden"].status == 403
    assert checks["example.org"].kind == LinkKind.EMAIL and checks["example.org"].ok
    assert list(checks[f"{site}/gone"].initiatives.all()) == [dead]
    assert {check.checked_at for check in checks.values()} == {checks["example.org"].checked_at}
    # Editors' data: nothing public reads it, the cached pages stay.
    assert revision(None) == before


def test_it_gives_up_on_a_slow_site_and_knows_mail_only_domains(site):
    make_contact(make_initiative(website=f"{site}/slow"), email="a@mail.example.net")
    started = time.monotonic()
    with pytest.raises(CommandError):
        run("--strict")
    assert time.monotonic() - started < 1
    slow = LinkCheck.objects.get(target=f"{site}/slow")
    assert (slow.ok, slow.detail) == (False, "délai dépassé")
    assert LinkCheck.objects.get(target="mail.example.net").ok


def test_it_forgets_what_is_no_longer_shown_and_updates_what_changed(site):
    initiative = make_initiative(website=f"{site}/gone")
    run()
    initiative.website = f"{site}/ok"
    initiative.save()
    run()
    assert list(LinkCheck.objects.values_list("target", "ok")) == [(f"{site}/ok", True)]


def test_the_admin_shows_broken_links_and_the_initiatives_showing_them(admin_client, site):
    dead = make_initiative("Disparue", website=f"{site}/gone")
    make_initiative("Vivante", website=f"{site}/ok")
    run()
    broken = admin_client.get(reverse("admin:initiatives_linkcheck_changelist") + "?ok__exact=0")
    text = page_text(broken)
    assert f"{site}/gone" in text and "Disparue" in text and f"{site}/ok" not in text
    index = page_text(admin_client.get(reverse("admin:index")))
    assert "Fiches avec un lien cassé 1" in index
    listed = admin_client.get(
        reverse("admin:initiatives_initiative_changelist") + "?review=broken_links"
    )
    assert "Disparue" in page_text(listed) and "Vivante" not in page_text(listed)
    assert dead.link_checks.get().status == 404
