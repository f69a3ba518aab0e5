"""Outcry's one settings module: everything comes from the environment, with safe defaults.

A fresh clone runs with nothing set: SQLite in WAL mode under ``var/``, the database-backed
task queue, and mail written to a local outbox. Production changes environment variables
only (``DATABASE_URL``, ``EMAIL_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
the personal-data keys).
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from outcry.core.secrets import load_or_create_dev_secrets, secrets_missing_from

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

VAR_DIR = Path(env.str("OUTCRY_VAR_DIR", default=str(Path.cwd() / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

# Secrets: taken from the environment; where absent, generated once into var/ (never git).
# With DEBUG off, a process whose secrets are not all in the environment refuses to start
# (core.secrets.secrets_configuration_check, from wsgi.py, asgi.py and the `outcry` command)
# and `outcry check --deploy` reports it.
_dev_secrets = load_or_create_dev_secrets(VAR_DIR / "secrets.json")
SECRETS_FROM_DEV_FILE = secrets_missing_from(os.environ)
SECRET_KEY = env.str("SECRET_KEY", default=_dev_secrets["SECRET_KEY"])
# The public key seals supporters' personal data; every web process needs it.
PERSONAL_DATA_PUBLIC_KEY = env.str(
    "PERSONAL_DATA_PUBLIC_KEY", default=_dev_secrets["PERSONAL_DATA_PUBLIC_KEY"]
)
# Private keys open it. Only the task worker and the staff admin need them: a public web
# tier runs with PERSONAL_DATA_PRIVATE_KEYS="" and can still take signatures. Several keys
# (comma separated) may be given so old ciphertexts stay readable after a rotation.
PERSONAL_DATA_PRIVATE_KEYS = env.list(
    "PERSONAL_DATA_PRIVATE_KEYS", default=[_dev_secrets["PERSONAL_DATA_PRIVATE_KEY"]]
)
# Keyed hash of normalised email addresses, for deduplication and staff search.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default=_dev_secrets["BLIND_INDEX_KEY"])
# IP addresses are never stored: only a hash under a random key made for each day (kept in
# the database, table core_iphashkey). After this many days (the moderation window) the
# hashes are wiped from every row and the day's key is destroyed.
IP_HASH_RETENTION_DAYS = env.int("IP_HASH_RETENTION_DAYS", default=7)
# A pepper mixed into every day's key, so a copy of the database alone cannot test an
# address against the hashes of the window; it protects nothing once the day key is gone.
IP_HASH_KEY = env.str("IP_HASH_KEY", default=_dev_secrets.get("IP_HASH_KEY", ""))

# The process's tier. "public": the web processes anyone reaches; they seal with the public
# key, hold no private key and serve no admin, so a break-in there reads nothing back.
# "staff": the task worker and the admin (on their own host or network), which open
# sealed data. The default is "staff" so that one process runs the whole demo.
OUTCRY_TIER = env.str("OUTCRY_TIER", default="staff")
if OUTCRY_TIER not in {"public", "staff"}:
    raise ImproperlyConfigured(f"OUTCRY_TIER must be 'public' or 'staff', not {OUTCRY_TIER!r}.")
# Without the admin, /admin/ is not in the URLconf at all: a deployment serves it only from
# the staff tier's host.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=OUTCRY_TIER == "staff")
if OUTCRY_TIER == "public":
    # Checked here, not at serving time: no entry point of a public process may hold one.
    if any(key.strip() for key in PERSONAL_DATA_PRIVATE_KEYS):
        raise ImproperlyConfigured(
            "OUTCRY_TIER=public, yet PERSONAL_DATA_PRIVATE_KEYS holds a private key: set "
            'PERSONAL_DATA_PRIVATE_KEYS="" on the public tier; only the staff tier opens '
            "personal data."
        )
    if ADMIN_ENABLED:
        raise ImproperlyConfigured(
            "OUTCRY_TIER=public, yet ADMIN_ENABLED is on: the public tier serves no admin "
            "(set ADMIN_ENABLED=0, and serve the admin from a staff-tier process)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # must precede the admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "outcry.core",
    "outcry.targets",
    "outcry.supporters",
    "outcry.cases",
    "outcry.actions",
    "outcry.deliveries",
    "outcry.news",
    "outcry.comments",
    "outcry.subscriptions",
    "outcry.solidarity",
    "outcry.mailings",
    "anymail",
    "outcry.demo",
    # Failed staff logins, counted and locked out (see the AXES_ settings below).
    "axes",
    # Staff login with a mandatory second factor: TOTP, WebAuthn, recovery codes.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    # First: refuses an oversized body before anything (the CSRF check) reads it.
    "outcry.core.middleware.RequestBodyLimitMiddleware",
    # Its process_exception runs after every other one's: an unreachable database is a 503.
    "outcry.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: a timed-out staff session is anonymous for all below.
    "outcry.core.middleware.StaffSessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # No admin page for a session that has not proved a second factor (core.stepup).
    "outcry.core.stepup.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "outcry.core.middleware.PrivacyHeadersMiddleware",
    # Last, as django-axes asks: turns a refused login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "outcry.urls"
WSGI_APPLICATION = "outcry.wsgi.application"

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
                "outcry.core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default; DATABASE_URL=postgres://… for production.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'outcry.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same backend, with the database file (and its -wal, -shm) made 0600 on opening.
    DATABASES["default"]["ENGINE"] = "outcry.core.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
            # busy timeout instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
                # Checkpoints run outside the writers' queue: core/db/sqlite3/base.py.
                "PRAGMA wal_autocheckpoint=0;"
            ),
        }
    )
    # Tests use a file, not :memory:, so that threads and the live server share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# Each process keeps its connection between requests (sync workers: one each). On SQLite
# that saves opening the file, the PRAGMAs and parsing the schema on every request (about
# 0.7 ms) and the WAL checkpoint when the last connection closes; health checks reopen a
# connection a server restart or a network fault broke, before the request uses it.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every web process and the worker on one machine, unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Rate-limit counters: in Redis when there is one, else in the database. Never in the cache:
# the file cache evicts entries under load and its increments are not atomic.
RATE_LIMIT_STORE = "redis" if REDIS_URL else "database"

# Background work through the django-tasks API. The database queue is the default; with
# TASK_BACKEND=rq (and REDIS_URL) the same tasks run on RQ workers.
TASK_BACKEND = env.str("TASK_BACKEND", default="database")
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    # Two queues: the batched counts (`counts`) apart from everything else, because RQ
    # appends a job, deferred ones included, at the back of its queue: on one queue a count
    # waited behind every confirmation email of a rush. Workers take them in order:
    # `outcry rqworker counts default --with-scheduler` (the scheduler runs the deferred
    # tasks, counts among them, of the queues its worker listens to).
    RQ_QUEUES = {
        name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"} for name in ("counts", "default")
    }
    # RQ workers must run django-tasks-rq's Job class, which calls the Task (RQ's own Job
    # would try to call the Task object and fail): ours, which also checks the database
    # connections around each job, in a worker that runs jobs in its own process instead
    # of forking for each and takes over a dead worker's scheduler (outcry/core/rq.py).
    # Set here, `outcry rqworker` needs no --job-class nor --worker-class.
    # Its queues share one Redis connection pool per process (django-rq would connect anew
    # for each enqueue).
    RQ = {
        "JOB_CLASS": "outcry.core.rq.Job",
        "WORKER_CLASS": "outcry.core.rq.Worker",
        "QUEUE_CLASS": "outcry.core.rq.Queue",
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["counts", "default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    # One queue: `db_worker` processes only the queues named on its command line (`default`
    # unless told), so a `counts` queue would stall under every worker started without
    # it. The counts go first by priority instead (outcry.core.queue).
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Mail: EMAIL_URL=smtp://host:port (or smtp+tls://user:pass@host:587); the default writes
# every message to var/outbox/, readable at /dev/outbox/ while DEBUG is on.
EMAIL_URL = env.str("EMAIL_URL", default="outbox://")
OUTBOX_DIR = VAR_DIR / "outbox"
if EMAIL_URL.startswith("outbox:"):
    EMAIL_BACKEND = "outcry.core.mail.OutboxEmailBackend"
else:
    vars().update(env.email_url_config(EMAIL_URL))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Outcry <actions@outcry.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

ORGANISATION = {
    "name": env.str("ORGANISATION_NAME", default="Outcry Demo Section"),
    "address": env.str(
        "ORGANISATION_ADDRESS", default="312 Example Avenue East, Ottawa, ON, K1N 1H9"
    ),
    "phone": env.str("ORGANISATION_PHONE", default="1-800-000-0000"),
    "registration": env.str("ORGANISATION_REGISTRATION", default="Charity No. 00000 0000 RR0001"),
    "privacy_url": env.str("ORGANISATION_PRIVACY_URL", default="/en/privacy/"),
}

# Mailings (outcry.mailings). Messages a second per worker (0: no limit), rows claimed at a
# time, messages one queued task sends before handing over to the next.
MAILING_RATE_PER_SECOND = env.float("MAILING_RATE_PER_SECOND", default=100.0)
MAILING_BATCH_SIZE = env.int("MAILING_BATCH_SIZE", default=500)
# SMTP connections a worker keeps open and sends on at once (threads).
MAILING_CONNECTIONS = env.int("MAILING_CONNECTIONS", default=4)
MAILING_TASK_MESSAGES = env.int("MAILING_TASK_MESSAGES", default=5000)
# Envelope sender (where bounces go) and the mailto: of List-Unsubscribe; empty: derived
# from DEFAULT_FROM_EMAIL.
MAILING_RETURN_PATH = env.str("MAILING_RETURN_PATH", default="")
MAILING_UNSUBSCRIBE_MAILTO = env.str("MAILING_UNSUBSCRIBE_MAILTO", default="")
# DKIM: a PEM RSA key (or, with DKIM_ALGORITHM=ed25519-sha256, a base64 Ed25519 seed), the
# selector and the domain of its DNS record. No key: messages go unsigned (the relay signs).
DKIM_PRIVATE_KEY = env.str("DKIM_PRIVATE_KEY", default="")
DKIM_SELECTOR = env.str("DKIM_SELECTOR", default="")
DKIM_DOMAIN = env.str("DKIM_DOMAIN", default="")
DKIM_ALGORITHM = env.str("DKIM_ALGORITHM", default="rsa-sha256")
# Bounce and complaint webhooks of email services (django-anymail): /anymail/<service>/
# tracking/, protected by HTTP basic auth with this "user:password".
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="")}

# Staff logins. django-axes' backend comes first: once a username or a client address has
# failed LOGIN_FAILURE_LIMIT times, it refuses the attempt before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
# Either counter locks: one username from many addresses, or many usernames from one.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Minutes a lockout lasts (each attempt during it starts it again); 0: until an
# administrator deletes its access attempts in the admin. Failures older than this no
# longer count either. A lockout that never ends would let anyone lock staff out for good.
_LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=60)
AXES_COOLOFF_TIME = _LOGIN_LOCKOUT_MINUTES / 60 if _LOGIN_LOCKOUT_MINUTES else None
AXES_RESET_ON_SUCCESS = True
# Outcry's client address (CLIENT_IP_HEADER, CLIENT_IP_PROXY_COUNT), hashed under the day's
# key: axes stores and shows that hash, never the address (core.logins explains).
AXES_CLIENT_IP_CALLABLE = "outcry.core.logins.login_client_address"
# The same plain answer (429) for every locked-out attempt, whether the username exists.
AXES_HTTP_RESPONSE_CODE = 429
# The login form is allauth's, whose field is "login": axes reads the username from the
# credentials handed to authenticate(), or from that field (core.logins.login_username).
AXES_USERNAME_CALLABLE = "outcry.core.logins.login_username"

# The login itself is django-allauth's (core.staffauth): by username, no sign-up, no email
# verification, and a second factor (allauth.mfa) on every staff account. /admin/login/
# serves it.
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"
ACCOUNT_ADAPTER = "outcry.core.staffauth.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "/admin/login/"
# The session lasts as the staff session limits say, not "until the browser closes".
ACCOUNT_SESSION_REMEMBER = True
# Wrong second-factor codes (allauth counts them as failed logins; wrong passwords are
# axes'): LOGIN_CODE_FAILURE_LIMIT per account per quarter hour, and thrice that per
# client an hour. Past them the form answers "too many attempts" and checks no code.
_MFA_FAILURE_LIMIT = env.int("LOGIN_CODE_FAILURE_LIMIT", default=5)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{_MFA_FAILURE_LIMIT}/15m/key,{_MFA_FAILURE_LIMIT * 3}/h/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False  # a key is the second factor, after the password
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Outcry")
# WebAuthn over plain http only on a developer's machine (the demo).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Seconds a second factor counts as recent for exports, openings of personal data,
# erasures and office address changes (core.stepup).
STEP_UP_MAX_AGE = env.int("STEP_UP_MAX_AGE", default=300)

# Staff sessions end after this many seconds without a request, and this many after the
# login however active. The session key changes at login (Django) and when a staff
# member's groups, permissions or staff status change (their sessions are ended).
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_TIMEOUT", default=30 * 60)
STAFF_SESSION_ABSOLUTE_TIMEOUT = env.int("STAFF_SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
# Only staff have sessions (public pages set no cookie): the cookie dies with the
# absolute limit.
SESSION_COOKIE_AGE = STAFF_SESSION_ABSOLUTE_TIMEOUT

# Staff passwords guard the whole supporter list: at least 12 characters (NIST SP 800-63B's
# advice for a memorised secret is length, not composition rules), and not a common one.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
# Official names, as appeals and the seed pages use them.
COUNTRIES_OVERRIDE = {"RU": _("Russian Federation")}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the apps' static folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files that name supporters (delivery packages): outside MEDIA_ROOT, never served by
    # URL; staff download them through an audited admin view.
    "private": {
        # Files 0600 and folders 0700, whatever the umask.
        "BACKEND": "outcry.core.storage.PrivateFileStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Days after a package's (first) delivery before its files are deleted; its record and
# SHA-256 digests stay, so the verify page still recognises the files the target holds.
DELIVERY_PACKAGE_EXPIRY_DAYS = env.int("DELIVERY_PACKAGE_EXPIRY_DAYS", default=90)

# The public page that checks a delivery package hashes uploads up to this size.
DELIVERY_VERIFY_MAX_UPLOAD = env.int("DELIVERY_VERIFY_MAX_UPLOAD", default=64 * 1024 * 1024)

# Public forms are small; anything larger is refused before it reaches a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
# Request bodies larger than these are refused (413) before they are read, so no anonymous
# POST can spool a large upload to disk. Public pages; the staff admin (CSV imports,
# images); email services' webhooks (batches of events). The delivery check page takes
# DELIVERY_VERIFY_MAX_UPLOAD. Match them in the proxy (nginx: client_max_body_size).
PUBLIC_MAX_REQUEST_BODY = env.int("PUBLIC_MAX_REQUEST_BODY", default=64 * 1024)
ADMIN_MAX_REQUEST_BODY = env.int("ADMIN_MAX_REQUEST_BODY", default=32 * 1024 * 1024)
WEBHOOK_MAX_REQUEST_BODY = env.int("WEBHOOK_MAX_REQUEST_BODY", default=4 * 1024 * 1024)

# Signing and confirmation.
SIGNATURE_CONFIRMATION_MAX_AGE = env.int("SIGNATURE_CONFIRMATION_MAX_AGE", default=14 * 86400)
SIGNATURE_REMINDER_AFTER = env.int("SIGNATURE_REMINDER_AFTER", default=24 * 3600)
# Per hashed IP: a burst cap per minute and a sustained cap per hour. Over either (or over
# the per-domain cap) the signer is asked to let their browser solve a small proof-of-work
# challenge; without JavaScript the signature is flagged, but still emailed, and counts once
# its address is confirmed (nobody behind a shared address is lost).
SIGN_RATE_BURST_PER_MINUTE = env.int("SIGN_RATE_BURST_PER_MINUTE", default=10)
SIGN_RATE_SUSTAINED_PER_HOUR = env.int("SIGN_RATE_SUSTAINED_PER_HOUR", default=60)
# New signatures an hour from one email domain, except the large providers listed below.
SIGN_DOMAIN_RATE_PER_HOUR = env.int("SIGN_DOMAIN_RATE_PER_HOUR", default=100)
SIGN_DOMAIN_RATE_EXEMPT = env.list(
    "SIGN_DOMAIN_RATE_EXEMPT",
    default=[
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
        "icloud.com", "proton.me", "protonmail.com", "mail.ru", "yandex.ru", "gmx.de",
        "web.de", "orange.fr", "free.fr", "laposte.net",
    ],
)  # fmt: skip
# Signing emails an hour to one mailbox (plus tags folded: a+1@x and a+2@x are one mailbox).
# Beyond, the signature is kept flagged without email, until a moderator releases it.
SIGN_MAILBOX_RATE_PER_HOUR = env.int("SIGN_MAILBOX_RATE_PER_HOUR", default=10)
# The challenge: leading zero bits of SHA-256 asked for (16: a fraction of a second on a
# phone), and how long a challenge stays valid (seconds).
SIGN_CHALLENGE_DIFFICULTY_BITS = env.int("SIGN_CHALLENGE_DIFFICULTY_BITS", default=16)
SIGN_CHALLENGE_MAX_AGE = env.int("SIGN_CHALLENGE_MAX_AGE", default=900)
# Behind a proxy, the client address comes from this header (e.g. HTTP_X_FORWARDED_FOR),
# counted CLIENT_IP_PROXY_COUNT entries from the right: how many proxies of ours append to it.
# REMOTE_ADDR: no proxy. Must be set explicitly in production over HTTPS (checked below).
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="REMOTE_ADDR")
_CLIENT_IP_DECLARED = "CLIENT_IP_HEADER" in os.environ
BEHIND_PROXY = CLIENT_IP_HEADER != "REMOTE_ADDR"
CLIENT_IP_PROXY_COUNT = max(1, env.int("CLIENT_IP_PROXY_COUNT", default=1))
# Seconds the worker waits to gather confirmations into one count update.
COUNT_BATCH_DELAY = env.float("COUNT_BATCH_DELAY", default=2.0)
COUNT_CACHE_MAX_AGE = env.int("COUNT_CACHE_MAX_AGE", default=10)
# Seconds an anonymous public page (petition, country page, country feed) or a count may be
# served from the shared cache; 0 turns that cache off. Publishing, closing, pausing or
# editing through the services is seen at once where the cache is shared (see
# outcry.core.public_cache); anything else within this bound.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=10)
# Seconds the worker waits to gather confirmed letters before scheduling them to a target.
LETTER_DISPATCH_DELAY = env.float("LETTER_DISPATCH_DELAY", default=5.0)
# Edited letters to one action from addresses first seen within the window whose additions
# to the model letter are near-identical: beyond this many, they are held for a moderator.
LETTER_FLOOD_THRESHOLD = env.int("LETTER_FLOOD_THRESHOLD", default=20)
LETTER_FLOOD_WINDOW_HOURS = env.int("LETTER_FLOOD_WINDOW_HOURS", default=24)
# Days after an action closes before its participants who did not ask to hear more are
# anonymised (`outcry apply_retention`); an action may set its own period.
RETENTION_DAYS_AFTER_CLOSE = env.int("RETENTION_DAYS_AFTER_CLOSE", default=180)
# For retention only, an action with no closing date counts as closing this many days after
# it was created: nobody is kept forever because nobody closed it.
RETENTION_MAX_OPEN_DAYS = env.int("RETENTION_MAX_OPEN_DAYS", default=365)

# Comments. Per hashed IP: comments a minute and an hour (over either, refused with 429),
# and reports an hour.
COMMENT_RATE_BURST_PER_MINUTE = env.int("COMMENT_RATE_BURST_PER_MINUTE", default=3)
COMMENT_RATE_SUSTAINED_PER_HOUR = env.int("COMMENT_RATE_SUSTAINED_PER_HOUR", default=20)
COMMENT_REPORT_RATE_PER_HOUR = env.int("COMMENT_REPORT_RATE_PER_HOUR", default=30)
# More links than this in one comment holds it for moderation.
COMMENT_MAX_LINKS = env.int("COMMENT_MAX_LINKS", default=2)
# This many reports from different addresses take a comment that no moderator approved (it
# showed at once) back to the queue; one a moderator approved stays, reports listed.
COMMENT_REPORT_HOLD_THRESHOLD = env.int("COMMENT_REPORT_HOLD_THRESHOLD", default=3)
# Seconds the emailed "delete my comment" link stays valid.
COMMENT_DELETE_LINK_MAX_AGE = env.int("COMMENT_DELETE_LINK_MAX_AGE", default=365 * 86400)

# Subscriptions. Per hashed IP: subscribe requests a minute and an hour.
SUBSCRIBE_RATE_BURST_PER_MINUTE = env.int("SUBSCRIBE_RATE_BURST_PER_MINUTE", default=5)
SUBSCRIBE_RATE_SUSTAINED_PER_HOUR = env.int("SUBSCRIBE_RATE_SUSTAINED_PER_HOUR", default=30)
# Seconds the emailed link confirming a subscription stays valid.
SUBSCRIPTION_CONFIRMATION_MAX_AGE = env.int("SUBSCRIPTION_CONFIRMATION_MAX_AGE", default=14 * 86400)
# "Email me my data" at most once per this many seconds per supporter; the link confirming
# an erasure is emailed at most once per this many seconds.
MY_DATA_INTERVAL = env.int("MY_DATA_INTERVAL", default=3600)
ERASURE_REQUEST_INTERVAL = env.int("ERASURE_REQUEST_INTERVAL", default=3600)

SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict, for the session: a staff member following a link to the admin from their
# mail client would otherwise arrive logged out. The CSRF cookie is only ever needed by a
# form Outcry itself served, so it can be Strict.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
HTTPS = env.bool("HTTPS", default=not DEBUG and not SITE_URL.startswith("http://"))
# The web server refuses to start over HTTPS (DEBUG off) until CLIENT_IP_HEADER is set:
# see core.http.client_ip_configuration_check, called by wsgi.py and asgi.py.
CLIENT_IP_HEADER_REQUIRED = HTTPS and not DEBUG and not _CLIENT_IP_DECLARED
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        # Only a declared proxy of ours may say the request came over HTTPS; without one,
        # the header would be the client's word.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "outcry": {"level": env.str("LOG_LEVEL", default="INFO"), "propagate": True},
        "django_tasks": {"level": "WARNING"},
    },
}
