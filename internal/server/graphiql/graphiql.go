// Package graphiql serves the GraphiQL IDE from assets embedded in the
// binary, so the IDE works on machines without internet access and never
// depends on a third-party CDN being up or trustworthy.
//
// The handler answers two kinds of path and nothing else:
//
//   - "/" is the IDE page, which points GraphiQL at the GraphQL endpoint
//     given to [Handler] over HTTP and, for subscriptions, over a websocket;
//   - [AssetPrefix] + file name is one of the embedded browser bundles
//     (React, ReactDOM, GraphiQL and graphql-ws; see assets/LICENSES.md).
//
// Because the page refers to its assets by absolute path, the handler must
// see request paths unchanged: mount it at "/" (and, if "/" belongs to
// something else, at [AssetPrefix] as well) rather than behind
// http.StripPrefix.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetPrefix is the URL path under which the handler serves the embedded
// browser bundles. The IDE page loads every script and stylesheet from here.
const AssetPrefix = "/graphiql/assets/"

//go:embed assets
var assetFiles embed.FS

// asset is one embedded file, prepared once so a request only copies bytes.
type asset struct {
	body        []byte
	contentType string
	// etag is a strong validator derived from the content, so a client that
	// revalidates (for example after a hard reload) gets a 304 instead of
	// re-downloading a megabyte of JavaScript.
	etag string
	// version is a short content hash appended to the asset's URL as ?v=.
	// The assets are cached as immutable under fixed names; the version
	// changes the URL whenever a bundle is upgraded, so browsers cannot keep
	// running a stale copy against a new page.
	version string
}

// contentTypes pins the types of the files we ship. mime.TypeByExtension
// consults the host's mime.types, whose answer for ".js" has varied between
// systems; browsers refuse scripts served with a non-JavaScript type when
// nosniff is set, so the IDE's correctness should not depend on the host.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".md":  "text/markdown; charset=utf-8",
}

// loadAssets reads the embedded files once per process; every Handler
// shares the result because the files cannot change at run time.
var loadAssets = sync.OnceValue(func() map[string]asset {
	entries, err := fs.ReadDir(assetFiles, "assets")
	if err != nil {
		// The directory is compiled in; failing to list it means the
		// binary itself is broken, not that a request was bad.
		panic("graphiql: embedded assets unreadable: " + err.Error())
	}
	assets := make(map[string]asset, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("graphiql: embedded asset unreadable: " + err.Error())
		}
		ext := path.Ext(e.Name())
		ctype, ok := contentTypes[ext]
		if !ok {
			ctype = mime.TypeByExtension(ext)
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		assets[e.Name()] = asset{
			body:        body,
			contentType: ctype,
			etag:        `"` + hash + `"`,
			version:     hash[:12],
		}
	}
	return assets
})

// defaultQuery is what a first-time visitor sees in the editor. It is all
// comments so it stays valid whatever the schema becomes, and it explains
// the one step people get stuck on: authenticating.
const defaultQuery = `# Welcome to GraphiQL.
#
# Most operations need a signed-in agent:
#  1. Run the login mutation:
#       mutation {
#         login(email: "…", password: "…") { token }
#       }
#  2. Paste the token into the Headers tab below:
#       {"Authorization": "Bearer <token>"}
#
# Subscriptions send the same headers when they
# connect, as the connection_init payload.
`

// pageTemplate is rendered with html/template so the endpoint and default
// query, which are arbitrary strings, are escaped for the JavaScript context
// they land in rather than spliced into the script by hand.
var pageTemplate = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="stylesheet" href="{{.Assets.CSS}}">
<style>
html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript enabled.</noscript>
<script src="{{.Assets.React}}"></script>
<script src="{{.Assets.ReactDOM}}"></script>
<script src="{{.Assets.GraphQLWS}}"></script>
<script src="{{.Assets.GraphiQL}}"></script>
<script>
(function () {
  "use strict";

  // Resolve the endpoint against the page's own address so the IDE follows
  // whatever host, port and scheme (behind a TLS proxy: https) it was
  // reached through, and derive the websocket URL from the same place.
  var httpURL = new URL({{.Endpoint}}, window.location.href);
  var wsURL = new URL(httpURL.href);
  wsURL.protocol = httpURL.protocol === "https:" ? "wss:" : "ws:";

  // A websocket carries its credentials once, in connection_init, while
  // the Headers tab can change between runs. So the headers seen on the
  // latest run decide which graphql-ws client new subscriptions use: when
  // they change, the next subscription opens a fresh connection with the
  // new headers as connectionParams. Clients are lazy, so a replaced one
  // closes by itself once its last subscription ends.
  var wsHeaders = "{}";
  var ws = null;
  var wsClient = {
    subscribe: function (payload, sink) {
      if (ws === null) {
        ws = graphqlWs.createClient({
          url: wsURL.href,
          connectionParams: JSON.parse(wsHeaders)
        });
      }
      return ws.subscribe(payload, sink);
    }
  };

  var send = GraphiQL.createFetcher({
    url: httpURL.href,
    subscriptionUrl: wsURL.href,
    wsClient: wsClient
  });

  function fetcher(params, opts) {
    var headers = JSON.stringify((opts && opts.headers) || {});
    if (headers !== wsHeaders) {
      wsHeaders = headers;
      ws = null;
    }
    return send(params, opts);
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: {{.DefaultQuery}},
      isHeadersEditorEnabled: true,
      // Open the Headers tab on first visit: it is where the token goes.
      defaultEditorToolsVisibility: "headers"
    })
  );
})();
</script>
</body>
</html>
`))

// pageAssets holds the versioned URLs the page loads its bundles from.
type pageAssets struct {
	React, ReactDOM, GraphQLWS, GraphiQL, CSS string
}

// Handler returns an http.Handler serving the GraphiQL IDE for the GraphQL
// API at endpoint, a path such as "/graphql" (resolved against the page's
// address in the browser) or an absolute http(s) URL. Subscriptions go to
// the same address with the ws or wss scheme.
//
// The handler serves the IDE page at exactly "/" and the embedded bundles
// under [AssetPrefix]; every other path is a 404, so it is safe to mount as
// a mux's catch-all. Only GET and HEAD are allowed.
func Handler(endpoint string) http.Handler {
	assets := loadAssets()
	url := func(name string) string {
		a, ok := assets[name]
		if !ok {
			panic("graphiql: embedded asset missing: " + name)
		}
		return AssetPrefix + name + "?v=" + a.version
	}

	// The page depends only on endpoint, so render it once here instead of
	// on every request.
	var page bytes.Buffer
	err := pageTemplate.Execute(&page, struct {
		Endpoint     string
		DefaultQuery string
		Assets       pageAssets
	}{
		Endpoint:     endpoint,
		DefaultQuery: defaultQuery,
		Assets: pageAssets{
			React:     url("react.production.min.js"),
			ReactDOM:  url("react-dom.production.min.js"),
			GraphQLWS: url("graphql-ws.min.js"),
			GraphiQL:  url("graphiql.min.js"),
			CSS:       url("graphiql.min.css"),
		},
	})
	if err != nil {
		// Only a bug in the constant template can get here.
		panic("graphiql: rendering page: " + err.Error())
	}

	return &handler{page: page.Bytes(), assets: assets}
}

// handler routes between the IDE page and the embedded assets.
type handler struct {
	page   []byte
	assets map[string]asset
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		if !allowRead(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		// no-cache (revalidate every time) rather than no-store: the page is
		// tiny, and always fetching it is what lets a new deployment's
		// versioned asset URLs take effect immediately.
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.page))

	case strings.HasPrefix(p, AssetPrefix):
		// An exact map lookup: names containing "/" or ".." simply miss, so
		// there is no path to traverse out of the asset directory.
		a, ok := h.assets[strings.TrimPrefix(p, AssetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowRead(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", a.contentType)
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
		hdr.Set("X-Content-Type-Options", "nosniff")
		// ServeContent answers If-None-Match against this ETag and handles
		// HEAD and Range requests.
		hdr.Set("ETag", a.etag)
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(a.body))

	default:
		http.NotFound(w, r)
	}
}

// allowRead rejects methods other than GET and HEAD with 405, reporting
// whether the request may proceed. Nothing here changes state, so a POST
// reaching the handler is a client pointed at the wrong path, and telling it
// so beats silently returning the IDE page.
func allowRead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}
