"""gunicorn settings; each can be overridden on the command line or with GUNICORN_CMD_ARGS.

Read like the Django settings: from the environment, then from `.env` in the project folder.
"""

import multiprocessing
from pathlib import Path

from environs import Env

env = Env()
env.read_env(Path(__file__).resolve().parent / ".env", recurse=False)

# Loopback unless told otherwise: a reverse proxy on the same host is the way in.
bind = env.str("BIND", "127.0.0.1:8000")
# Pages are CPU-bound (rendering): more processes than cores only queue behind each other
# (bench/RESULTS.md: on 2 cores, 3 workers served more, with a lower p95, than 5).
workers = env.int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)
# Threads let a long CSV export stream while the same worker answers other requests.
worker_class = "gthread"
threads = env.int("GUNICORN_THREADS", 4)
timeout = env.int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (gunicornc) has one path per user by default, which every instance
# run by that user on the machine would share: off, unless given a path of this instance's own.
_control_socket = env.str("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
