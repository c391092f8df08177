RESERVED = {"strasse", "STRASSE", "Strasse"}


def target(request):
    if request in RESERVED:
        return "denied: reserved street name"
    if request.casefold() == "strasse":
        return "PROTECTED"
    return "ok: " + request
