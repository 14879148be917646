"""Settings for ``bench/deadline.py``'s gunicorn: the production settings (``P2HAM_ENV=production``, from the
environment), plus the bare view of ``bench/urls.py``, served over plain HTTP on the loopback.

Three deviations, each because the benchmark client talks plain HTTP to 127.0.0.1 with no TLS proxy in
front: cookies are not marked Secure (requests would not send them back), no redirect to HTTPS and no
HSTS. Static files are hashed but not pre-compressed (collectstatic with compression takes ~40 s here; no
static file is requested by the load test).
"""

from config.env import env_str
from config.settings import *  # noqa: F403
from config.settings import CACHES, REDIS_URL, STORAGES

ROOT_URLCONF = "bench.urls"

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

if REDIS_URL:
    # The benchmark shares the local Redis: its keys carry a prefix the script deletes at the end.
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": env_str("BENCH_CACHE_PREFIX", "p2ham-bench")}}
