"""A period's tasks per obligation, as the letter version in force named them: the rows of
each state (one grouped query) and the slots the schedule still owes the period, not
raised yet (`pending`); `due` is their sum, what the schedule makes due. The regulator's
report and the quarterly review count their tasks with it."""

from django.db.models import Count

STATES = ("done", "done_late", "missed", "waived", "open")
FIGURES = (*STATES, "pending")


def obligation_figures(occurrences, *, in_force, pending) -> list[dict]:
    """Rows {clause, key, title, trigger, due, <each of FIGURES>} in clause order, one per
    obligation and wording: an obligation renumbered or renamed by an amendment inside the
    period has a row per version. `occurrences`: the period's tasks; `pending`: the
    (obligation, slot) pairs of work/sweeps.unraised_slots."""
    rows = (occurrences.values("obligation__key", "obligation__title", "obligation__clause__number",
                               "obligation__clause__ordinal", "state")
            .annotate(n=Count("id"), version=in_force.number_at("due_at", due=True)).order_by())
    counted = [(row["obligation__key"], row["version"], row["state"], row["n"],
                (row["obligation__clause__number"], row["obligation__clause__ordinal"], row["obligation__title"]))
               for row in rows]
    counted += [(ob.key, version.number if version else 0, "pending", 1, (ob.clause.number, ob.clause.ordinal, ob.title))
                for ob, slot in pending for version in [in_force.at(slot.due_at, due=True)]]
    result: dict[tuple, dict] = {}
    for key, version, state, n, (number, ordinal, title) in counted:
        term = in_force.term(version, key)
        if term is not None:  # else an obligation of no clause (a review's rectification): as it stands
            number, ordinal, title = term.clause, term.ordinal, term.title
        item = result.setdefault((key, number, title), {
            "clause": number, "key": key, "title": title, "ordinal": ordinal, "trigger": term.trigger if term else "",
            "due": 0, **dict.fromkeys(FIGURES, 0)})
        item["due"] += n
        item[state] += n
    return sorted(result.values(), key=lambda item: (item.pop("ordinal"), item["key"]))
