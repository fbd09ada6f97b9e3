"""Each task's, case's and review's state as its audit trail gives it, against the row.

Every state change writes its audit record in the change's own transaction, so the
trail alone gives the state each row must be in, even when the row was changed with the
database's guards (migration 0014) switched off. The rule, record by record, the last
record naming a row deciding:

- a task (Occurrence) is open until a record says otherwise: `occurrence.complete` and
  `occurrence.reopen` carry the state they left (`data.state`), `occurrence.waive` makes
  it waived, `occurrences.waive` (adoption's past periods) waives each task it lists,
  `sweep.close_out` makes missed each task it lists;
- a case is open from `case.open`, closed from `case.close`;
- a review is open from `review.open`, closed from `review.close`.

A row the trail names that is gone is reported too (`gone`). `trail_differences` reads
the records of these actions once, in id order, then each table once, streaming: a
constant number of queries, memory for the rows the trail names.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import AuditEvent, Case, Occurrence, Review

GONE = "gone"
OPEN = "open"


def _task_states(action: str, object_id: str, data: dict):
    if action in ("occurrence.complete", "occurrence.reopen"):
        yield int(object_id), data.get("state")
    elif action == "occurrence.waive":
        yield int(object_id), Occurrence.State.WAIVED.value
    elif action == "occurrences.waive":
        for pk in data.get("occurrences", []):
            yield pk, Occurrence.State.WAIVED.value
    elif action == "sweep.close_out":
        for pk in data.get("occurrences", []):
            yield pk, Occurrence.State.MISSED.value


def _opened_closed(opened: str, closed: str, closed_state: str):
    def states(action, object_id, data):
        yield int(object_id), OPEN if action == opened else closed_state
    return {opened: states, closed: states}


# model -> {action: (action, object_id, data) -> iterable of (row id, state)}
RULES = {
    Occurrence: dict.fromkeys(("occurrence.complete", "occurrence.reopen", "occurrence.waive", "occurrences.waive",
                               "sweep.close_out"), _task_states),
    Case: _opened_closed("case.open", "case.close", Case.State.CLOSED.value),
    Review: _opened_closed("review.open", "review.close", Review.State.CLOSED.value),
}


@dataclass(frozen=True)
class StateDifference:
    kind: str  # Occurrence | Case | Review
    ident: int
    current: str  # the row's state now, or "gone"
    by_trail: str  # the state its audit records give

    def __str__(self):
        return _("%(kind)s #%(id)s:现在的状态 %(current)s,审计记录给出的状态 %(by_trail)s") % {
            "kind": self.kind, "id": self.ident, "current": self.current, "by_trail": self.by_trail}


def trail_states() -> dict:
    """{model: {row id: state by the trail}} for the rows the trail names, in one query."""
    actions = {action: (model, rule) for model, rules in RULES.items() for action, rule in rules.items()}
    states = {model: {} for model in RULES}
    events = AuditEvent.objects.filter(action__in=actions).order_by("id").values_list("action", "object_id", "data")
    for action, object_id, data in events.iterator(chunk_size=2000):
        model, rule = actions[action]
        for pk, state in rule(action, object_id, data or {}):
            states[model][int(pk)] = state
    return states


def trail_differences() -> list[StateDifference]:
    """Every task, case and review whose state is not the one its trail gives (rows the
    trail never names must be open), and every row the trail names that is gone."""
    differences = []
    for model, expected in trail_states().items():
        kind = model.__name__
        for pk, state in model.objects.order_by("id").values_list("id", "state").iterator(chunk_size=5000):
            by_trail = expected.pop(pk, OPEN)
            if state != by_trail:
                differences.append(StateDifference(kind, pk, state, by_trail))
        differences += [StateDifference(kind, pk, GONE, state) for pk, state in sorted(expected.items())]
    return differences
