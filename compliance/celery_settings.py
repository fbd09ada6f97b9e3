"""The Celery broker and the cache, and what /healthz expects of the workers. Part of
compliance/settings.py (imported at its end)."""

from compliance.env import VAR_DIR, env_bool, env_float, env_int, env_str

# Celery: Redis when REDIS_URL is set, else a server-less filesystem broker.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
    # The minute sweeps and the materialize batches are acknowledged late: one whose worker
    # died (kill -9) is delivered again after the visibility timeout. The timeout must outlast
    # the longest time such a message stays unacknowledged with a live worker, or a second
    # worker would start it while the first still runs it: a retry's countdown (at most
    # obligations.tasks.RETRY_BACKOFF_MAX, 60 s), a wait in the worker behind a batch (a batch's
    # hard limit, BATCH_TASK, 300 s), then its own run (300 s): 660 s, so 720 s. Longer tasks
    # (hourly, daily, exports: up to 1,900 s) are acknowledged when they start and do not count
    # (obligations/tasks.py; tests/test_celery.py checks this sum against the tasks).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("PLEDGE_BROKER_VISIBILITY_TIMEOUT", 720),
        "unacked_restore_interval": env_int("PLEDGE_BROKER_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("PLEDGE_BROKER_RESTORE_THROTTLE", 10),
        # A worker restores unacknowledged messages under a mutex in Redis; one killed while it held
        # it (kill -9) left every other worker unable to restore for the mutex's life, kombu's 300 s.
        # A restore takes well under a second, so a minute is ample and a killed worker's batch
        # returns within a visibility timeout and a minute, not five.
        "unacked_mutex_expire": env_int("PLEDGE_BROKER_RESTORE_MUTEX_EXPIRE", 60),
        "socket_timeout": 10, "socket_connect_timeout": 5,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _d in (_broker_dir / "out", _broker_dir / "processed", VAR_DIR / "results"):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        # The exchange table; kombu's default is ./control, in whatever folder the worker starts.
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", f"file://{VAR_DIR / 'results'}")
# The cache holds rate-limit counters: Redis when configured, so every web process shares them.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
          if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long batch does not hold queued ones back from the other workers
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker went away keeps trying to reconnect, however long the outage (Celery's
# default gives up after 100 tries, about 50 minutes, and the worker exits).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The worker writes its own heartbeat (obligations/trust/worker_heartbeat.py) every this many
# seconds (times PLEDGE_BEAT_SCALE, which the fault tests shrink); /healthz fails its "worker"
# check when no worker wrote one within PLEDGE_HEALTH_WORKER_AGE seconds: one beat interval
# (the close-out sweep's minute) by default.
PLEDGE_WORKER_HEARTBEAT = env_float("PLEDGE_WORKER_HEARTBEAT", 15)
PLEDGE_HEALTH_WORKER_AGE = env_int("PLEDGE_HEALTH_WORKER_AGE", 60)
# /healthz fails its "evidence_store" check when the evidence folder has less free space than
# this (MB), or a probe file cannot be written there.
PLEDGE_HEALTH_MIN_FREE_MB = env_int("PLEDGE_HEALTH_MIN_FREE_MB", 1024)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
