"""A worker that survives its broker: kombu 5.7.0's Redis transport kills the worker when
Redis goes while a task runs.

When the connection is lost, Celery closes it; closing its channel restores the running
task's unacknowledged message, and the task's acknowledgement comes later on that same
channel. Both need a Redis client, which the channel makes from its connection's parameters,
but the connection has let go of them (`Transport.client` is None): `_connparams` fails with
AttributeError("'NoneType' object has no attribute 'hostname'"), which neither kombu nor
Celery expects, and the worker stops ("Unrecoverable error"). No kombu release without it is
known to us (issue 21; tests/faults/test_broker_faults.py reproduces it).

`apply` makes such a channel fail with a connection error instead, which both handle: the
close goes on and the worker reconnects; the late acknowledgement is logged ("Couldn't ack")
and the message, left unacknowledged, runs again after the visibility timeout (the tasks
acknowledged late are idempotent, obligations/tasks.py)."""

import redis
from kombu.transport import redis as kombu_redis

_connparams = kombu_redis.Channel._connparams


def _connparams_or_connection_error(self, asynchronous=False):
    if self.connection is None or self.connection.client is None:
        raise redis.exceptions.ConnectionError("this channel's broker connection was closed")
    return _connparams(self, asynchronous=asynchronous)


def apply() -> None:
    kombu_redis.Channel._connparams = _connparams_or_connection_error
