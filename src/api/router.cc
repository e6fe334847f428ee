#include "jic/api/router.h"

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jic/api/ledger_service.h"
#include "jic/api/openapi.h"
#include "jic/ingest/track_json.h"
#include "jic/base/time_format.h"

namespace jic::api {

using engine::Actor;
using engine::Command;
using engine::Reply;
using engine::Role;
using nlohmann::json;

namespace {

std::string PercentDecode(std::string_view s, bool* ok) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        *ok = false;
        return out;
      }
      int a = hex(s[i + 1]), b = hex(s[i + 2]);
      if (a < 0 || b < 0) {
        *ok = false;
        return out;
      }
      out.push_back(static_cast<char>(a * 16 + b));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;  // decoded path segments
  std::vector<std::pair<std::string, std::string>> query;
  bool ok = true;

  std::optional<std::string> Param(std::string_view key) const {
    for (const auto& [k, v] : query) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, at
// most U+10FFFF).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Target ParseTarget(std::string_view target) {
  Target t;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.empty() || path[0] != '/') {
    t.ok = false;
    return t;
  }
  size_t i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (!seg.empty()) {
      t.segments.push_back(PercentDecode(seg, &t.ok));
      if (!ValidUtf8(t.segments.back())) t.ok = false;
    }
    i = j + 1;
  }
  if (q != std::string_view::npos) {
    std::string_view qs = target.substr(q + 1);
    size_t k = 0;
    while (k < qs.size()) {
      size_t amp = qs.find('&', k);
      if (amp == std::string_view::npos) amp = qs.size();
      std::string_view kv = qs.substr(k, amp - k);
      size_t eq = kv.find('=');
      std::string key = PercentDecode(kv.substr(0, eq), &t.ok);
      std::string val = eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1), &t.ok);
      if (!ValidUtf8(key) || !ValidUtf8(val)) t.ok = false;
      if (!key.empty()) t.query.emplace_back(std::move(key), std::move(val));
      k = amp + 1;
    }
  }
  return t;
}

HttpResponse FromReply(const Reply& r) {
  HttpResponse out;
  out.status = r.status;
  out.body = r.body;
  if (!r.etag.empty()) out.headers.emplace_back("ETag", "\"" + r.etag + "\"");
  out.location_id = r.id;
  return out;
}

const char* CodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kFailedPrecondition: return "unavailable";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "forbidden";
    case StatusCode::kConflict: return "conflict";
    case StatusCode::kStale: return "precondition_failed";
  }
  return "internal";
}

int HttpStatusOf(StatusCode c) {
  switch (c) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition: return 503;
    case StatusCode::kIoError: return 500;
    case StatusCode::kInternal: return 500;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kConflict: return 409;
    case StatusCode::kStale: return 412;
  }
  return 500;
}

bool IsJsonContentType(std::string_view ct) {
  size_t semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lower(base);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

// A C2SP tlog-tiles path after /v1/ledger/tile: <L>/<N>[.p/<W>] or
// entries/<N>[.p/<W>], <N> in 3-digit elements, all but the last after an
// "x" (1234067: x001/x234/067), no leading zeros in <L> or <W>.
struct TilePath {
  uint64_t level = 0, index = 0, width = 256;
};

// "" when `s` (the path's segments: v1, ledger, tile, ...) is such a path,
// else what is wrong with it.
std::string ParseTilePath(const std::vector<std::string>& s, bool bundle, TilePath* out) {
  auto decimal = [](const std::string& v, uint64_t max, uint64_t* n) {
    if (v.empty() || v.size() > 3 || (v.size() > 1 && v[0] == '0')) return false;
    uint64_t x = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
      x = x * 10 + static_cast<uint64_t>(c - '0');
    }
    *n = x;
    return x <= max;
  };
  // s[3]: "entries", or the level.
  if (!bundle && !decimal(s[3], 63, &out->level)) return "the tile level must be 0-63, without leading zeros";
  std::vector<std::string> parts(s.begin() + 4, s.end());
  if (parts.size() >= 2 && parts[parts.size() - 2].size() > 2 &&
      parts[parts.size() - 2].compare(parts[parts.size() - 2].size() - 2, 2, ".p") == 0) {
    if (!decimal(parts.back(), 255, &out->width) || out->width == 0) {
      return "a partial tile's width (.p/<W>) must be 1-255, without leading zeros";
    }
    parts.pop_back();
    parts.back().resize(parts.back().size() - 2);
  }
  if (parts.empty() || parts.size() > 7) return "the tile index is missing or too long";
  uint64_t index = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    std::string e = parts[k];
    const bool last = k + 1 == parts.size();
    if (!last) {
      if (e.size() != 4 || e[0] != 'x') return "the tile index: every element but the last is x and three digits";
      e = e.substr(1);
    }
    if (e.size() != 3 || !std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "the tile index: elements of three digits (1234067: x001/x234/067)";
    }
    if (k == 0 && parts.size() > 1 && e == "000") return "the tile index: no leading x000 element";
    const uint64_t d = static_cast<uint64_t>(std::stoi(e));
    if (index > (UINT64_MAX - d) / 1000) return "the tile index is too large";
    index = index * 1000 + d;
  }
  out->index = index;
  return "";
}

}  // namespace

HttpResponse Router::Error(int status, const std::string& code, const std::string& message,
                           const std::string& field) {
  json e{{"code", code}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  HttpResponse r;
  r.status = status;
  r.body = json{{"error", e}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpResponse Router::ErrorResponse(const Status& s) {
  std::string field, message = s.message();
  json details = json::array();
  for (const FieldError& e : s.errors()) {
    details.push_back(json{{"field", e.field}, {"reason", e.reason}});
  }
  if (!s.errors().empty()) {
    field = s.errors().front().field;
    message = s.errors().size() == 1
                  ? s.errors().front().ToString()
                  : s.errors().front().ToString() + " (and " +
                        std::to_string(s.errors().size() - 1) + " more)";
  }
  json e{{"code", CodeName(s.code())}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  if (s.errors().size() > 1) e["details"] = std::move(details);
  HttpResponse r;
  r.status = HttpStatusOf(s.code());
  r.body = json{{"error", e}}.dump(-1, ' ', false, json::error_handler_t::replace);
  if (r.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Router::Router(Coordinator& coordinator, Metrics& metrics, std::string static_dir)
    : coordinator_(coordinator), metrics_(metrics), static_files_(std::move(static_dir)) {}

void Router::Handle(const HttpRequest& req, std::function<void(HttpResponse)> done) {
  const std::string& m = req.method;
  Target t = ParseTarget(req.target);
  auto reply = [&](HttpResponse r, const char* route) {
    r.route = route;
    done(std::move(r));
  };
  if (!t.ok) {
    return reply(Error(400, "invalid_argument",
                       "malformed request target (bad percent-encoding, or not UTF-8)"),
                 "?");
  }
  const auto& s = t.segments;
  auto method_not_allowed = [&](const char* allow, const char* route) {
    HttpResponse r = Error(405, "method_not_allowed",
                           m + " is not allowed here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    reply(std::move(r), route);
  };

  // Unauthenticated: the health check.
  if (s.size() == 1 && s[0] == "healthz") {
    if (m != "GET" && m != "HEAD") return method_not_allowed("GET", "/healthz");
    HttpResponse r;
    uint64_t seq = coordinator_.committed_seq();
    r.body = json{{"status", "ok"}, {"committed_seq", seq}}.dump();
    return reply(std::move(r), "/healthz");
  }

  // The console's built assets (static_files.h): no token; a path that is
  // no file of theirs goes on to the API's 404.
  if (static_files_.Claims(s)) {
    if (auto r = static_files_.Serve(m, s, req.if_none_match)) return reply(std::move(*r), "/{console}");
  }

  // Everything else needs a token.
  std::optional<engine::User> user;
  {
    std::string_view auth = req.authorization;
    constexpr std::string_view kBearer = "bearer ";
    auto scheme_is_bearer = [&] {
      if (auth.size() <= kBearer.size()) return false;
      for (size_t i = 0; i < kBearer.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(auth[i])) != kBearer[i]) return false;
      }
      return true;
    };
    if (scheme_is_bearer()) {
      std::string_view token = auth.substr(kBearer.size());
      coordinator_.Read([&](const engine::Center& c) {
        if (const engine::User* u = c.Authenticate(token)) user = *u;
        return 0;
      });
    }
  }
  // Known routes answer 401 for a missing token; unknown ones 404 either way.
  auto route_known = [&] {
    if (s.empty()) return false;
    if (s[0] == "metrics") return s.size() == 1;
    if (s[0] != "v1" || s.size() < 2) return false;
    static const std::vector<std::string> kTop = {"operations", "amendments", "agreement", "areas",
                                                  "tracks", "alerts", "threads", "events",
                                                  "openapi.json", "users", "whoami",
                                                  "ledger", "keys"};
    return std::find(kTop.begin(), kTop.end(), s[1]) != kTop.end();
  };
  if (!route_known()) {
    return reply(Error(404, "not_found", "no such route: " + m + " " + req.target.substr(0, 200)),
                 "?");
  }
  if (!user) {
    return reply(ErrorResponse(Status::Unauthenticated(
                     req.authorization.empty() ? "Authorization: Bearer TOKEN is required"
                                               : "the token is not valid")),
                 "unauthenticated");
  }
  const Actor actor{user->name, user->party, user->role};

  auto read = [&](auto fn, const char* route) {
    Reply r = coordinator_.Read(fn);
    reply(FromReply(r), route);
  };
  // Submits a command; answers when it is durable.
  auto submit = [&](std::string type, std::string target, const char* route,
                    std::function<void(HttpResponse&)> decorate = nullptr) {
    if ((m == "POST" || m == "PUT") && !req.body.empty() && !IsJsonContentType(req.content_type)) {
      return reply(Error(415, "unsupported_media_type",
                         "the body must be JSON (Content-Type: application/json)",
                         "Content-Type"),
                   route);
    }
    Command cmd;
    cmd.type = std::move(type);
    cmd.actor = actor;
    cmd.target = std::move(target);
    cmd.body = req.body;
    cmd.idempotency_key = req.idempotency_key;
    cmd.signature = req.signature;
    if (!req.if_match.empty() && req.if_match != "*") {  // "*": any current version
      std::string v = req.if_match;
      if (v.rfind("W/", 0) == 0) v = v.substr(2);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      char* end = nullptr;
      errno = 0;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || end != v.c_str() + v.size() || errno != 0 || n < 0) {
        return reply(Error(400, "invalid_argument", "If-Match must be a version number",
                           "If-Match"),
                     route);
      }
      cmd.if_match = n;
    }
    // Parsing and validating the body needs no state: do it here, on this
    // thread, rather than on the coordinator's.
    cmd.pre = engine::Center::PreParse(cmd);
    coordinator_.Submit(std::move(cmd), [done, route, decorate](Result<Reply> r) {
      HttpResponse out = r.ok() ? FromReply(*r) : ErrorResponse(r.status());
      out.route = route;
      if (r.ok() && decorate) decorate(out);
      done(std::move(out));
    });
  };

  if (s[0] == "metrics") {
    if (m != "GET") return method_not_allowed("GET", "/metrics");
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render(coordinator_);
    return reply(std::move(r), "/metrics");
  }

  const std::string& top = s[1];
  if (top == "openapi.json" && s.size() == 2) {
    if (m != "GET") return method_not_allowed("GET", "/v1/openapi.json");
    HttpResponse r;
    r.body = std::string(OpenApiDocument());
    return reply(std::move(r), "/v1/openapi.json");
  }
  if (top == "whoami" && s.size() == 2) {
    if (m != "GET") return method_not_allowed("GET", "/v1/whoami");
    HttpResponse r;
    r.body = json{{"name", user->name}, {"party", user->party},
                  {"role", engine::RoleName(user->role)}}
                 .dump();
    return reply(std::move(r), "/v1/whoami");
  }

  if (top == "keys" && s.size() == 2) {
    if (m == "GET") return read([&](const engine::Center& c) { return c.ListKeys(); }, "/v1/keys");
    if (m == "POST") return submit(std::string(engine::kKeyRegister), "", "/v1/keys");
    return method_not_allowed("GET, POST", "/v1/keys");
  }
  if (top == "ledger") {
    // The transparency log (docs/ledger.md): any signed-in user may audit it.
    if (ledger_ == nullptr) return reply(Error(503, "unavailable", "this center keeps no ledger"), "/v1/ledger");
    auto number = [&](const char* name, bool required, uint64_t* out) -> bool {
      std::optional<std::string> v = t.Param(name);
      if (!v) {
        if (required) reply(Error(400, "invalid_argument", "required", name), "/v1/ledger");
        return !required;
      }
      char* end = nullptr;
      errno = 0;
      unsigned long long n = std::strtoull(v->c_str(), &end, 10);
      if (v->empty() || !std::isdigit(static_cast<unsigned char>((*v)[0])) ||
          end != v->c_str() + v->size() || errno != 0) {
        reply(Error(400, "invalid_argument", "must be a non-negative integer", name), "/v1/ledger");
        return false;
      }
      *out = n;
      return true;
    };
    auto from = [&](Result<std::string> r, const char* route, const char* type) {
      if (!r.ok()) return reply(ErrorResponse(r.status()), route);
      HttpResponse out;
      out.content_type = type;
      out.body = std::move(r).value();
      reply(std::move(out), route);
    };
    const std::string sub = s.size() >= 3 ? s[2] : "";
    if (s.size() == 2) {
      if (m != "GET") return method_not_allowed("GET", "/v1/ledger");
      HttpResponse out;
      out.body = json{{"origin", ledger_->origin()}, {"key", ledger_->verifier_key()},
                      {"size", ledger_->size()}}
                     .dump();
      return reply(std::move(out), "/v1/ledger");
    }
    if (s.size() == 3 && sub == "checkpoint") {
      if (m != "GET") return method_not_allowed("GET", "/v1/ledger/checkpoint");
      if (std::optional<std::string> by = t.Param("cosigned_by")) {
        std::vector<std::string> names;
        for (size_t a = 0; a <= by->size();) {
          size_t b = by->find(',', a);
          if (b == std::string::npos) b = by->size();
          if (b > a) names.push_back(by->substr(a, b - a));
          a = b + 1;
        }
        return from(ledger_->CosignedCheckpointNote(names), "/v1/ledger/checkpoint",
                    "text/plain; charset=utf-8");
      }
      uint64_t size = 0;
      if (!number("size", false, &size)) return;
      std::optional<uint64_t> at;
      if (t.Param("size")) at = size;
      return from(ledger_->CheckpointNote(at), "/v1/ledger/checkpoint", "text/plain; charset=utf-8");
    }
    if (s.size() == 3 && sub == "entries") {
      if (m != "GET") return method_not_allowed("GET", "/v1/ledger/entries");
      uint64_t start = 0, end = 0;
      if (!number("start", true, &start) || !number("end", true, &end)) return;
      const uint64_t size = ledger_->size();
      if (end > size) return reply(Error(400, "invalid_argument", "past the tree size (" + std::to_string(size) + ")", "end"), "/v1/ledger/entries");
      if (start >= end) return reply(Error(400, "invalid_argument", "must be below end", "start"), "/v1/ledger/entries");
      end = std::min<uint64_t>(end, start + 1000);
      std::string body = "{\"start\":" + std::to_string(start) + ",\"entries\":[";
      bool first = true;
      Status st = coordinator_.log().Read(start + 1, end - start, [&](uint64_t, std::string_view bytes) {
        if (!first) body.push_back(',');
        first = false;
        body += json(std::string(bytes)).dump(-1, ' ', false, json::error_handler_t::replace);
        return true;
      });
      if (!st.ok()) return reply(ErrorResponse(st), "/v1/ledger/entries");
      body += "]}";
      HttpResponse out;
      out.body = std::move(body);
      return reply(std::move(out), "/v1/ledger/entries");
    }
    if (s.size() == 4 && sub == "proof" && s[3] == "inclusion") {
      if (m != "GET") return method_not_allowed("GET", "/v1/ledger/proof/inclusion");
      uint64_t index = 0, size = 0;
      if (!number("index", true, &index) || !number("size", true, &size)) return;
      return from(ledger_->InclusionProof(index, size), "/v1/ledger/proof/inclusion", "application/json");
    }
    if (s.size() == 4 && sub == "proof" && s[3] == "consistency") {
      if (m != "GET") return method_not_allowed("GET", "/v1/ledger/proof/consistency");
      uint64_t first = 0, second = 0;
      if (!number("first", true, &first) || !number("second", true, &second)) return;
      return from(ledger_->ConsistencyProof(first, second), "/v1/ledger/proof/consistency",
                  "application/json");
    }
    if (s.size() >= 4 && sub == "tile") {
      // C2SP tlog-tiles under the prefix /v1/ledger: tile/<L>/<N>[.p/<W>]
      // and tile/entries/<N>[.p/<W>] (docs/ledger.md, "Tiles").
      const bool bundle = s[3] == "entries";
      const char* route = bundle ? "/v1/ledger/tile/entries/{index}" : "/v1/ledger/tile/{level}/{index}";
      if (m != "GET") return method_not_allowed("GET", route);
      TilePath tp;
      if (std::string why = ParseTilePath(s, bundle, &tp); !why.empty()) {
        return reply(Error(400, "invalid_argument", why, "path"), route);
      }
      if (!bundle) {
        Result<std::string> tile = ledger_->Tile(tp.level, tp.index, tp.width);
        if (!tile.ok()) return reply(ErrorResponse(tile.status()), route);
        HttpResponse out;
        out.content_type = "application/octet-stream";
        out.body = std::move(tile).value();
        out.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
        return reply(std::move(out), route);
      }
      // Entries [index * 256, index * 256 + width), each behind its length
      // as a big-endian uint16, once the tree holds them all.
      const uint64_t size = ledger_->size();
      if (tp.index > (size / 256) || tp.index * 256 + tp.width > size) {
        return reply(Error(404, "not_found", "entry bundle " + std::to_string(tp.index) +
                                                 (tp.width < 256 ? ".p/" + std::to_string(tp.width) : "") +
                                                 ": the tree (size " + std::to_string(size) +
                                                 ") does not hold it"),
                     route);
      }
      std::string body;
      std::string too_big;
      Status st = coordinator_.log().Read(tp.index * 256 + 1, tp.width, [&](uint64_t seq, std::string_view bytes) {
        if (bytes.size() > 0xffff) {
          too_big = "entry " + std::to_string(seq) + " is " + std::to_string(bytes.size()) +
                    " bytes: an entry bundle carries at most 65,535 per entry; read it from "
                    "/v1/ledger/entries";
          return false;
        }
        body.push_back(static_cast<char>(bytes.size() >> 8));
        body.push_back(static_cast<char>(bytes.size() & 0xff));
        body.append(bytes);
        return true;
      });
      if (!too_big.empty()) return reply(Error(422, "too_large", too_big), route);
      if (!st.ok()) return reply(ErrorResponse(st), route);
      HttpResponse out;
      out.content_type = "application/octet-stream";
      out.body = std::move(body);
      out.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
      return reply(std::move(out), route);
    }
    if (s.size() == 3 && sub == "cosignatures") {
      if (m != "POST") return method_not_allowed("POST", "/v1/ledger/cosignatures");
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("checkpoint") || !body["checkpoint"].is_string() ||
          !body.contains("cosignature") || !body["cosignature"].is_string()) {
        return reply(Error(400, "invalid_argument",
                           "expected {\"checkpoint\": text, \"cosignature\": signature line}"),
                     "/v1/ledger/cosignatures");
      }
      const std::string line = body["cosignature"].get<std::string>();
      // The line names its key: "— <name> <base64>".
      std::string name;
      if (size_t a = line.find(' '); a != std::string::npos) {
        size_t b = line.find(' ', a + 1);
        if (b != std::string::npos) name = line.substr(a + 1, b - a - 1);
      }
      std::optional<ledger::VerifierKey> key;
      std::string owner;
      coordinator_.Read([&](const engine::Center& c) {
        auto [u, k] = c.FindKey(name);
        if (u != nullptr) {
          owner = u->name;
          key = *k;
        }
        return 0;
      });
      if (!key || owner != actor.user) {
        return reply(ErrorResponse(Status::PermissionDenied(
                         "the cosignature's key '" + name + "' is not one you registered (POST /v1/keys)")),
                     "/v1/ledger/cosignatures");
      }
      Result<std::string> r = ledger_->AddCosignature(body["checkpoint"].get<std::string>(), line, *key);
      if (!r.ok()) return reply(ErrorResponse(r.status()), "/v1/ledger/cosignatures");
      HttpResponse out;
      out.status = 201;
      out.body = std::move(r).value();
      return reply(std::move(out), "/v1/ledger/cosignatures");
    }
    return reply(Error(404, "not_found", "no such route: " + m + " " + req.target.substr(0, 200)), "?");
  }

  if (top == "operations") {
    if (s.size() == 2) {
      if (m == "GET") {
        std::string state = t.Param("state").value_or(""), party = t.Param("party").value_or("");
        return read([&](const engine::Center& c) { return c.ListOperations(state, party); },
                    "/v1/operations");
      }
      if (m == "POST") {
        return submit(std::string(engine::kOperationNotify), "", "/v1/operations",
                      [](HttpResponse& r) {
                        if (r.status == 201) r.headers.emplace_back("Location", "/v1/operations/" + r.location_id);
                      });
      }
      return method_not_allowed("GET, POST", "/v1/operations");
    }
    const std::string& id = s[2];
    if (s.size() == 3) {
      if (m == "GET") {
        Reply r = coordinator_.Read([&](const engine::Center& c) { return c.GetOperation(id); });
        HttpResponse out = FromReply(r);
        return reply(std::move(out), "/v1/operations/{id}");
      }
      if (m == "PUT") {
        return submit(std::string(engine::kOperationModify), id, "/v1/operations/{id}");
      }
      return method_not_allowed("GET, PUT", "/v1/operations/{id}");
    }
    if (s.size() == 4) {
      const std::string& action = s[3];
      const char* type = action == "approvals"  ? engine::kOperationApprove.data()
                         : action == "activate" ? engine::kOperationActivate.data()
                         : action == "end"      ? engine::kOperationEnd.data()
                         : action == "cancel"   ? engine::kOperationCancel.data()
                                                : nullptr;
      static const std::map<std::string, const char*> kRoutes = {
          {"approvals", "/v1/operations/{id}/approvals"},
          {"activate", "/v1/operations/{id}/activate"},
          {"end", "/v1/operations/{id}/end"},
          {"cancel", "/v1/operations/{id}/cancel"}};
      if (type != nullptr) {
        const char* route = kRoutes.at(action);
        if (m != "POST") return method_not_allowed("POST", route);
        return submit(type, id, route);
      }
    }
  } else if (top == "amendments") {
    if (s.size() == 2) {
      if (m == "GET") {
        std::string state = t.Param("state").value_or("");
        return read([&](const engine::Center& c) { return c.ListAmendments(state); },
                    "/v1/amendments");
      }
      if (m == "POST") return submit(std::string(engine::kAmendmentPropose), "", "/v1/amendments");
      return method_not_allowed("GET, POST", "/v1/amendments");
    }
    if (s.size() == 3) {
      if (m != "GET") return method_not_allowed("GET", "/v1/amendments/{id}");
      return read([&](const engine::Center& c) { return c.GetAmendment(s[2]); },
                  "/v1/amendments/{id}");
    }
    if (s.size() == 4 && s[3] == "approvals") {
      if (m != "POST") return method_not_allowed("POST", "/v1/amendments/{id}/approvals");
      return submit(std::string(engine::kAmendmentApprove), s[2], "/v1/amendments/{id}/approvals");
    }
  } else if (top == "agreement" && s.size() == 2) {
    if (m != "GET") return method_not_allowed("GET", "/v1/agreement");
    return read([&](const engine::Center& c) { return c.GetAgreement(); }, "/v1/agreement");
  } else if (top == "areas" && s.size() == 2) {
    if (m != "GET") return method_not_allowed("GET", "/v1/areas");
    std::optional<Time> at;
    if (auto p = t.Param("at")) {
      Result<Time> parsed = ParseRfc3339(*p);
      if (!parsed.ok()) {
        return reply(Error(400, "invalid_argument", "at: " + parsed.status().ToString(), "at"),
                     "/v1/areas");
      }
      at = *parsed;
    }
    return read([&](const engine::Center& c) { return c.GetAreas(at); }, "/v1/areas");
  } else if (top == "alerts") {
    if (s.size() == 2) {
      if (m != "GET") return method_not_allowed("GET", "/v1/alerts");
      std::string state = t.Param("state").value_or("");
      return read([&](const engine::Center& c) { return c.ListAlerts(state); }, "/v1/alerts");
    }
    if (s.size() == 3) {
      if (m != "GET") return method_not_allowed("GET", "/v1/alerts/{id}");
      return read([&](const engine::Center& c) { return c.GetAlert(s[2]); }, "/v1/alerts/{id}");
    }
    if (s.size() == 4 && s[3] == "ack") {
      if (m != "POST") return method_not_allowed("POST", "/v1/alerts/{id}/ack");
      return submit(std::string(engine::kAlertAck), s[2], "/v1/alerts/{id}/ack");
    }
  } else if (top == "threads" && s.size() == 4 && s[3] == "comments") {
    if (m == "GET") {
      return read([&](const engine::Center& c) { return c.GetThread(s[2]); },
                  "/v1/threads/{subject}/comments");
    }
    if (m == "POST") {
      return submit(std::string(engine::kCommentAdd), s[2], "/v1/threads/{subject}/comments");
    }
    return method_not_allowed("GET, POST", "/v1/threads/{subject}/comments");
  } else if (top == "events" && s.size() == 2) {
    if (m != "GET") return method_not_allowed("GET", "/v1/events");
    uint64_t after = 0;
    std::string from = req.last_event_id;
    const char* from_field = "Last-Event-ID";
    if (from.empty()) {
      from = t.Param("after").value_or("");
      from_field = "after";
    }
    if (!from.empty()) {
      char* end = nullptr;
      errno = 0;
      unsigned long long n = std::strtoull(from.c_str(), &end, 10);
      if (end != from.c_str() + from.size() || errno != 0 || from[0] == '-') {
        return reply(Error(400, "invalid_argument",
                           std::string(from_field) + " must be a sequence number", from_field),
                     "/v1/events");
      }
      after = n;
    } else {
      after = coordinator_.committed_seq();  // only what happens from now on
    }
    HttpResponse r;
    r.event_stream = true;
    r.events_after = after;
    r.actor = actor;
    r.content_type = "text/event-stream";
    return reply(std::move(r), "/v1/events");
  } else if (top == "tracks") {
    if (monitor_ == nullptr) {
      return reply(Error(503, "unavailable", "this center runs no monitor"), "/v1/tracks");
    }
    if (s.size() == 2) {
      if (m == "GET") {
        HttpResponse r;
        r.body = monitor_->TracksJson();
        return reply(std::move(r), "/v1/tracks");
      }
      if (m != "POST") return method_not_allowed("GET, POST", "/v1/tracks");
      if (user->role != Role::kWatch && user->role != Role::kOfficer && user->role != Role::kIntegrator) {
        return reply(ErrorResponse(Status::PermissionDenied(
                         "surveillance reports come from watch officers, officers and integrators")),
                     "/v1/tracks");
      }
      if (!IsJsonContentType(req.content_type)) {
        return reply(Error(415, "unsupported_media_type",
                           "the body must be JSON (Content-Type: application/json)", "Content-Type"),
                     "/v1/tracks");
      }
      thread_local ingest::TrackBatchParser parser;
      std::vector<monitor::TrackReport> reports;
      if (Status st = parser.Parse(req.body, &reports); !st.ok()) {
        return reply(ErrorResponse(st), "/v1/tracks");
      }
      const size_t n = reports.size();
      if (!monitor_->Offer(std::move(reports))) {
        HttpResponse r = Error(503, "unavailable", "the monitor is behind; retry shortly");
        r.headers.emplace_back("Retry-After", "1");
        return reply(std::move(r), "/v1/tracks");
      }
      HttpResponse r;
      r.status = 202;
      r.body = json{{"accepted", n}}.dump();
      return reply(std::move(r), "/v1/tracks");
    }
    if (s.size() == 4 && s[3] == "history") {
      if (m != "GET") return method_not_allowed("GET", "/v1/tracks/{icao24}/history");
      const std::string& icao = s[2];
      if (icao.size() != 6 || icao.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return reply(Error(400, "invalid_argument", "icao24 must be 6 lower-case hex digits", "icao24"),
                     "/v1/tracks/{icao24}/history");
      }
      if (history_ == nullptr) {
        return reply(Error(503, "unavailable", "this center keeps no track history"),
                     "/v1/tracks/{icao24}/history");
      }
      Time from = Time::Min(), to = Time::Max();
      size_t limit = 10000;
      for (const char* k : {"from", "to"}) {
        if (auto v = t.Param(k)) {
          Result<Time> p = ParseRfc3339(*v);
          if (!p.ok()) {
            return reply(Error(400, "invalid_argument", std::string(k) + ": " + p.status().ToString(), k),
                         "/v1/tracks/{icao24}/history");
          }
          (std::string_view(k) == "from" ? from : to) = *p;
        }
      }
      if (auto v = t.Param("limit")) {
        char* end = nullptr;
        unsigned long long n = std::strtoull(v->c_str(), &end, 10);
        if (v->empty() || end != v->c_str() + v->size() || n == 0 || n > 100000) {
          return reply(Error(400, "invalid_argument", "limit must be 1..100000", "limit"),
                       "/v1/tracks/{icao24}/history");
        }
        limit = n;
      }
      auto got = history_->Query(icao, from, to, limit);
      if (!got.ok()) return reply(ErrorResponse(got.status()), "/v1/tracks/{icao24}/history");
      HttpResponse r;
      // {"reports": [...]} with the address in front.
      r.body = "{\"icao24\":\"" + icao + "\"," + ingest::TrackBatchToJson(*got).substr(1);
      return reply(std::move(r), "/v1/tracks/{icao24}/history");
    }
  } else if (top == "users" && s.size() == 2) {
    if (m != "GET" && m != "POST") return method_not_allowed("GET, POST", "/v1/users");
    if (user->role != Role::kAdmin) {
      return reply(ErrorResponse(Status::PermissionDenied("only an admin manages users")),
                   "/v1/users");
    }
    if (m == "GET") return read([&](const engine::Center& c) { return c.ListUsers(); }, "/v1/users");
    if (m != "POST") return method_not_allowed("GET, POST", "/v1/users");
    if (!IsJsonContentType(req.content_type)) {
      return reply(Error(415, "unsupported_media_type",
                         "the body must be JSON (Content-Type: application/json)", "Content-Type"),
                   "/v1/users");
    }
    // The center makes the token; only its hash enters the log.
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) {
      return reply(Error(400, "invalid_argument", "expected a JSON object {name, party, role}"),
                   "/v1/users");
    }
    if (body.contains("token_hash")) {
      return reply(Error(400, "invalid_argument", "the center makes the token", "token_hash"),
                   "/v1/users");
    }
    std::string token = engine::NewToken();
    body["token_hash"] = engine::HashToken(token);
    Command cmd;
    cmd.type = std::string(engine::kUserAdd);
    cmd.actor = actor;
    cmd.body = body.dump();
    coordinator_.Submit(std::move(cmd), [done, token](Result<Reply> r) {
      HttpResponse out = r.ok() ? FromReply(*r) : ErrorResponse(r.status());
      out.route = "/v1/users";
      if (r.ok() && r->status == 201) {
        json j = json::parse(out.body);
        j["token"] = token;
        out.body = j.dump();
      }
      done(std::move(out));
    });
    return;
  }
  return reply(Error(404, "not_found", "no such route: " + m + " " + req.target.substr(0, 200)),
               "?");
}

}  // namespace jic::api
