from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from obligations.errors import DomainError
from obligations.management.spoken import SpokenCommand
from obligations.models import Platform, Review
from obligations.oversight.reviews import quarter_of
from obligations.oversight.seal import review_verify


class Command(SpokenCommand):
    help = ("Recompute a closed review's seal, check it against its review.close audit record, and name each evidence file or completion changed, removed or "
            "added since it closed. Exits 1 when anything differs.")

    def add_arguments(self, parser):
        parser.add_argument("platform", help="the platform's slug")
        parser.add_argument("quarter", help="e.g. 2026Q4")

    def handle(self, *args, platform, quarter, **options):
        try:
            year, q = quarter_of(quarter)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        review = Review.objects.filter(platform__slug=platform, year=year, quarter=q).first()
        if review is None:
            if not Platform.objects.filter(slug=platform).exists():
                raise CommandError(_("没有标识为 %(slug)s 的平台。") % {"slug": platform})
            raise CommandError(_("%(slug)s 没有 %(quarter)s 的季度审查。") % {"slug": platform, "quarter": quarter})
        if review.state != Review.State.CLOSED:
            raise CommandError(_("%(slug)s %(quarter)s 的审查尚未关闭,没有封签可核对。")
                               % {"slug": platform, "quarter": review.label})
        intact, differences = review_verify(review)
        verdict = _("成立(即快照的封签,也是关闭时封存的封签)") if intact else _("不成立")
        self.stdout.write(_("封签 %(seal)s %(verdict)s") % {"seal": review.seal, "verdict": verdict})
        for d in differences:
            self.stdout.write(str(d))
        if not intact or differences:
            raise CommandError(_("%(quarter)s 封存以来有 %(n)d 处不同") % {"n": len(differences), "quarter": review.label})
        self.stdout.write(_("审查封存以来没有任何改动"))
