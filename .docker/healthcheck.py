"""Container health check for the web service: GET /health/ on the local gunicorn.

The request carries the first DJANGO_ALLOWED_HOSTS entry as its Host header (Django answers 400
to any other host) and uses plain HTTP: /health/ is exempt from the HTTPS redirect. Exit status 0
means healthy; anything else, unhealthy. "degraded" (Redis down, pages still served) counts as
healthy: restarting the web container would not bring Redis back.
"""

import json
import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("PORT", "8000")
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts else "localhost"
    if host == "*":
        host = "localhost"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/health/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            body = json.loads(response.read())
    except Exception as exc:  # any failure is "unhealthy"
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if body.get("status") not in {"ok", "degraded"}:
        print(f"unhealthy: {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
