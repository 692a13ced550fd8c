"""Settings for the catalogue, read from the environment with safe local defaults.

Every variable is listed, with its default and meaning, in `.env.example`. With DEBUG off,
SECRET_KEY must be set. A `.env` file in the project folder (written by the set-up scripts for
local runs) fills in variables the environment does not set. DJANGO_ENV=production turns on
HTTPS-only defaults (redirect, secure cookies, HSTS) that `manage.py check --deploy` expects;
each can still be set on its own. A value that does not parse (DEBUG=maybe) is refused.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from environs import Env

from catalogue.headers import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()
env.read_env(BASE_DIR / ".env", recurse=False)

DJANGO_ENV = env.str("DJANGO_ENV", "development").strip().lower() or "development"
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV is 'production'.")

SECRET_KEY = env.str("SECRET_KEY", "").strip()
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a real secret when DEBUG is off, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SECRET_KEY = SECRET_KEY or "django-insecure-local-development-key-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"], subcast=str.strip)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [], subcast=str.strip)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "csp",
    "django_filters",
    "django_countries",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "initiatives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Early, so that redirects and errors answered by the middleware below carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before anything reads the Host header: a load balancer probes by the node's address.
    "catalogue.middleware.HealthCheckMiddleware",
    # Before anything that may answer, so that every answer of the API carries its headers.
    "corsheaders.middleware.CorsMiddleware",
    # Early, so that a database outage anywhere below answers 503 rather than 500.
    "catalogue.middleware.DatabaseUnavailableMiddleware",
    # Before the session and everything below, which a page kept in the cache does not need; after
    # CORS, whose headers the open data's pages carry.
    "catalogue.middleware.CachedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "catalogue.locale.AddressLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "catalogue.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "catalogue.wsgi.application"

# Persistent connections are checked before reuse, so the site recovers by itself once
# PostgreSQL is back after an outage or a restart.
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        "postgres:///catalogue",
        conn_max_age=env.int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Fail fast when the server is unreachable: the visitor gets the 503 page, not a hung request.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", 5)
)
# No statement runs longer (0: no limit, for a long one-off command); and a request whose
# queries have not answered 2 seconds after it (a paused server enforces no timeout) gets
# its connections cut and a 503 (catalogue.middleware.Watchdog).
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", 10)
# PostgreSQL's JIT compiler spent seconds compiling the larger list queries (the map, `near`)
# at 100,000 initiatives, for queries that then run in milliseconds: off for the site.
SERVER_OPTIONS = ["-c jit=off"]
if DATABASE_STATEMENT_TIMEOUT > 0:
    SERVER_OPTIONS.append(f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}")
DATABASES["default"]["OPTIONS"].setdefault("options", " ".join(SERVER_OPTIONS))
DATABASE_REQUEST_TIMEOUT = (DATABASE_STATEMENT_TIMEOUT or 60) + 2

# A streaming replica for the public pages' reads (catalogue.routers); the primary for the rest.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.dj_db_url(
        "DATABASE_REPLICA_URL",
        conn_max_age=env.int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", DATABASES["default"]["OPTIONS"]["connect_timeout"]
    )
    DATABASES["replica"]["OPTIONS"].setdefault("options", " ".join(SERVER_OPTIONS))
    # Tests use the primary's test database through this alias too.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["catalogue.routers.ReplicaRouter"]
    # After the outage middleware, before anything reads: says which reads may go to the replica.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("catalogue.middleware.DatabaseUnavailableMiddleware") + 1,
        "catalogue.routers.ReplicaMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Whole pages and figures, cached per catalogue revision (initiatives.caching). By default in
# files every worker process of this machine shares: no cache server to run. With several
# machines, CACHE_URL names a Redis server they share (redis://host:6379/0, rediss://…, or
# unix:///run/redis/redis.sock); nothing stale is read after a change either way.
def redis_caches(url: str) -> dict[str, dict[str, Any]]:
    """CACHES for the Redis server at `url`."""
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"CACHE_URL must be a Redis address: {url!r}")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis server gone answers at once rather than hanging every request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


CACHE_URL = env.str("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL:
    CACHES = redis_caches(CACHE_URL)
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.path("CACHE_DIR", BASE_DIR / ".cache"),
            "OPTIONS": {"MAX_ENTRIES": env.int("CACHE_MAX_ENTRIES", 20_000)},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Static files get the pages' Content-Security-Policy and X-Frame-Options too.
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers

# The site's public address (https://catalogue.example.org): files that name its pages (the
# exports' url column) use it rather than the Host header each request came with, and so do the
# emails of commands, which have no request (review_due). Empty: the request's own address, and
# http://localhost:8000 for commands.
SITE_URL = env.str("SITE_URL", "").strip().rstrip("/")
_site = urlsplit(SITE_URL)
if SITE_URL and (_site.scheme not in ("http", "https") or not _site.netloc or _site.path):
    raise ImproperlyConfigured(f"SITE_URL must be an http(s) address with no path: {SITE_URL!r}")

ADMIN_URL = env.str("ADMIN_URL", "admin/").strip("/") + "/"
# Where a sign-in goes when its `next` is missing or points elsewhere than this site.
LOGIN_REDIRECT_URL = "admin:index"

# Behind a reverse proxy that terminates TLS, it says so with this header. (gunicorn already
# trusts X-Forwarded-Proto from FORWARDED_ALLOW_IPS; this is for other set-ups.)
if env.bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", PRODUCTION)
# A load balancer probes the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie (forms carry the token) nor the language one.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# A year in production (at least six months are needed for the HTTP Observatory's top grade).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The map's tiles: an XYZ tile server's address ({z}/{x}/{y}) and the credit it requires.
MAP_TILES_URL = env.str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env.str(
    "MAP_TILES_ATTRIBUTION", "© les contributeurs d'OpenStreetMap (openstreetmap.org/copyright)"
)
_tiles = urlsplit(MAP_TILES_URL)
if _tiles.scheme not in ("http", "https") or not _tiles.netloc:
    raise ImproperlyConfigured(f"MAP_TILES_URL must be an http(s) address: {MAP_TILES_URL!r}")

# Content-Security-Policy, enforced: the templates hold no inline script or style, and the
# admin's scripts and styles are files of its own origin; images may come from the map's tile
# server too, and from no other host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # A tile server on several subdomains ({s}.tile…) is allowed on each of them.
        "img-src": ["'self'", "data:", f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    },
}

# Staff sign-in and editing (django-axes, django-simple-history; see the README).
# Failed sign-ins are counted per username and client address; past the limit, that pair is
# locked out for the cool-off time. Past AXES_ADDRESS_FAILURE_LIMIT failures from one address,
# whatever the usernames tried, the address is locked out for every username.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = max(env.int("AXES_ADDRESS_FAILURE_LIMIT", 20), AXES_FAILURE_LIMIT)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = "initiatives.login.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
# No start-up banner on stdout, where management commands write their output.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "initiatives.login.lockout"
# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed: from them, the
# client's address is the nearest one they did not add themselves; from any other connection
# (none listed: from every one), the connection's address, the header ignored.
try:
    TRUSTED_PROXIES = [
        ipaddress.ip_network(entry, strict=False)
        for entry in env.list("TRUSTED_PROXIES", [], subcast=str.strip)
        if entry
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error
AXES_CLIENT_IP_CALLABLE = "initiatives.login.client_ip"

# Email: Django's console backend (messages written to standard output) unless EMAIL_HOST names an
# SMTP server; EMAIL_BACKEND chooses any other (the file backend writes to EMAIL_FILE_PATH).
EMAIL_HOST = env.str("EMAIL_HOST", "")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", BASE_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "catalogue@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Readers' suggestions: who is emailed each one (default: every active editor with an email),
# and how many one client address may send in a period (seconds) before getting a 429.
SUGGESTION_EMAILS = env.list("SUGGESTION_EMAILS", [], subcast=str.strip)
SUGGESTION_RATE_LIMIT = env.int("SUGGESTION_RATE_LIMIT", 5)
SUGGESTION_RATE_PERIOD = env.int("SUGGESTION_RATE_PERIOD", 3600)

# The JSON API (initiatives.api): anonymous and read-only, JSON only, throttled per client
# address (the one TRUSTED_PROXIES lets through); `format` is the exports' parameter, not a choice
# of renderer.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", "120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["initiatives.api.throttling.ClientAddressThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Catalogue des initiatives pour l'accueil et l'intégration des personnes réfugiées",
    "DESCRIPTION": (
        "Read-only API of the catalogue. `/api/v1/initiatives/` takes the list's query "
        "parameters and gives its initiatives in its order, 20 a page. Data under Licence "
        "Ouverte 2.0 (Etalab)."
    ),
    "VERSION": "1",
    "LICENSE": {
        "name": "Licence Ouverte 2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    # Initiatives, sources and results share the catalogue's languages.
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": "initiatives.models.Language"},
}
# Other sites' scripts may read the API and the open data, not the rest of the site.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/(api/v1|open-data)/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_traceback": {"()": "catalogue.logs.WithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
        "console_without_traceback": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["without_traceback"],
        },
    },
    "loggers": {
        # A request for another host (a scanner, a probe) is one line, not a traceback.
        "django.security.DisallowedHost": {
            "handlers": ["console_without_traceback"],
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
}
