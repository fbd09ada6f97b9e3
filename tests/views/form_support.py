"""A form posted exactly as a page shows it (its initial values; a ticked box as "on")."""


def as_shown(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "include":
            if value:
                data[f"{form.prefix}-{name}"] = "on"
        elif value not in (None, ""):
            data[f"{form.prefix}-{name}"] = value
    return data
