"""PublicPageMiddleware: anonymous reads of public pages answered from the shared page cache.

It sits right after WhiteNoise, before the session, locale, CSRF and auth middleware: a cache hit
costs one cache round trip and skips them all (public pages read no session and speak only French).
On the way back it stores what a public_page view built, with every header the inner middleware
added (CSP, X-Frame-Options…), and compresses it once (gzip; public pages carry no secret, see
docs/site.md on BREACH). After a soft purge one request rebuilds a page while others get the
previous copy; after a hard purge (or with no copy) the others wait for that one rebuild.
"""

import time

from django.core.exceptions import DisallowedHost

from articles import pagecache, plans


class PublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not pagecache.is_anonymous_read(request):
            plans.use(plans.OTHERS)
            return self.get_response(request)
        try:
            page_key = pagecache.page_id(request)
        except DisallowedHost:
            plans.use(plans.OTHERS)
            return self.get_response(request)  # CommonMiddleware answers 400
        entry, seq, state = pagecache.lookup(page_key)
        if state == pagecache.FRESH:
            return pagecache.respond(request, entry)
        build = pagecache.Build(page_key=page_key, seq=seq, previous=entry)
        if state in (pagecache.SOFT, pagecache.HARD):
            build.locked = pagecache.acquire(page_key)
            if build.locked:
                # Another process may have stored the page and let go of the lock between our lookup
                # and our lock: serve its copy rather than build the page a second time for one purge.
                current, _, state = pagecache.lookup(page_key)
                if state == pagecache.FRESH:
                    pagecache.release(page_key)
                    return pagecache.respond(request, current)
            elif state == pagecache.SOFT:
                return pagecache.respond(request, entry, stale=True)
            else:
                rebuilt = pagecache.wait_for_rebuild(page_key)
                if rebuilt is not None:
                    return pagecache.respond(request, rebuilt)
        build.started = time.time()  # before the view reads the database
        # Generic plans allowed while a public page is built; any other request turns them off.
        plans.use(plans.READERS)
        try:
            response = self.get_response(request)
            keys = getattr(response, "public_page_keys", None)
            if keys is None or response.cookies or response.status_code != 200:
                return response
            return pagecache.respond(request, pagecache.make_entry(build, response, keys))
        finally:
            if build.locked:
                pagecache.release(page_key)
