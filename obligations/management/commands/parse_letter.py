import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from obligations.letters.parser import read_document
from obligations.letters.reading import LetterReadError, check_clauses, check_file_size, read_letter
from obligations.management.spoken import SpokenCommand


def _deadlines(clause: dict) -> str:
    return ", ".join(f"{d['amount']} {d['unit']}" for d in clause["deadlines"])


class Command(SpokenCommand):
    help = "Parse a commitment letter (.txt or .docx): a table of its clauses, or with --json the parse."
    # Reads one file and touches no database or URL; the checks would only slow it down.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .txt (UTF-8 or GB18030) or .docx letter")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--letter", type=int, default=1,
                            help="which letter of a file holding several (第(1)篇, 第(2)篇 …); 1 is the first")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            check_file_size(path.stat().st_size, path.name)  # refused from its size, unread
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件 %(file)s:%(reason)s") % {"file": file, "reason": exc.strerror}) from None
        except LetterReadError as exc:
            raise CommandError(exc.message) from None
        try:
            document = read_document(read_letter(data, path.name))
            check_clauses(sum(len(letter.clauses) for letter in document.letters))
        except LetterReadError as exc:
            raise CommandError(exc.message) from None
        if not 1 <= options["letter"] <= len(document.letters):
            raise CommandError(_("文件中共有 %(n)d 篇承诺书,没有第 %(letter)d 篇。")
                               % {"n": len(document.letters), "letter": options["letter"]})
        letter = document.letters[options["letter"] - 1].to_json()
        if options["json"]:
            self.stdout.write(json.dumps(letter, ensure_ascii=False))
            return
        self.stdout.write(f"{letter['title'] or _('(无标题)')} {letter['part'] or ''}".rstrip())
        left_out = sum(1 for line in document.lines if line.left_out)
        self.stdout.write(_("第 %(letter)d 篇,共 %(n)d 篇;%(left_out)d 行不是承诺书正文,已略去")
                          % {"letter": options["letter"], "n": len(document.letters), "left_out": left_out})
        self.stdout.write(f"{'clause':<8} {'kind':<10} {'frequency':<12} {'count':<7} {'deadlines':<22} "
                          f"{'review':<6} text")
        for c in letter["clauses"]:
            count = "" if c["count"] is None else str(c["count"])
            review = "yes" if c["needs_review"] else ""
            excerpt = c["text"].replace("\n", " ")[:30]
            self.stdout.write(f"{c['number']:<8} {c['kind']:<10} {c['frequency'] or '':<12} {count:<7} "
                              f"{_deadlines(c):<22} {review:<6} {excerpt}")
        signature = pgettext("letter signature", "有") if letter["signature"] else pgettext("letter signature", "无")
        self.stdout.write(_("共 %(n)d 条;签署部分:%(signature)s") % {"n": len(letter["clauses"]), "signature": signature})

