"""Django settings for Tongban. Every value that varies by deployment comes from ``env()``."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from tongban.core.env import env
from tongban.oidc.conf import oauth2_provider_settings, signing_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env("TONGBAN_DEBUG", default=False, cast="bool", group="general",
            help="Show detailed error pages. Never enable in production.")
DATA_DIR = Path(env("TONGBAN_DATA_DIR", default=str(BASE_DIR / "var"), group="general", shown_default="<checkout>/var",
                    help="Directory for the SQLite database, uploaded files and other local state."))
SECRET_KEY = env("TONGBAN_SECRET_KEY", default="", secret=True, group="security",
                 help="Django secret key (sessions, CSRF, signed cookies). Required unless TONGBAN_DEBUG is on.")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("TONGBAN_SECRET_KEY must be set when TONGBAN_DEBUG is off")
    SECRET_KEY = "tongban-development-only-secret-key-not-for-production"  # noqa: S105
AUDIT_KEY = env("TONGBAN_AUDIT_KEY", default="", secret=True, group="security",
                help="Key of the HMAC that chains audit records. Keep it outside the database; defaults to a key derived from TONGBAN_SECRET_KEY.")
DATA_KEYS = env("TONGBAN_DATA_KEYS", default=[], cast="list", secret=True, group="security",
                help="Keys that encrypt personal data at rest: comma-separated `key-id:base64-of-32-bytes`, the first "
                     "encrypts, all decrypt (rotation: put the new key first, run `manage.py rotate_data_keys`). "
                     "Required in production; development derives one from TONGBAN_SECRET_KEY.")
BLIND_INDEX_KEY = env("TONGBAN_BLIND_INDEX_KEY", default="", secret=True, group="security",
                      help="Key of the keyed blind index (HMAC) used to find ID and phone numbers without decrypting; at least "
                           "32 characters. Changing it requires re-indexing; development derives one from "
                           "TONGBAN_SECRET_KEY.")
ALLOW_DERIVED_KEYS = env(
    "TONGBAN_ALLOW_DERIVED_KEYS", default=False, cast="bool", group="security",
    help="Allow keys derived from TONGBAN_SECRET_KEY (and a generated OIDC key) outside debug mode: the local demo "
         "of `make run`; never in production.")
if not DEBUG and (not DATA_KEYS or not BLIND_INDEX_KEY) and not ALLOW_DERIVED_KEYS:
    raise RuntimeError("TONGBAN_DATA_KEYS and TONGBAN_BLIND_INDEX_KEY must be set when TONGBAN_DEBUG is off")
ALLOWED_HOSTS = env("TONGBAN_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"], cast="list",
                    group="general", help="Comma-separated host names this site may be served as.")
TRUSTED_PROXIES = env("TONGBAN_TRUSTED_PROXIES", default=0, cast="int", group="security",
                      help="Number of reverse proxies in front of the app that append to X-Forwarded-For; the client "
                           "address (throttling, audit, sessions) is taken from that header only when this is > 0.")
CSRF_TRUSTED_ORIGINS = env("TONGBAN_CSRF_TRUSTED_ORIGINS", default=[], cast="list", group="security",
                           help="Comma-separated origins (scheme://host) trusted for unsafe requests behind a proxy.")
PUBLIC_URL = env("TONGBAN_PUBLIC_URL", default="", group="general",
                 help="The platform's public address (https://host), as citizens reach it through the proxy: used in "
                      "absolute links that leave the site, such as the QR code printed on a licence.")
SECURE_COOKIES = env("TONGBAN_SECURE_COOKIES", default=False, cast="bool", group="security",
                     help="Send session and CSRF cookies over HTTPS only. Enable in production.")
DEMO_MODE = env("TONGBAN_DEMO", default=False, cast="bool", group="general",
                help="Show the banner that marks the site as a demonstration with demo data.")

DATABASE_URL = env("DATABASE_URL", default="", group="database",
                   help="Database URL, e.g. postgres://user:pass@host:5432/tongban. Empty: SQLite (WAL) in TONGBAN_DATA_DIR.")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "tongban.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "tongban.core",
    "tongban.notifications",
    "tongban.files",
    "tongban.identity",
    "tongban.organizations",
    "tongban.realname",
    "oauth2_provider",
    "tongban.oidc",
    "tongban.exchange",
    "tongban.directory",
    "tongban.catalog",
    "tongban.cases",
    "tongban.licenses",
    "tongban.search",
    "tongban.web",
    "tongban.api",
    "tongban.demo",
    "tongban.loadgen",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tongban.identity.sessions.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tongban.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "tongban.conf.urls"
WSGI_APPLICATION = "tongban.conf.wsgi.application"
AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "web:staff_login"
LOGIN_REDIRECT_URL = "web:staff_home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongban.web.context_processors.site",
            ],
        },
    }
]

PASSWORD_HASHERS = [
    "tongban.identity.hashers.TunedArgon2PasswordHasher",  # Argon2id, ~27 ms per check here (docs/adr/0008)
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "tongban.identity.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "tongban.identity.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "tongban.identity.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 2}},
    {"NAME": "tongban.identity.passwords.CommonPasswordValidator"},
    {"NAME": "tongban.identity.passwords.PersonalDataValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders until collectstatic fills it
MEDIA_ROOT = DATA_DIR / "media"
FILE_STORAGE = env(
    "TONGBAN_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage", group="files",
    help="Storage backend (dotted path of a Django storage class) that keeps uploaded materials, encrypted: the "
         "default writes to TONGBAN_DATA_DIR/files (owner-only permissions); an object store such as "
         "django-storages' S3 backend takes its options from its own settings.")
_LOCAL_FILES = FILE_STORAGE == "django.core.files.storage.FileSystemStorage"
S3_BUCKET = env("TONGBAN_S3_BUCKET", default="", group="files",
                help="S3-compatible object store (TONGBAN_FILE_STORAGE=storages.backends.s3.S3Storage): bucket of "
                     "the stored materials, documents and archives (kept encrypted; turn versioning on).")
S3_ENDPOINT_URL = env("TONGBAN_S3_ENDPOINT_URL", default="", group="files",
                      help="Endpoint of the S3-compatible store (MinIO, Ceph RGW, a cloud's OSS …); empty: AWS.")
S3_ACCESS_KEY = env("TONGBAN_S3_ACCESS_KEY", default="", group="files", secret=True,
                    help="Access key id of the object store.")
S3_SECRET_KEY = env("TONGBAN_S3_SECRET_KEY", default="", group="files", secret=True,
                    help="Secret access key of the object store.")
S3_REGION = env("TONGBAN_S3_REGION", default="", group="files", help="Region name of the object store, if any.")
_S3_FILES = FILE_STORAGE == "storages.backends.s3.S3Storage"
if _S3_FILES and not S3_BUCKET:
    raise RuntimeError("TONGBAN_FILE_STORAGE=storages.backends.s3.S3Storage needs TONGBAN_S3_BUCKET")
_FILES_OPTIONS: dict[str, object] = {}
if _LOCAL_FILES:
    _FILES_OPTIONS = {"location": str(DATA_DIR / "files"), "base_url": None, "file_permissions_mode": 0o600,
                      "directory_permissions_mode": 0o700}
elif _S3_FILES:
    # Private objects, never overwritten (names are unique), no signed public URLs: files leave through views.
    _FILES_OPTIONS = {"bucket_name": S3_BUCKET, "endpoint_url": S3_ENDPOINT_URL or None,
                      "access_key": S3_ACCESS_KEY or None, "secret_key": S3_SECRET_KEY or None,
                      "region_name": S3_REGION or None, "default_acl": "private", "file_overwrite": False,
                      "querystring_auth": True, "location": "files"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "files": {"BACKEND": FILE_STORAGE, "OPTIONS": _FILES_OPTIONS},
}
FILE_MAX_BYTES = env("TONGBAN_FILE_MAX_BYTES", default=10 * 1024 * 1024, cast="int", group="files",
                     help="Largest upload (bytes) of a material, unless the caller sets its own limit.")
FILE_MAX_IMAGE_BYTES = env("TONGBAN_FILE_MAX_IMAGE_BYTES", default=5 * 1024 * 1024, cast="int", group="files",
                           help="Largest JPEG or PNG upload (bytes), whatever the caller's limit: every image is "
                                "decoded and re-encoded to remove its metadata.")
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env("TONGBAN_SESSION_AGE", default=8 * 3600, cast="int", group="security",
                         help="Absolute session lifetime in seconds, however active the session is.")
SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
SESSION_IDLE_SECONDS = env("TONGBAN_SESSION_IDLE", default=30 * 60, cast="int", group="security",
                           help="A citizen's session ends after this many seconds without a request.")
SESSION_IDLE_SECONDS_STAFF = env("TONGBAN_SESSION_IDLE_STAFF", default=15 * 60, cast="int", group="security",
                                 help="A staff member's session ends after this many seconds without a request.")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_COOKIES else None

REDIS_URL = env(
    "TONGBAN_REDIS_URL", default="", group="cache",
    help="Redis URL (redis://host:6379/0) of the production profile: the shared cache (rate limits counted across "
         "app processes; a per-process memory cache stands in while Redis is unreachable) and the RQ task queues. "
         "Empty: a per-process memory cache.")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "tongban.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "tongban"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOG_LEVEL = env("TONGBAN_LOG_LEVEL", default="INFO", group="general",
                help="Level of the structured application log (DEBUG, INFO, WARNING, ERROR).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"jieba": {"level": "WARNING"}},
}

SMS_PROVIDER = env("TONGBAN_SMS_PROVIDER", default="simulator", group="providers",
                   help="SMS provider plugin: `simulator` (本地短信模拟器: messages are stored and shown at /dev/sms/, "
                        "nothing is sent) or a provider registered by a deployment.")
REALNAME_POPULATION_PROVIDER = env(
    "TONGBAN_REALNAME_POPULATION_PROVIDER", default="simulator", group="providers",
    help="Name + ID number check (公安人口库): `simulator` (本地核验模拟器, test cases in "
         "tongban/realname/providers/simulator_cases.py) or a registered plugin; empty switches the route off.")
REALNAME_BANKCARD_PROVIDER = env(
    "TONGBAN_REALNAME_BANKCARD_PROVIDER", default="simulator", group="providers",
    help="Bank-card four-element check (银行卡四要素): `simulator` (本地核验模拟器) or a registered plugin; empty "
         "switches the route off.")
REALNAME_FACE_PROVIDER = env(
    "TONGBAN_REALNAME_FACE_PROVIDER", default="simulator", group="providers",
    help="Face check with liveness (人脸核验): `simulator` (本地核验模拟器) or a registered plugin; empty switches the "
         "route off.")
ENTERPRISE_REGISTRY_PROVIDER = env(
    "TONGBAN_ENTERPRISE_REGISTRY_PROVIDER", default="simulator", group="providers",
    help="Enterprise registry plugin for 法人注册 (企业登记信息核验): `simulator` (本地企业登记模拟器: fictitious "
         "organisations from tongban/organizations/data/enterprise_registry_simulator.yaml) or a provider registered "
         "by a deployment.")
OIDC_SIGNING_KEY = env(
    "TONGBAN_OIDC_SIGNING_KEY", default="", secret=True, group="security",
    help="RSA private key (PEM text or path to a PEM file) that signs OpenID Connect ID tokens (RS256). Required "
         "unless TONGBAN_DEBUG or TONGBAN_ALLOW_DERIVED_KEYS is on; development generates one in "
         "TONGBAN_DATA_DIR/oidc-signing-key.pem.")
OIDC_RETIRED_KEYS = env(
    "TONGBAN_OIDC_RETIRED_KEYS", default=[], cast="list", group="security",
    help="Comma-separated paths of earlier OIDC signing keys, still published in the JWKS until their tokens expire.")
OIDC_ISSUER = env("TONGBAN_OIDC_ISSUER", default="", group="security",
                  help="Fixed OIDC issuer URL, e.g. https://zwfw.example.gov.cn/oidc. Empty: derived from the "
                       "request (<origin>/oidc).")
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"
OAUTH2_PROVIDER = oauth2_provider_settings(
    private_key=signing_key(OIDC_SIGNING_KEY, data_dir=DATA_DIR, debug=DEBUG or ALLOW_DERIVED_KEYS),
    retired_keys=OIDC_RETIRED_KEYS, issuer=OIDC_ISSUER)
FILE_SCANNER = env(
    "TONGBAN_FILE_SCANNER", default="simulator", group="providers",
    help="Virus scanner of uploads: `simulator` (本地病毒扫描模拟器: finds only the EICAR test file), `none` (no "
         "scan; files are stored as `pending` — choose it explicitly, e.g. when a gateway scans uploads) or a "
         "scanner plugin registered by a deployment.")
TSA = env(
    "TONGBAN_TSA", default="simulator" if DEBUG or DEMO_MODE else "none", group="providers",
    shown_default="simulator with TONGBAN_DEBUG or TONGBAN_DEMO, else none",
    help="Timestamp authority (时间戳服务) for sealed PDFs (RFC 3161): `none` (signatures carry the signing time "
         "only), `simulator` (本地时间戳模拟器: a TSA certificate issued by the platform root, tokens signed on this "
         "server) or `rfc3161` (a real TSA at TONGBAN_TSA_URL).")
TSA_URL = env("TONGBAN_TSA_URL", default="", group="providers",
              help="URL of the RFC 3161 timestamp authority when TONGBAN_TSA is `rfc3161`, e.g. "
                   "https://tsa.example.gov.cn/tsr.")
TSA_TIMEOUT = env("TONGBAN_TSA_TIMEOUT", default=10, cast="int", group="providers",
                  help="Seconds to wait for the RFC 3161 timestamp authority.")
if TSA == "rfc3161" and not TSA_URL:
    raise RuntimeError("TONGBAN_TSA=rfc3161 needs TONGBAN_TSA_URL")
_SIMULATED = [name for name, value in [
    ("TONGBAN_SMS_PROVIDER", SMS_PROVIDER), ("TONGBAN_ENTERPRISE_REGISTRY_PROVIDER", ENTERPRISE_REGISTRY_PROVIDER),
    ("TONGBAN_REALNAME_POPULATION_PROVIDER", REALNAME_POPULATION_PROVIDER),
    ("TONGBAN_REALNAME_BANKCARD_PROVIDER", REALNAME_BANKCARD_PROVIDER),
    ("TONGBAN_REALNAME_FACE_PROVIDER", REALNAME_FACE_PROVIDER),
    ("TONGBAN_FILE_SCANNER", FILE_SCANNER), ("TONGBAN_TSA", TSA)] if value == "simulator"]
if _SIMULATED and not DEBUG and not DEMO_MODE:
    raise RuntimeError("local simulators are for development and the demo only (TONGBAN_DEBUG or TONGBAN_DEMO); "
                       "configure real providers for: " + ", ".join(_SIMULATED))
LICENSE_VERIFY_LIMIT = env(
    "TONGBAN_LICENSE_VERIFY_LIMIT", default=120, cast="int", group="security",
    help="Public licence verifications (证照核验: page, QR token, API) allowed per client address in 10 minutes; "
         "0 turns the limit off (benchmarks only). Counted in the cache, so several app processes need a shared "
         "cache.")
CAPTCHA_REVEAL = env(
    "TONGBAN_CAPTCHA_REVEAL", default=False, cast="bool", group="security",
    help="Development and end-to-end tests only: keep the image captcha's text in the browser session and show it "
         "at /dev/captcha/ to that same browser, as /dev/sms/ shows simulated SMS. Refused unless TONGBAN_DEBUG or "
         "TONGBAN_DEMO is on.")
if CAPTCHA_REVEAL and not DEBUG and not DEMO_MODE:
    raise RuntimeError("TONGBAN_CAPTCHA_REVEAL is for development and tests only (TONGBAN_DEBUG or TONGBAN_DEMO)")
SEARCH_RESULTS_PER_PAGE = env("TONGBAN_SEARCH_PAGE_SIZE", default=10, cast="int", group="search",
                              help="Number of items on one page of search results.")
DUE_WARN_WORKING_DAYS = env(
    "TONGBAN_DUE_WARN_WORKING_DAYS", default=2, cast="int", group="cases",
    help="A case turns yellow (临近到期) when its due date is this many working days away or fewer; red once overdue.")
ARCHIVE_RETENTION_YEARS = env(
    "TONGBAN_ARCHIVE_RETENTION_YEARS", default=30, cast="int", group="licenses",
    help="Retention period (保管期限, years) of a case's archive package (电子档案) when its item has no policy of its "
         "own (set per item under /workbench/archives/policies/). 0 keeps packages permanently.")

# Background work (Django's task framework) and the transactional outbox: docs/operations/outbox.md
TASK_BACKEND = env(
    "TONGBAN_TASK_BACKEND", default="django_tasks_db.DatabaseBackend", group="tasks",
    help="Task backend (dotted path of a django-tasks backend): `django_tasks_db.DatabaseBackend` keeps the queue in "
         "the database, run by `manage.py run_worker`; `django_tasks.backends.immediate.ImmediateBackend` runs tasks "
         "in the request (development only); `django_tasks_rq.RQBackend` (production profile) keeps it in Redis "
         "(TONGBAN_REDIS_URL), run by `manage.py rqworker --job-class django_tasks_rq.Job default` beside one "
         "scheduling `manage.py run_worker`.")
TASKS = {"default": {"BACKEND": TASK_BACKEND}}
if TASK_BACKEND == "django_tasks_rq.RQBackend" and not REDIS_URL:
    raise RuntimeError("TONGBAN_TASK_BACKEND=django_tasks_rq.RQBackend needs TONGBAN_REDIS_URL")
TASK_TIMEOUT_SECONDS = env(
    "TONGBAN_TASK_TIMEOUT", default=600, cast="int", group="tasks",
    help="RQ backend: a task running longer than this many seconds is stopped (its outbox work is retried).")
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}  # `manage.py rqworker default` runs django-tasks' tasks without --job-class
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": TASK_TIMEOUT_SECONDS,
                         "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 5}}
OUTBOX_DISPATCH_SECONDS = env(
    "TONGBAN_OUTBOX_DISPATCH_SECONDS", default=5, cast="int", group="tasks",
    help="The worker dispatches outbox events at least this often (seconds); a commit that emits also asks for a "
         "dispatch at once.")
OUTBOX_MAX_ATTEMPTS = env(
    "TONGBAN_OUTBOX_MAX_ATTEMPTS", default=8, cast="int", group="tasks",
    help="An in-process outbox consumer that fails this many times on one event gives it up (dead); retries wait "
         "30 s, 2 min, 10 min, 1 h, then 6 h.")
OUTBOX_LEASE_SECONDS = env(
    "TONGBAN_OUTBOX_LEASE_SECONDS", default=120, cast="int", group="tasks",
    help="A dispatcher claims due outbox consumptions for this many seconds: when its worker dies mid-handler (killed, "
         "out of memory, machine lost), the next dispatch after this runs the handler again. Keep it above the time "
         "a batch of handlers takes.")
WEBHOOK_MAX_ATTEMPTS = env(
    "TONGBAN_WEBHOOK_MAX_ATTEMPTS", default=6, cast="int", group="exchange",
    help="A webhook delivery to a department system is dead-lettered after this many failed attempts; retries wait "
         "30 s, 2 min, 10 min, 1 h, then 6 h (with jitter).")
WEBHOOK_TIMEOUT = env(
    "TONGBAN_WEBHOOK_TIMEOUT", default=10, cast="int", group="exchange",
    help="Seconds to wait for a department system to accept a webhook (connect and read each).")
WEBHOOK_PROXY = env(
    "TONGBAN_WEBHOOK_PROXY", default="", group="exchange",
    help="Outbound proxy for webhooks, e.g. http://proxy.internal:3128. Empty: connect directly (proxy environment "
         "variables are ignored).")
