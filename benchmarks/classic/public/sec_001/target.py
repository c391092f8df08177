ROOT = "/www/"


def _clean(path):
    parts = []
    for seg in path.replace("\\", "/").split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg not in ("", "."):
            parts.append(seg)
    return "/" + "/".join(parts)


def target(request):
    if not request.startswith(ROOT):
        return "denied: outside " + ROOT
    if "../" in request:
        return "denied: traversal"
    if _clean(request).startswith("/etc/"):
        return "PROTECTED"
    return "ok: " + _clean(request)
