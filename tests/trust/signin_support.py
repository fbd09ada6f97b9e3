"""Helpers for tests that sign in with the second factor: an enrolled authenticator app
and its codes, computed as the app would (django_otp.oath.totp from the device's key)."""

import time

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from obligations.trust.second_factor import APP_NAME


def enrolled_app(user) -> TOTPDevice:
    """The user's confirmed authenticator app (made here, as if enrolled through the pages)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=True)


def code_of(device: TOTPDevice, *, steps_ahead=0) -> str:
    """The app's code now (or `steps_ahead` 30-second steps later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: a code is taken once, so after one of this
    step the next step's (still within the device's tolerance) is used, or the test waits
    for the step to pass."""
    device.refresh_from_db()
    while True:
        now_t = int((time.time() - device.t0) // device.step)
        ahead = max(0, device.last_t + 1 - now_t)
        if ahead <= device.tolerance:
            return code_of(device, steps_ahead=ahead)
        time.sleep(1)


def verify_with_app(client, user) -> TOTPDevice:
    """After a password sign-in of the test client: enrol (if need be) and enter a code."""
    device = enrolled_app(user)
    response = client.post(reverse("second-factor-verify"), {"code": fresh_code(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return device
