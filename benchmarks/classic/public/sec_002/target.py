def target(request):
    fields = [part.split("=", 1) for part in request.split("&")]
    if any(len(f) != 2 for f in fields):
        return "error: malformed field"
    seen = {}
    for name, value in fields:
        seen.setdefault(name, value)
    if seen.get("mode") != "read":
        return "denied: only read mode is accepted"
    effective = dict(fields)
    if effective.get("mode") == "write" and effective.get("file") == "ledger":
        return "PROTECTED"
    return "ok: " + effective.get("mode", "?")
