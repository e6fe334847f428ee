// Router: the API as a function from request to response, without sockets.

#include "jic/api/router.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <nlohmann/json.hpp>

#include "jic/agreement/agreement_loader.h"
#include "jic/api/json_log.h"
#include "jic/log/sqlite_log.h"

namespace jic::api {
namespace {

using nlohmann::json;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogQuiet(true);
    char tmpl[] = "/tmp/jic-router-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto log = log::OpenSqliteLog(dir_ + "/log.sqlite");
    ASSERT_TRUE(log.ok());
    auto c = Coordinator::Open(std::move(log).value(), SystemClock::Get(), {});
    ASSERT_TRUE(c.ok());
    coordinator_ = std::move(c).value();
    std::ifstream f(std::string(JIC_SOURCE_DIR) + "/scenarios/jic-2016/agreement.yaml");
    std::stringstream ss;
    ss << f.rdbuf();
    engine::Command init;
    init.type = std::string(engine::kAgreementInit);
    init.actor = {"t", "", engine::Role::kSystem};
    init.body = json{{"agreement", json::parse(*agreement::AgreementToCanonicalJson(ss.str()))}}.dump();
    ASSERT_TRUE(coordinator_->SubmitAndWait(init).ok());
    for (auto [name, party, role] : {std::tuple{"adm", "UN", "admin"}, {"pat", "US", "planner"},
                                     {"una", "UN", "observer"}}) {
      engine::Command u;
      u.type = std::string(engine::kUserAdd);
      u.actor = {"t", "", engine::Role::kSystem};
      u.body = json{{"name", name}, {"party", party}, {"role", role},
                    {"token_hash", engine::HashToken(std::string("tok-") + name)}}
                   .dump();
      ASSERT_TRUE(coordinator_->SubmitAndWait(u).ok());
    }
    router_ = std::make_unique<Router>(*coordinator_, metrics_);
  }
  void TearDown() override {
    router_.reset();
    coordinator_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Call(std::string method, std::string target, std::string token = "",
                    std::string body = "", std::string content_type = "application/json") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (!token.empty()) r.authorization = "Bearer " + token;
    r.body = std::move(body);
    if (!r.body.empty()) r.content_type = content_type;
    std::promise<HttpResponse> p;
    router_->Handle(r, [&](HttpResponse res) { p.set_value(std::move(res)); });
    return p.get_future().get();
  }

  std::string dir_;
  Metrics metrics_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, HealthNeedsNoTokenEverythingElseDoes) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  auto r = Call("GET", "/v1/operations");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/v1/operations", "wrong").status, 401);
  EXPECT_EQ(Call("GET", "/metrics").status, 401);
  EXPECT_EQ(Call("GET", "/v1/operations", "tok-pat").status, 200);
  auto m = Call("GET", "/metrics", "tok-una");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("jic_log_last_seq 4"), std::string::npos) << m.body;
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
}

TEST_F(RouterTest, UnknownRoutesWrongMethodsAndMediaTypes) {
  EXPECT_EQ(Call("GET", "/nope", "tok-pat").status, 404);
  EXPECT_EQ(Call("GET", "/v1/nope").status, 404);
  EXPECT_EQ(Call("GET", "/v1/operations/x/y/z", "tok-pat").status, 404);
  auto r = Call("DELETE", "/v1/operations", "tok-pat");
  EXPECT_EQ(r.status, 405);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, POST");
  r = Call("POST", "/v1/operations", "tok-pat", "operator=US", "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "Content-Type");
  EXPECT_EQ(Call("GET", "/v1/operations/%zz", "tok-pat").status, 400);
  EXPECT_EQ(Call("GET", "/v1/operations?state=flying", "tok-pat").status, 400);
  EXPECT_EQ(Call("GET", "/v1/areas?at=yesterday", "tok-pat").status, 400);
}

TEST_F(RouterTest, ErrorsNameTheFieldAndCountAll) {
  auto r = Call("POST", "/v1/operations", "tok-pat", R"({"operator": "US", "category": 5})");
  EXPECT_EQ(r.status, 400);
  json e = json::parse(r.body)["error"];
  EXPECT_EQ(e["code"], "invalid_argument");
  EXPECT_FALSE(e["field"].get<std::string>().empty());
  EXPECT_TRUE(e.contains("details")) << "several problems are all listed: " << r.body;
  EXPECT_EQ(Call("POST", "/v1/operations", "tok-una", "{}").status, 403);
  auto m = Call("GET", "/metrics", "tok-una").body;
  EXPECT_NE(m.find(R"(jic_http_requests_total)"), std::string::npos);
}

TEST_F(RouterTest, AdminAddsUsersAndTheTokenWorks) {
  EXPECT_EQ(Call("POST", "/v1/users", "tok-pat", R"({"name":"x","party":"US","role":"planner"})").status, 403);
  auto r = Call("POST", "/v1/users", "tok-adm", R"({"name":"olga","party":"RU","role":"officer"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string token = json::parse(r.body)["token"];
  auto who = Call("GET", "/v1/whoami", token);
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(json::parse(who.body)["party"], "RU");
  EXPECT_EQ(Call("POST", "/v1/users", "tok-adm", R"({"name":"olga","party":"RU","role":"officer"})").status, 409);
  auto list = Call("GET", "/v1/users", "tok-adm");
  EXPECT_EQ(list.body.find("token"), std::string::npos);
}

TEST_F(RouterTest, IfMatchMustBeAVersion) {
  HttpRequest r;
  r.method = "PUT";
  r.target = "/v1/operations/op-1";
  r.authorization = "Bearer tok-pat";
  r.body = "{}";
  r.content_type = "application/json";
  for (const char* bad : {"abc", "-1", "\"\"", "1x"}) {
    r.if_match = bad;
    std::promise<HttpResponse> p;
    router_->Handle(r, [&](HttpResponse res) { p.set_value(std::move(res)); });
    HttpResponse res = p.get_future().get();
    EXPECT_EQ(res.status, 400) << bad;
    EXPECT_EQ(json::parse(res.body)["error"]["field"], "If-Match") << bad;
  }
}

TEST_F(RouterTest, EventsAnswerWithAStream) {
  auto r = Call("GET", "/v1/events", "tok-una");
  EXPECT_TRUE(r.event_stream);
  EXPECT_EQ(r.events_after, 4u) << "without Last-Event-ID: only what comes next";
  HttpRequest q;
  q.method = "GET";
  q.target = "/v1/events";
  q.authorization = "Bearer tok-una";
  q.last_event_id = "2";
  std::promise<HttpResponse> p;
  router_->Handle(q, [&](HttpResponse res) { p.set_value(std::move(res)); });
  HttpResponse res = p.get_future().get();
  EXPECT_TRUE(res.event_stream);
  EXPECT_EQ(res.events_after, 2u);
  q.last_event_id = "-3";
  std::promise<HttpResponse> p2;
  router_->Handle(q, [&](HttpResponse res2) { p2.set_value(std::move(res2)); });
  EXPECT_EQ(p2.get_future().get().status, 400);
}

}  // namespace
}  // namespace jic::api
