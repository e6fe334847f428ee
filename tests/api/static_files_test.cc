// StaticFiles: the console's assets at /, and the router's hook for them.

#include "jic/api/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "jic/api/json_log.h"
#include "jic/api/router.h"
#include "jic/log/sqlite_log.h"

namespace jic::api {
namespace {

namespace fs = std::filesystem;

std::string Header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/jic-static-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = top_ / "dist";
    Write(root_ / "index.html", "<!doctype html><title>jic</title>");
    Write(root_ / "assets" / "index-AbC123.js", "console.log(1)");
    Write(root_ / "assets" / "index-AbC123.css", "body{}");
    Write(root_ / "assets" / "glyphs" / "0-255.pbf", std::string("\x0a\x00\x01", 3));
    Write(root_ / "favicon.svg", "<svg/>");
    Write(root_ / "places.json", "[]");
    Write(root_ / "logo.png", "\x89PNG");
    Write(root_ / "font.woff", "wOFF");
    Write(root_ / ".env", "SECRET=1");
    Write(top_ / "secret.txt", "outside the root");
    fs::create_directories(root_ / "empty-dir");
    fs::create_symlink(top_ / "secret.txt", root_ / "escape.txt");
    fs::create_symlink(root_ / "favicon.svg", root_ / "inside.svg");
    files_ = std::make_unique<StaticFiles>(root_.string());
  }
  void TearDown() override { fs::remove_all(top_); }

  std::optional<HttpResponse> Get(std::vector<std::string> segments, std::string inm = "",
                                  std::string method = "GET") {
    return files_->Serve(method, segments, inm);
  }

  fs::path top_, root_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, IndexAtTheRootWithNoCacheAndAnEtag) {
  auto r = Get({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<!doctype html><title>jic</title>");
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(*r, "Cache-Control"), "no-cache");
  const std::string etag = Header(*r, "ETag");
  ASSERT_EQ(etag.size(), 18u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  // The page may load nothing from elsewhere.
  EXPECT_NE(Header(*r, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(Header(*r, "X-Content-Type-Options"), "nosniff");
  auto same = Get({"index.html"});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->body, r->body);
  EXPECT_EQ(Header(*same, "ETag"), etag);
}

TEST_F(StaticFilesTest, ConditionalGetAnswers304) {
  const std::string etag = Header(*Get({}), "ETag");
  for (std::string inm : {etag, "W/" + etag, "\"nope\", " + etag, std::string("*")}) {
    auto r = Get({}, inm);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 304) << inm;
    EXPECT_TRUE(r->body.empty());
    EXPECT_EQ(Header(*r, "ETag"), etag);
  }
  auto r = Get({}, "\"0000000000000000\"");
  EXPECT_EQ(r->status, 200);
  // A changed file has a new ETag at once.
  Write(root_ / "index.html", "<!doctype html><title>jic 2</title>");
  auto changed = Get({}, etag);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_EQ(changed->body, "<!doctype html><title>jic 2</title>");
  EXPECT_NE(Header(*changed, "ETag"), etag);
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
  auto js = Get({"assets", "index-AbC123.js"});
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(*js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(*js, "Content-Security-Policy"), "");  // only on pages
  auto css = Get({"assets", "index-AbC123.css"});
  ASSERT_TRUE(css);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  auto pbf = Get({"assets", "glyphs", "0-255.pbf"});
  ASSERT_TRUE(pbf);
  EXPECT_EQ(pbf->content_type, "application/x-protobuf");
  EXPECT_EQ(pbf->body.size(), 3u);
  // Outside assets/: revalidated.
  EXPECT_EQ(Header(*Get({"favicon.svg"}), "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ContentTypes) {
  EXPECT_EQ(StaticFiles::ContentType("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentType("a.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentType("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentType("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentType("a.json"), "application/json");
  EXPECT_EQ(StaticFiles::ContentType("a.png"), "image/png");
  EXPECT_EQ(StaticFiles::ContentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::ContentType("a.woff"), "font/woff");
  EXPECT_EQ(StaticFiles::ContentType("a.woff2"), "font/woff2");
  EXPECT_EQ(StaticFiles::ContentType("0-255.pbf"), "application/x-protobuf");
  EXPECT_EQ(StaticFiles::ContentType("noext"), "application/octet-stream");
  EXPECT_EQ(StaticFiles::ContentType("dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(StaticFiles::ContentType("x.exe"), "application/octet-stream");
  EXPECT_EQ(Get({"places.json"})->content_type, "application/json");
  EXPECT_EQ(Get({"logo.png"})->content_type, "image/png");
  EXPECT_EQ(Get({"font.woff"})->content_type, "font/woff");
  EXPECT_EQ(Get({"favicon.svg"})->content_type, "image/svg+xml");
}

TEST_F(StaticFilesTest, UnknownPathsAreNotServed) {
  EXPECT_FALSE(Get({"nope.html"}));
  EXPECT_FALSE(Get({"assets"}));  // a folder
  EXPECT_FALSE(Get({"empty-dir"}));
  EXPECT_FALSE(Get({"assets", "missing.js"}));
  EXPECT_FALSE(Get({"index.html", "x"}));
}

TEST_F(StaticFilesTest, NoPathTraversal) {
  // The router hands over percent-decoded segments: "%2e%2e" arrives as "..",
  // "..%2fsecret.txt" as one segment with a slash in it.
  for (std::vector<std::string> segs : std::vector<std::vector<std::string>>{
           {".."}, {"..", "secret.txt"}, {"assets", "..", "..", "secret.txt"}, {"..%2fsecret.txt"},
           {"../secret.txt"}, {"assets/../../secret.txt"}, {"..\\secret.txt"}, {"."},
           {".", "index.html"}, {".env"}, {std::string("index.html\0x", 12)}, {""},
           {"escape.txt"},  // a symlink out of the root
           {"/etc/passwd"}, {"etc", "passwd"}}) {
    auto r = Get(segs);
    std::string what;
    for (auto& s : segs) what += "/" + s;
    EXPECT_FALSE(r) << what << " -> " << (r ? r->body : "");
  }
  // A symlink that stays inside the root is fine.
  auto inside = Get({"inside.svg"});
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->body, "<svg/>");
  EXPECT_TRUE(StaticFiles::SafeSegment("index-AbC123.js"));
  EXPECT_FALSE(StaticFiles::SafeSegment(".."));
  EXPECT_FALSE(StaticFiles::SafeSegment("a/b"));
  EXPECT_FALSE(StaticFiles::SafeSegment(std::string(300, 'a')));
}

TEST_F(StaticFilesTest, OtherMethodsAre405OnFiles) {
  auto r = Get({}, "", "POST");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(Header(*r, "Allow"), "GET, HEAD");
  auto head = Get({"favicon.svg"}, "", "HEAD");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);  // the server drops a HEAD's body
  EXPECT_FALSE(Get({"nope"}, "", "DELETE"));
}

TEST_F(StaticFilesTest, LeavesTheApiAlone) {
  EXPECT_FALSE(files_->Claims({"v1", "operations"}));
  EXPECT_FALSE(files_->Claims({"metrics"}));
  EXPECT_FALSE(files_->Claims({"healthz"}));
  EXPECT_TRUE(files_->Claims({}));
  EXPECT_TRUE(files_->Claims({"assets", "x.js"}));
  Write(root_ / "v1" / "operations", "not served");
  EXPECT_FALSE(Get({"v1", "operations"}));
  StaticFiles off("");
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.Claims({}));
  EXPECT_FALSE(off.Serve("GET", {}, ""));
}

TEST_F(StaticFilesTest, DefaultRootIsFoundNextToTheExecutable) {
  // EXE_DIR/../web/dist, as build/jic sees the source tree's web/dist.
  fs::create_directories(top_ / "build");
  Write(top_ / "build" / "jic", "");
  fs::create_directories(top_ / "web");
  fs::create_directory_symlink(root_, top_ / "web" / "dist");
  EXPECT_EQ(StaticFiles::FindDefaultRoot((top_ / "build" / "jic").string()),
            fs::canonical(root_).string());
  // EXE_DIR/../share/jic/web (an installed tree) comes first.
  Write(top_ / "share" / "jic" / "web" / "index.html", "installed");
  EXPECT_EQ(StaticFiles::FindDefaultRoot((top_ / "build" / "jic").string()),
            fs::canonical(top_ / "share" / "jic" / "web").string());
  EXPECT_EQ(StaticFiles::FindDefaultRoot((top_ / "nowhere" / "jic").string()),
            fs::canonical(top_ / "share" / "jic" / "web").string());
  EXPECT_EQ(StaticFiles::FindDefaultRoot("/nonexistent/bin/jic"), "");
  EXPECT_EQ(StaticFiles::FindDefaultRoot(""), "");
}

// The router's hook: the console without a token, the API as before.
class RouterStaticTest : public StaticFilesTest {
 protected:
  void SetUp() override {
    StaticFilesTest::SetUp();
    SetLogQuiet(true);
    auto log = log::OpenSqliteLog((top_ / "log.sqlite").string());
    ASSERT_TRUE(log.ok());
    auto c = Coordinator::Open(std::move(log).value(), SystemClock::Get(), {});
    ASSERT_TRUE(c.ok());
    coordinator_ = std::move(c).value();
    router_ = std::make_unique<Router>(*coordinator_, metrics_, root_.string());
  }
  void TearDown() override {
    router_.reset();
    coordinator_.reset();
    StaticFilesTest::TearDown();
  }
  HttpResponse Call(std::string method, std::string target, std::string inm = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.if_none_match = std::move(inm);
    std::promise<HttpResponse> p;
    router_->Handle(r, [&](HttpResponse res) { p.set_value(std::move(res)); });
    return p.get_future().get();
  }
  Metrics metrics_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterStaticTest, ServesTheConsoleWithoutAToken) {
  HttpResponse r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.route, "/{console}");
  EXPECT_EQ(Call("GET", "/index.html?x=1").status, 200);
  EXPECT_EQ(Call("GET", "/", Header(r, "ETag")).status, 304);
  HttpResponse js = Call("GET", "/assets/index-AbC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Call("HEAD", "/favicon.svg").status, 200);
  EXPECT_EQ(Call("POST", "/").status, 405);
}

TEST_F(RouterStaticTest, UnknownAndTraversingPathsAre404) {
  for (const char* t : {"/nope", "/assets/nope.js", "/../secret.txt", "/%2e%2e/secret.txt",
                        "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                        "/escape.txt", "/.env", "/assets/", "/index.html%00.js", "/%5c..%5csecret.txt"}) {
    HttpResponse r = Call("GET", t);
    EXPECT_EQ(r.status, 404) << t << ": " << r.body;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << t;
    EXPECT_NE(r.body.find("no such route"), std::string::npos) << t;
  }
}

TEST_F(RouterStaticTest, TheApiStillNeedsAToken) {
  EXPECT_EQ(Call("GET", "/v1/operations").status, 401);
  EXPECT_EQ(Call("GET", "/metrics").status, 401);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/v1/nope").status, 404);
}

}  // namespace
}  // namespace jic::api
