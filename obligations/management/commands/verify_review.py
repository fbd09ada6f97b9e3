from django.core.management.base import BaseCommand, CommandError

from obligations.errors import DomainError
from obligations.models import Platform, Review
from obligations.oversight.reviews import quarter_of
from obligations.oversight.seal import review_verify


class Command(BaseCommand):
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
                raise CommandError(f"没有标识为 {platform} 的平台。")
            raise CommandError(f"{platform} 没有 {quarter} 的季度审查。")
        if review.state != Review.State.CLOSED:
            raise CommandError(f"{platform} {review.label} 的审查尚未关闭,没有封签可核对。")
        intact, differences = review_verify(review)
        verdict = "holds (the snapshot's, and the one sealed at closing)" if intact else "DOES NOT hold"
        self.stdout.write(f"seal {review.seal} {verdict}")
        for d in differences:
            self.stdout.write(str(d))
        if not intact or differences:
            raise CommandError(f"{len(differences)} difference(s) since {review.label} was sealed")
        self.stdout.write("nothing changed since the review was sealed")
