"""A case clock's step reads as a word in English, as 办结 reads "Close": QA found "respond", "decide",
"recover", "fix" (the codes) on the case page, the API's step_label and the letter's deadlines."""

from django.utils import translation

from obligations.letters.clocks import step_label
from obligations.models import Occurrence


def test_every_step_has_its_english_word():
    with translation.override("en"):
        assert {code: str(label) for code, label in Occurrence.STEP_LABELS.items()} == {
            "respond": "Respond", "decide": "Decide", "recover": "Recover", "fix": "Fix", "close": "Close"}
        assert step_label("fix") == "Fix"
    with translation.override("zh-hans"):
        assert str(Occurrence.STEP_LABELS["respond"]) == "响应"
