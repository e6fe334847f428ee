// StaticFiles: the operations console's built assets (web/dist), served by
// `jic serve` at / without a token (the page asks for one; every API call it
// makes carries it). docs/console.md says why the files are read from a
// folder rather than embedded in the binary.
//
//   /                 index.html: Cache-Control no-cache, a strong ETag
//   /assets/NAME.HASH Vite's content-hashed files: cached for a year, immutable
//   /OTHER            any other file of the folder: no-cache + ETag
//
// Only regular files under the root are served: a path segment that is
// empty-after-decoding, ".", "..", hidden (".x"), or holds '/', '\\' or NUL is
// refused, and the resolved path (symlinks followed) must still lie under the
// root. Everything else is "not mine": the router answers its usual 404.
//
// Thread-safety: Serve may be called from any number of threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jic/api/http.h"

namespace jic::api {

class StaticFiles {
 public:
  // `root`: the folder holding index.html; "" serves nothing.
  explicit StaticFiles(std::string root = "");

  bool enabled() const { return !root_.empty(); }
  const std::string& root() const { return root_; }

  // Whether a request path (decoded segments) is the console's to answer:
  // anything outside /v1, /metrics and /healthz, when enabled.
  bool Claims(const std::vector<std::string>& segments) const;

  // The response for `method` on the file the segments name (none: the
  // root's index.html), or nullopt when there is no such file. GET and HEAD
  // answer the file (304 when `if_none_match` names its ETag); any other
  // method on an existing file answers 405 with Allow: GET, HEAD.
  std::optional<HttpResponse> Serve(std::string_view method, const std::vector<std::string>& segments,
                                    std::string_view if_none_match) const;

  // The Content-Type for a file name, by its extension.
  static std::string ContentType(std::string_view name);
  // Whether one decoded path segment may name a file or folder under the root.
  static bool SafeSegment(std::string_view segment);
  // Whether an If-None-Match header value matches `etag` ("\"...\"").
  static bool EtagMatches(std::string_view if_none_match, std::string_view etag);
  // Where the console is when `jic serve` is not told (--web): the first of
  // EXE_DIR/../share/jic/web and EXE_DIR/../web/dist (the source tree, for
  // build/jic) that holds index.html; "" when neither does.
  static std::string FindDefaultRoot(const std::string& executable);

 private:
  struct File {
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    std::shared_ptr<const std::string> body;
    std::string etag;
  };
  // The file's contents and ETag, read again when its size or mtime changed.
  std::optional<File> Load(const std::string& path) const;

  std::string root_;  // canonical, no trailing slash
  mutable std::mutex mu_;
  mutable std::map<std::string, File> cache_;  // guarded by mu_
};

}  // namespace jic::api
