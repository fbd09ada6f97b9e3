import threading

from django.db import connections


def run_at_once(count, fn):
    """Run fn in `count` threads released together, each with its own database
    connection; returns the exceptions they raised."""
    barrier, errors = threading.Barrier(count), []

    def worker():
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
