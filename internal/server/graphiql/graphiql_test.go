package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// get performs a request against h and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return res, string(body)
}

// assetRefs matches the script and stylesheet URLs the page loads.
var assetRefs = regexp.MustCompile(`(?:src|href)="(/graphiql/assets/[^"]+)"`)

func TestPage(t *testing.T) {
	h := Handler("/graphql")
	res, body := get(t, h, http.MethodGet, "/", nil)

	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/html; charset=utf-8", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}

	// html/template writes the endpoint as a JS string literal, escaping
	// "/" as "\/"; either spelling evaluates to the same string.
	if !strings.Contains(body, `"\/graphql"`) && !strings.Contains(body, `"/graphql"`) {
		t.Errorf("page does not contain the endpoint as a JS string:\n%s", body)
	}
	for _, want := range []string{
		"GraphiQL.createFetcher(",
		"graphqlWs.createClient(",
		"subscriptionUrl:",
		"wsClient:",
		"isHeadersEditorEnabled: true",
		"ReactDOM.createRoot(",
		"Authorization",
		"login",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// Scripts must load in dependency order: GraphiQL's UMD wrapper reads
	// window.React and window.ReactDOM at load time.
	var order []string
	for _, m := range assetRefs.FindAllStringSubmatch(body, -1) {
		order = append(order, strings.SplitN(m[1], "?", 2)[0])
	}
	want := []string{
		"/graphiql/assets/graphiql.min.css",
		"/graphiql/assets/react.production.min.js",
		"/graphiql/assets/react-dom.production.min.js",
		"/graphiql/assets/graphql-ws.min.js",
		"/graphiql/assets/graphiql.min.js",
	}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("asset references = %v, want %v", order, want)
	}
}

func TestPageEscapesEndpoint(t *testing.T) {
	// An endpoint that tried to close the script element or the string must
	// come out inert.
	evil := `/gql"</script><script>alert(1)</script>`
	_, body := get(t, Handler(evil), http.MethodGet, "/", nil)
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatalf("endpoint was injected unescaped:\n%s", body)
	}
	// Four external scripts plus the inline one.
	if n := strings.Count(body, "</script>"); n != 5 {
		t.Errorf("page has %d </script> tags, want 5: the endpoint broke out of its string", n)
	}
}

func TestAssetsReferencedByPage(t *testing.T) {
	h := Handler("/graphql")
	_, page := get(t, h, http.MethodGet, "/", nil)
	refs := assetRefs.FindAllStringSubmatch(page, -1)
	if len(refs) == 0 {
		t.Fatal("page references no assets")
	}

	for _, m := range refs {
		// html/template may escape '&' etc. in attributes; our URLs have
		// none, so the attribute value is the URL as the browser sees it.
		target := m[1]
		t.Run(target, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if len(body) < 1000 {
				t.Errorf("body is %d bytes; a real bundle is far larger", len(body))
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", cc)
			}
			ct := res.Header.Get("Content-Type")
			switch {
			case strings.Contains(target, ".js?"):
				if !strings.HasPrefix(ct, "text/javascript") {
					t.Errorf("Content-Type = %q, want text/javascript", ct)
				}
			case strings.Contains(target, ".css?"):
				if !strings.HasPrefix(ct, "text/css") {
					t.Errorf("Content-Type = %q, want text/css", ct)
				}
			default:
				t.Errorf("unexpected asset type in %s", target)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("missing X-Content-Type-Options: nosniff")
			}

			// The same bytes must be served when the cache-busting query
			// is absent, as after a manual request.
			path := strings.SplitN(target, "?", 2)[0]
			_, plain := get(t, h, http.MethodGet, path, nil)
			if plain != body {
				t.Errorf("%s without ?v= served different content", path)
			}

			// A revalidation with the ETag is answered without a body.
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			res2, body2 := get(t, h, http.MethodGet, target, http.Header{"If-None-Match": {etag}})
			if res2.StatusCode != http.StatusNotModified || body2 != "" {
				t.Errorf("If-None-Match: status %d, %d-byte body; want 304 and empty", res2.StatusCode, len(body2))
			}
		})
	}
}

func TestAssetContentIsTheExpectedBundle(t *testing.T) {
	// Guard against the assets being swapped for the wrong files: each
	// bundle must define the global the page relies on.
	h := Handler("/graphql")
	for file, marker := range map[string]string{
		"graphiql.min.js":             ".GraphiQL=",
		"graphql-ws.min.js":           ".graphqlWs=",
		"react.production.min.js":     "React",
		"react-dom.production.min.js": "ReactDOM",
		"graphiql.min.css":            ".graphiql-container",
	} {
		_, body := get(t, h, http.MethodGet, AssetPrefix+file, nil)
		if !strings.Contains(body, marker) {
			t.Errorf("%s does not contain %q", file, marker)
		}
	}
}

func TestNotFound(t *testing.T) {
	h := Handler("/graphql")
	for _, target := range []string{
		"/nope",
		"/graphql",
		"/index.html",
		"/graphiql",
		"/graphiql/assets/",
		"/graphiql/assets/missing.js",
		"/graphiql/assets/../graphiql.go",
		"/graphiql/assets/assets/graphiql.min.js",
	} {
		res, _ := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status = %d, want 404", target, res.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	h := Handler("/graphql")

	res, body := get(t, h, http.MethodHead, "/", nil)
	if res.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD /: status %d, %d-byte body; want 200 and empty", res.StatusCode, len(body))
	}

	for _, target := range []string{"/", AssetPrefix + "graphiql.min.js"} {
		res, _ := get(t, h, http.MethodPost, target, nil)
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status = %d, want 405", target, res.StatusCode)
		}
		if allow := res.Header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("POST %s: Allow = %q", target, allow)
		}
	}
}
