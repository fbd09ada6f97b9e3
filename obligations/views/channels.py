"""The channels pages: a platform's group robots, set by its officer (with the failed
deliveries they should know of), and a person's own channels."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..alerts.channel_settings import (
    channel_failures,
    person_channels_choose,
    robot_remove,
    robot_save,
    robot_test,
)
from ..alerts.channels import reason_text
from ..forms.channels import PersonChannelsForm, RobotForm
from ..models import Platform, Robot, UserPreferences
from ..schedule import local_time
from ..trust import access
from ..wording import enumeration


def _platform(request, slug) -> Platform:
    platform = get_object_or_404(Platform, slug=slug)
    access.require_page(request.user, platform.pk, "platform-channels")
    return platform


def _robot(platform, pk) -> Robot:
    return get_object_or_404(Robot, platform=platform, pk=pk, removed_at__isnull=True)


@require_http_methods(["GET", "POST"])
def platform_channels(request, slug):
    platform = _platform(request, slug)
    form = RobotForm(request.POST or None, initial={"language": settings.LANGUAGE_CODE, "topics": list(Robot.Topic)})
    if request.method == "POST" and form.is_valid():
        robot = form.save(commit=False)
        robot.platform = platform
        robot_save(robot, user=request.user, now=timezone.now(), secret=form.cleaned_data["secret"])
        messages.success(request, _("已添加群机器人“%(name)s”。") % {"name": robot.name})
        return redirect("platform-channels", slug=platform.slug)
    failures = list(channel_failures(platform))
    for d in failures:
        d.reason = reason_text(d.error)
    robots = list(platform.robots.filter(removed_at__isnull=True))
    for robot in robots:
        robot.topics_text = enumeration(robot.topic_labels)
    return render(request, "obligations/channels/platform.html", {
        "platform": platform, "form": form, "failures": failures, "robots": robots})


@require_http_methods(["GET", "POST"])
def robot_edit(request, slug, pk):
    platform = _platform(request, slug)
    robot = _robot(platform, pk)
    form = RobotForm(request.POST or None, instance=robot)
    if request.method == "POST" and form.is_valid():
        robot_save(form.save(commit=False), user=request.user, now=timezone.now(),
                   secret=form.cleaned_data["secret"] or None)  # blank: keep the secret kept
        messages.success(request, _("已保存群机器人“%(name)s”。") % {"name": robot.name})
        return redirect("platform-channels", slug=platform.slug)
    return render(request, "obligations/channels/robot_edit.html", {"platform": platform, "form": form,
                                                                     "robot": robot})


@require_POST
def robot_test_view(request, slug, pk):
    platform = _platform(request, slug)
    robot = _robot(platform, pk)
    now = timezone.now()
    failure = robot_test(robot, user=request.user, now=now)
    if failure:
        messages.error(request, _("测试消息未能发送:%(reason)s。时间:%(time)s") % {
            "time": local_time.zoned(now, platform.tz, seconds=True), "reason": reason_text(failure)})
    else:
        messages.success(request, _("测试消息已发送到“%(name)s”所在的群。") % {"name": robot.name})
    return redirect("platform-channels", slug=platform.slug)


@require_POST
def robot_remove_view(request, slug, pk):
    platform = _platform(request, slug)
    robot = _robot(platform, pk)
    robot_remove(robot, user=request.user, now=timezone.now())
    messages.success(request, _("已删除群机器人“%(name)s”。") % {"name": robot.name})
    return redirect("platform-channels", slug=platform.slug)


@require_http_methods(["GET", "POST"])
def my_channels(request):
    prefs = UserPreferences.objects.filter(user_id=request.user.pk).first()
    initial = {"by_email": prefs.by_email, "by_sms": prefs.by_sms, "phone": prefs.phone} if prefs else {
        "by_email": True}
    form = PersonChannelsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        person_channels_choose(request.user, now=timezone.now(), **form.cleaned_data)
        messages.success(request, _("已保存您的通知渠道。"))
        return redirect("my-channels")
    return render(request, "obligations/channels/mine.html", {"form": form})
