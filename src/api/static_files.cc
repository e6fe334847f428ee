#include "jic/api/static_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace jic::api {

namespace fs = std::filesystem;

namespace {

// The console's own pages may load only what the center serves: no tile
// server, no CDN, no web font (MapLibre starts its worker from a blob: URL
// when it must; uPlot and MapLibre set inline styles).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
    "worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'";

constexpr uint64_t kMaxFileBytes = 64ull << 20;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// FNV-1a, 64 bits: a content hash for ETags (not a security property).
uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return path;
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

StaticFiles::StaticFiles(std::string root) {
  if (!root.empty()) root_ = Canonical(root);
}

bool StaticFiles::Claims(const std::vector<std::string>& segments) const {
  if (!enabled()) return false;
  if (segments.empty()) return true;
  const std::string& top = segments[0];
  return top != "v1" && top != "metrics" && top != "healthz";
}

std::string StaticFiles::ContentType(std::string_view name) {
  const size_t dot = name.rfind('.');
  const size_t slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const std::string ext = Lower(name.substr(dot + 1));
  static const std::map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"geojson", "application/geo+json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"pbf", "application/x-protobuf"},
      {"wasm", "application/wasm"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool StaticFiles::SafeSegment(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (s[0] == '.') return false;  // ".", "..", and hidden files
  for (char c : s) {
    if (c == '/' || c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

bool StaticFiles::EtagMatches(std::string_view header, std::string_view etag) {
  // A comma-separated list of entity tags, or "*"; weak comparison (W/ ignored).
  size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
    size_t j = i;
    if (header.substr(i, 2) == "W/") j += 2;
    if (j < header.size() && header[j] == '"') {
      size_t end = header.find('"', j + 1);
      if (end == std::string_view::npos) return false;
      if (header.substr(j, end - j + 1) == etag) return true;
      i = end + 1;
    } else {
      size_t end = header.find(',', j);
      std::string_view tok = header.substr(j, end == std::string_view::npos ? header.npos : end - j);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (tok == "*") return true;
      if (end == std::string_view::npos) return false;
      i = end + 1;
    }
  }
  return false;
}

std::string StaticFiles::FindDefaultRoot(const std::string& executable) {
  if (executable.empty()) return "";
  std::error_code ec;
  fs::path exe = fs::weakly_canonical(fs::absolute(executable, ec), ec);
  if (ec) return "";
  const fs::path up = exe.parent_path().parent_path();
  for (const fs::path& candidate : {up / "share" / "jic" / "web", up / "web" / "dist"}) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return Canonical(candidate.string());
  }
  return "";
}

std::optional<StaticFiles::File> StaticFiles::Load(const std::string& path) const {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) return std::nullopt;
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(path);
    if (it != cache_.end() && it->second.mtime_ns == mtime_ns &&
        it->second.size == static_cast<uint64_t>(st.st_size)) {
      return it->second;
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  File f;
  f.mtime_ns = mtime_ns;
  f.size = static_cast<uint64_t>(st.st_size);
  auto body = std::make_shared<std::string>(std::move(ss).str());
  char etag[24];
  std::snprintf(etag, sizeof etag, "\"%016llx\"", static_cast<unsigned long long>(Fnv1a(*body)));
  f.etag = etag;
  f.body = std::move(body);
  std::lock_guard<std::mutex> lock(mu_);
  cache_[path] = f;
  return f;
}

std::optional<HttpResponse> StaticFiles::Serve(std::string_view method,
                                               const std::vector<std::string>& segments,
                                               std::string_view if_none_match) const {
  if (!Claims(segments)) return std::nullopt;
  std::string rel;
  for (const std::string& s : segments) {
    if (!SafeSegment(s)) return std::nullopt;
    rel += "/" + s;
  }
  if (rel.empty()) rel = "/index.html";
  std::string path = root_ + rel;
  // Symlinks (or anything else) must not lead out of the root.
  std::error_code ec;
  const std::string real = fs::canonical(path, ec).string();
  if (ec || real.size() <= root_.size() || real.compare(0, root_.size(), root_) != 0 ||
      real[root_.size()] != '/') {
    return std::nullopt;
  }
  std::optional<File> file = Load(real);
  if (!file) return std::nullopt;

  HttpResponse r;
  r.route = "/{console}";
  if (method != "GET" && method != "HEAD") {
    r.status = 405;
    r.body = R"({"error":{"code":"method_not_allowed","message":")" + std::string(method) +
             R"( is not allowed here; allowed: GET, HEAD"}})";
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const bool immutable = segments.size() >= 2 && segments[0] == "assets";
  r.content_type = ContentType(rel);
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("ETag", file->etag);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (r.content_type.rfind("text/html", 0) == 0) {
    r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (!if_none_match.empty() && EtagMatches(if_none_match, file->etag)) {
    r.status = 304;
    return r;
  }
  r.body = *file->body;
  return r;
}

}  // namespace jic::api
