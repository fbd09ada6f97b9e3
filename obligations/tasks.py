"""Celery tasks: thin wrappers over the sweeps, run by beat every minute."""

from celery import shared_task
from django.utils import timezone

from .work import sweeps


@shared_task(name="obligations.tasks.sweep")
def sweep():
    return sweeps.sweep(now=timezone.now())
