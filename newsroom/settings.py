"""Newsroom settings, read from environment variables.

Every variable is listed in docs/configuration.md. Development defaults apply only while
DEBUG is on; with DEBUG off a missing secret stops the process at start-up.

One module on purpose (../shared/STYLE.md: one settings module driven by the environment), hence
longer than the ~450 lines other modules keep to: splitting it would scatter what an operator reads.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
# Previous keys, comma-separated, still accepted for signatures while they expire (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Absolute URL of the public site, used in emails, feeds and share links.
if not DEBUG and not env("SITE_URL"):
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off (e.g. https://www.example.org).")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Newsroom — L’actualité de l’Asie centrale")

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "taggit",
    "django_ckeditor_5",
    "reversion",
    # Before django-tasks-db: its `db_worker` (waits out database restarts) replaces the package's.
    "newsroom.workers",
    "newsroom.apps.TasksConfig",
    "anymail",
    "axes",
    "articles",
    "newsletter",
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "articles.middleware.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After the CSP middleware, so it picks the admin policy before that one writes the header.
    "newsroom.security.SecurityHeadersMiddleware",
    # Last: login throttling (django-axes) sees the authenticated request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# SQLite file under var/ unless DATABASE_URL says otherwise (postgres://user@host:port/name).
VAR_DIR = Path(env("VAR_DIR", BASE_DIR / "var"))
if not DEBUG and not env("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off (postgres://user:password@host:5432/name; "
        "sqlite:///path/to/file.sqlite3 only for a single-process site)."
    )
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
on_postgresql = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def set_server_option(name, value):
    """A PostgreSQL setting every connection of the site starts with (libpq's `options`)."""
    options = DATABASES["default"].setdefault("OPTIONS", {}).get("options", "")
    DATABASES["default"]["OPTIONS"]["options"] = f"{options} -c {name}={value}".strip()


if on_postgresql and env_bool("DATABASE_SERVER_SIDE_BINDING", True):
    # Parameters sent apart from the SQL, and psycopg prepares what a connection runs a sixth time
    # (Django alone never prepares: it leaves prepare_threshold unset), so PostgreSQL can stop planning
    # it. Every statement is still planned for its parameters (force_custom_plan) unless the request
    # builds a public page, whose queries are checked safe on PostgreSQL's generic plans
    # (articles/plans.py). Pays only on persistent connections (CONN_MAX_AGE > 0). Turn it off
    # (DATABASE_SERVER_SIDE_BINDING=0) behind a pooler in transaction mode that cannot carry prepared
    # statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    set_server_option("plan_cache_mode", "force_custom_plan")
if on_postgresql and not env_bool("DATABASE_JIT", False):
    # No JIT compilation: the site's queries run in a millisecond or less, and PostgreSQL compiles
    # any whose estimated cost passes jit_above_cost — at a million stories the home page's query on
    # its generic plan, 19 ms compiling for 0.2 ms of work. DATABASE_JIT=1 leaves the server's choice.
    set_server_option("jit", "off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Even `manage.py check` opens the database (JSONField's check), so a fresh clone needs the folder.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and a task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is shared by every process (web workers, db_worker, manage.py commands), so a purge made
# anywhere reaches every page: Redis when REDIS_URL is set, else a file cache under VAR_DIR (one machine).
if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "newsroom"),
            # A Redis that hangs must not hang the readers: pages are built uncached instead.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "articles.filecache.FileCache",
            "LOCATION": env("CACHE_DIR", str(VAR_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000)},
        }
    }
# Public pages (docs/site.md, « Caching »): seconds a page stays fresh in the server cache, in a CDN
# (s-maxage) and in browsers (max-age); seconds a purged or expired copy may still be served while one
# process rebuilds it (also stale-while-revalidate); seconds a CDN may serve a copy while the site is down.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
PAGE_CDN_SECONDS = env_int("PAGE_CDN_SECONDS", PAGE_CACHE_SECONDS)
PAGE_BROWSER_SECONDS = env_int("PAGE_BROWSER_SECONDS", 30)
PAGE_STALE_SECONDS = env_int("PAGE_STALE_SECONDS", 10)
PAGE_STALE_IF_ERROR_SECONDS = env_int("PAGE_STALE_IF_ERROR_SECONDS", 24 * 3600)
PAGE_REBUILD_WAIT_SECONDS = env_int("PAGE_REBUILD_WAIT_SECONDS", 10)
PAGE_CLOCK_SKEW_SECONDS = float(env("PAGE_CLOCK_SKEW_SECONDS", "0"))
# CDN purges by surrogate key: VARNISH_PURGE_URLS=http://127.0.0.1:6081/ (comma-separated, one per Varnish).
PAGE_PURGE_BACKENDS = [
    {"BACKEND": "articles.purge_backends.VarnishXkeyBackend", "OPTIONS": {"urls": env_list("VARNISH_PURGE_URLS")}}
] if env_list("VARNISH_PURGE_URLS") else []  # fmt: skip

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
# The project's catalogue comes first: it fixes Django's and the packages' French (« Ajout d’un article »).
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["newsroom.formats"]
TIME_ZONE = env("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads above this size are refused before they reach a form (bytes).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Email. Django 6.1 configures outgoing mail with MAILERS; "default" sends everything.
# EMAIL_BACKEND names the class: SMTP by default (console while DEBUG), or anymail.backends.<esp>.EmailBackend.
MAILERS = {
    "default": {
        "BACKEND": env(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 30),
    }


def esp_of(backend):
    """The anymail ESP a mail backend path names ("postmark"), or "" for SMTP and local backends."""
    parts = backend.split(".")
    if len(parts) == 4 and parts[:2] == ["anymail", "backends"] and parts[2] not in ("test", "console"):
        return parts[2]
    return ""


# The only ESP whose tracking webhook is mounted (docs/configuration.md § Email); none with SMTP.
NEWSLETTER_ESP = esp_of(MAILERS["default"]["BACKEND"])
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Newsroom <newsletter@newsroom.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Provider settings for django-anymail (e.g. {"POSTMARK_SERVER_TOKEN": "…"}), as JSON.
ANYMAIL = __import__("json").loads(env("ANYMAIL", "{}"))

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

TAGGIT_CASE_INSENSITIVE = True

LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    # First: refuses every login attempt while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Lock-outs are warnings; every successful or failed login at INFO is noise in the logs.
        "axes": {"level": env("AXES_LOG_LEVEL", "WARNING")},
    },
}

# --- Production hardening (docs/security.md) ---------------------------------------------
from django.utils.csp import CSP  # noqa: E402

# Public pages: no inline script or style at all (JS in static/js/, CSS in static/css/). JSON-LD data
# blocks are not scripts and need nothing. Images: the site's own, data: URIs, and any HTTPS origin
# (object storage, a CDN, pictures embedded in a story); they cannot run code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF, "https:"],
    "object-src": [CSP.NONE],
    "frame-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The admin (every URL of the admin namespace): CKEditor 5 writes inline styles and previews uploads
# as blob: URLs; scripts still only from our own static files.
ADMIN_CSP = {
    **SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", "https:"],
}
# The web version of a sent edition is the email's HTML, whose styles are inline by design.
EMAIL_PAGE_CSP = {**SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
if env("CSP_REPORT_URI"):
    for policy in (SECURE_CSP, ADMIN_CSP, EMAIL_PAGE_CSP):
        policy["report-uri"] = [env("CSP_REPORT_URI")]
# Browser features no page of the site uses are switched off (newsroom.security).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
    )
} | {"fullscreen": ["self"]}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The load balancer's plain-HTTP probe is answered, not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Staff sessions (only the admin uses sessions): they end after SESSION_COOKIE_AGE seconds without a
# request (each request pushes the end back), and when the browser closes if SESSION_EXPIRE_AT_BROWSER_CLOSE.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 4 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Admin login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords for one account, or from one
# address, lock that account or address for AXES_COOLOFF_MINUTES, even with the right password.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.security.lockout_response"
AXES_VERBOSE = False
# Behind a proxy REMOTE_ADDR must be the client's address (gunicorn --forwarded-allow-ips).
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"

# Media: served by Django (newsroom.media: images inline, anything else as a download, nosniff) unless
# SERVE_MEDIA=0 because the web server or object storage serves MEDIA_URL (docs/operations.md).
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
MEDIA_CACHE_SECONDS = env_int("MEDIA_CACHE_SECONDS", 7 * 24 * 60 * 60)

# --- Newsroom ---------------------------------------------------------------------------
# Whether AFP items arrive published or as drafts waiting for an editor.
WIRE_AUTO_PUBLISH = env_bool("WIRE_AUTO_PUBLISH", False)
# Folder a periodic task scans for NewsML-G2 files.
WIRE_DROP_DIR = Path(env("WIRE_DROP_DIR", VAR_DIR / "wire"))
# Largest NewsML-G2 file accepted, in bytes.
WIRE_MAX_FILE_BYTES = env_int("WIRE_MAX_FILE_BYTES", 5 * 1024 * 1024)
# Share of 8-word sequences copied from the dispatch above which the admin warns.
OVERLAP_WARNING_THRESHOLD = float(env("OVERLAP_WARNING_THRESHOLD", "0.3"))

# --- Editorial workflow (admin) ---------------------------------------------------------
# How long a signed « Aperçu » share link for an unpublished article stays valid, in seconds.
PREVIEW_LINK_MAX_AGE = env_int("PREVIEW_LINK_MAX_AGE", 7 * 24 * 60 * 60)
# « En cours d’édition par … » is shown while someone else opened the article this many seconds ago.
EDITING_PRESENCE_SECONDS = env_int("EDITING_PRESENCE_SECONDS", 5 * 60)
# Images uploaded from the editor: largest file (bytes) and largest picture (width × height).
ARTICLE_IMAGE_MAX_BYTES = env_int("ARTICLE_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
ARTICLE_IMAGE_MAX_PIXELS = env_int("ARTICLE_IMAGE_MAX_PIXELS", 40_000_000)
# Formats of the image renditions besides the JPEG fallback, best first: "avif", "webp" (docs/images.md).
IMAGE_RENDITION_FORMATS = [name.strip() for name in env("IMAGE_RENDITION_FORMATS", "avif").split(",") if name.strip()]

# CKEditor 5: the newsroom toolbar. Uploads go to the admin's validating view (staff with article rights).
CKEDITOR_5_FILE_UPLOAD_PERMISSION = "staff"
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = "admin:articles_article_image_upload"
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "jpg", "png", "gif", "webp"]
CKEDITOR_5_CONFIGS = {
    "default": {
        "language": "fr",
        "toolbar": {
            "items": [
                "heading",
                "|",
                "bold",
                "italic",
                "link",
                "|",
                "blockQuote",
                "bulletedList",
                "numberedList",
                "|",
                "insertImage",
                "|",
                "undo",
                "redo",
            ],
            "shouldNotGroupWhenFull": True,
        },
        "heading": {
            "options": [
                {"model": "paragraph", "title": "Paragraphe", "class": "ck-heading_paragraph"},
                {"model": "heading2", "view": "h2", "title": "Intertitre", "class": "ck-heading_heading2"},
                {"model": "heading3", "view": "h3", "title": "Sous-intertitre", "class": "ck-heading_heading3"},
            ]
        },
        "image": {
            "toolbar": ["toggleImageCaption", "imageTextAlternative"],
        },
        "link": {"defaultProtocol": "https://"},
        # Embedded media and raw HTML are off: what the sanitiser would strip is not offered at all.
        "removePlugins": [
            "MediaEmbed",
            "HtmlEmbed",
            "SourceEditing",
            "GeneralHtmlSupport",
            "FullPage",
            "Markdown",
            "Style",
            "Font",
            "Highlight",
            "CodeBlock",
            "Table",
            "TableToolbar",
            "TableCaption",
            "TableProperties",
            "TableCellProperties",
            "Mention",
            "TodoList",
        ],
    },
}

# --- Live coverage (docs/live.md) -------------------------------------------------------------
# Seconds between two polls of a reader's open live page.
LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 20)
# Seconds a CDN may keep a polling answer (browsers revalidate every poll with the ETag).
LIVE_POLL_MAX_AGE = env_int("LIVE_POLL_MAX_AGE", 2)
# Seconds a direct's version stays in the cache before it is read again from the database.
LIVE_STATE_SECONDS = env_int("LIVE_STATE_SECONDS", 10)
LIVE_PAYLOAD_SECONDS = env_int("LIVE_PAYLOAD_SECONDS", 3600)
# Latest entries in a polling answer (the page itself shows them all).
LIVE_POLL_ENTRIES = env_int("LIVE_POLL_ENTRIES", 30)
LIVE_ENTRY_MAX_CHARS = env_int("LIVE_ENTRY_MAX_CHARS", 10_000)

# --- The desk (docs/desk.md) ---------------------------------------------------------------
# Assignees get an « échéance proche » reminder this many minutes before a topic is due.
DESK_DUE_SOON_MINUTES = env_int("DESK_DUE_SOON_MINUTES", 120)

# --- Newsletter (docs/newsletter.md) ----------------------------------------------------------
# Messages per second per sending worker (0: as fast as the server takes them).
NEWSLETTER_SEND_RATE = float(env("NEWSLETTER_SEND_RATE", "0"))
# Deliveries a worker claims at once; all of a batch go over one SMTP connection.
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 200)
# Send tasks queued per edition, so that several db_worker processes share it.
NEWSLETTER_PARALLEL_TASKS = env_int("NEWSLETTER_PARALLEL_TASKS", 4)
# Seconds after which a dead worker's claimed deliveries are taken back.
NEWSLETTER_LEASE_SECONDS = env_int("NEWSLETTER_LEASE_SECONDS", 600)
# Attempts before a temporarily refused message is given up, and the first back-off in seconds (doubles).
NEWSLETTER_MAX_ATTEMPTS = env_int("NEWSLETTER_MAX_ATTEMPTS", 5)
NEWSLETTER_RETRY_BACKOFF = env_int("NEWSLETTER_RETRY_BACKOFF", 60)
# Re-send a message a killed worker may or may not have handed over (risking a duplicate).
NEWSLETTER_RESEND_UNCERTAIN = env_bool("NEWSLETTER_RESEND_UNCERTAIN", False)
# PostgreSQL: don't wait for the WAL flush of each "sent" row (faster; a database crash may cause re-sends).
NEWSLETTER_ASYNC_COMMIT = env_bool("NEWSLETTER_ASYNC_COMMIT", False)
# Confirmation links expire after this many seconds; a pending address is re-sent at most once per interval.
NEWSLETTER_CONFIRM_MAX_AGE = env_int("NEWSLETTER_CONFIRM_MAX_AGE", 3 * 24 * 3600)
NEWSLETTER_CONFIRM_RESEND_INTERVAL = env_int("NEWSLETTER_CONFIRM_RESEND_INTERVAL", 15 * 60)
# Sign-up attempts allowed per IP address per window (seconds).
NEWSLETTER_SIGNUP_LIMIT = env_int("NEWSLETTER_SIGNUP_LIMIT", 10)
NEWSLETTER_SIGNUP_WINDOW = env_int("NEWSLETTER_SIGNUP_WINDOW", 3600)
