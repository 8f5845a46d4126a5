"""gunicorn settings sized for a small machine: (2 × cores) + 1 sync workers, at most 9,
so that workers × CONN_MAX_AGE connections stay well below PostgreSQL's 100."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
