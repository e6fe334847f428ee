// The HTTP layer's own request and response types, so that routing is a plain
// function tested without sockets; the Beast adapter (http_server.h) converts.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jic/engine/center.h"

namespace jic::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/v1/operations?state=accepted"
  std::string body;
  // The headers the API reads; "" when absent.
  std::string authorization;
  std::string content_type;
  std::string if_match;
  std::string idempotency_key;
  std::string last_event_id;
  std::string signature;  // Jic-Signature (docs/ledger.md, "Signed commands")
  std::string if_none_match;  // the console's static files (static_files.h)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The id of the resource a command made (for a Location header).
  std::string location_id;
  // The route template ("/v1/operations/{id}"), for metrics and logs.
  std::string route;
  // GET /v1/events: instead of a body, stream the entries after
  // `events_after` that `actor` may see.
  bool event_stream = false;
  uint64_t events_after = 0;
  engine::Actor actor;
};

}  // namespace jic::api
