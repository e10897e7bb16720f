# Varnish in front of Newsroom: caches what the site marks public, purges by surrogate key (xkey vmod).
# Debian: apt-get install varnish varnish-modules. docs/site.md « CDN » explains each rule.
# The tests (tests/articles/test_varnish.py) replace the backend's host and port with their own server.
vcl 4.1;

import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the web and worker machines (purge_backends.VarnishXkeyBackend).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            # Withdrawal, unpublish: gone at once, no grace.
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            # Publish, edit: expired but kept for grace, so one background fetch refreshes it.
            set req.http.x-purged = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (synth(400, "xkey-purge or xkey-softpurge header required"));
        }
        return (synth(200, "Invalidated " + req.http.x-purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff (a session cookie) and the admin never share a cached copy.
    if (req.url ~ "^/admin/" || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Other cookies (CSRF, analytics) do not change a public page: one copy for every reader.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # The site names what a page shows in Surrogate-Key; xkey indexes the xkey header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # No stale-while-revalidate (a scheduled story is due): no grace either, so it appears on time.
    if (beresp.http.Cache-Control !~ "stale-while-revalidate") {
        set beresp.grace = 0s;
    }
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
