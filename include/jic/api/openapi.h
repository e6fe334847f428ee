// The OpenAPI 3 document of the service (docs/openapi.json, embedded at
// build time), served at GET /v1/openapi.json.
#pragma once

#include <string_view>

namespace jic::api {

std::string_view OpenApiDocument();

}  // namespace jic::api
