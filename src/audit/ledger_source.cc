#include "jic/audit/ledger_source.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

namespace jic::audit {

using nlohmann::json;

// --- HttpClient -----------------------------------------------------------

Result<std::unique_ptr<HttpClient>> HttpClient::Make(const std::string& url, std::string token) {
  std::string rest = url;
  if (rest.rfind("http://", 0) != 0) return Status::Invalid("--url", "expected http://HOST:PORT, got '" + url + "'");
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || rest.find('/') != std::string::npos) {
    return Status::Invalid("--url", "expected http://HOST:PORT, got '" + url + "'");
  }
  std::unique_ptr<HttpClient> c(new HttpClient());
  c->url_ = "http://" + rest;
  c->host_ = rest.substr(0, colon);
  c->port_ = rest.substr(colon + 1);
  c->token_ = std::move(token);
  return c;
}

HttpClient::~HttpClient() { Close(); }

HttpClient::Response HttpClient::Get(const std::string& path) { return Request("GET", path, nullptr); }
HttpClient::Response HttpClient::Post(const std::string& path, const std::string& json_body) {
  return Request("POST", path, &json_body);
}

HttpClient::Response HttpClient::Send(const std::string& method, const std::string& path,
                                      const std::string* body,
                                      const std::vector<std::pair<std::string, std::string>>& headers) {
  return Request(method, path, body, headers);
}

HttpClient::Response HttpClient::Request(const std::string& method, const std::string& path,
                                         const std::string* body,
                                         const std::vector<std::pair<std::string, std::string>>& headers) {
  Response r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !Connect()) return r;
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host_ + ":" + port_ +
                      "\r\nAuthorization: Bearer " + token_ + "\r\n";
    for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
    if (body != nullptr) {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body->size()) + "\r\n\r\n" + *body;
    } else {
      req += "\r\n";
    }
    if (!WriteAll(req)) {
      Close();
      continue;  // the server closed an idle connection: once more
    }
    r.status = ReadResponse(&r.body);
    if (r.status == 0) {
      Close();
      continue;
    }
    return r;
  }
  return r;
}

bool HttpClient::Connect() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0) return false;
  for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
    fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd_ >= 0) {
    timeval tv{120, 0};  // a stalled center fails the request rather than hanging
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  buf_.clear();
  return fd_ >= 0;
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpClient::WriteAll(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool HttpClient::Fill() {
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

int HttpClient::ReadResponse(std::string* body) {
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return 0;
  }
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  int status = 0;
  if (head.size() > 12) status = std::atoi(head.c_str() + 9);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  body->clear();
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!Fill()) return 0;
      }
      const size_t len = std::strtoull(buf_.c_str(), nullptr, 16);
      buf_.erase(0, eol + 2);
      while (buf_.size() < len + 2) {
        if (!Fill()) return 0;
      }
      body->append(buf_, 0, len);
      buf_.erase(0, len + 2);
      if (len == 0) break;  // (no trailers from jic)
    }
  } else {
    size_t len = 0;
    if (auto p = head.find("content-length:"); p != std::string::npos) {
      len = std::strtoull(head.c_str() + p + 15, nullptr, 10);
    }
    while (buf_.size() < len) {
      if (!Fill()) return 0;
    }
    body->assign(buf_, 0, len);
    buf_.erase(0, len);
  }
  if (head.find("connection: close") != std::string::npos) Close();
  return status;
}

// --- HttpLedger -----------------------------------------------------------

Result<std::string> HttpLedger::GetOk(const std::string& path, const char* what) {
  return OkBody(http_->Get(path), what);
}

Result<std::string> HttpLedger::OkBody(HttpClient::Response r, const std::string& what) const {
  if (r.status == 0) return Status::IoError(what + ": no answer from " + http_->url());
  if (r.status != 200) {
    return Status::IoError(what + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
  }
  return std::move(r.body);
}

namespace {

Result<std::string> Hash64(const json& v, const char* what) {
  if (!v.is_string()) return Status::IoError(std::string(what) + ": a hash is not a string");
  Result<std::string> h = ledger::FromBase64(v.get<std::string>());
  if (!h.ok() || h->size() != 32) return Status::IoError(std::string(what) + ": a hash is not base64 of 32 bytes");
  return h;
}

Result<std::vector<std::string>> Hashes(const json& v, const char* what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return Status::IoError(std::string(what) + ": proof is not an array");
  for (const json& h : v) {
    Result<std::string> b = Hash64(h, what);
    if (!b.ok()) return b.status();
    out.push_back(std::move(b).value());
  }
  return out;
}

}  // namespace

Result<HttpLedger::Info> HttpLedger::GetInfo() {
  Result<std::string> body = GetOk("/v1/ledger", "GET /v1/ledger");
  if (!body.ok()) return body.status();
  json j = json::parse(*body, nullptr, false);
  if (!j.is_object() || !j.value("origin", json()).is_string() || !j.value("size", json()).is_number_unsigned()) {
    return Status::IoError("GET /v1/ledger: not {origin, key, size}");
  }
  Info i;
  i.origin = j["origin"].get<std::string>();
  i.key = j.value("key", "");
  i.size = j["size"].get<uint64_t>();
  return i;
}

Result<std::string> HttpLedger::GetCheckpoint(std::optional<uint64_t> size) {
  return GetOk(size ? "/v1/ledger/checkpoint?size=" + std::to_string(*size) : "/v1/ledger/checkpoint",
               "GET /v1/ledger/checkpoint");
}

Result<std::string> HttpLedger::GetCosignedCheckpoint(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ",") + n;
  auto r = http_->Get("/v1/ledger/checkpoint?cosigned_by=" + list);
  if (r.status == 404) return Status::NotFound("no checkpoint is cosigned by " + list + " yet");
  if (r.status != 200) return GetOk("/v1/ledger/checkpoint?cosigned_by=" + list, "GET /v1/ledger/checkpoint");
  return r.body;
}

Status HttpLedger::GetEntries(uint64_t start, uint64_t end, std::vector<std::string>* out) {
  while (start < end) {
    const uint64_t e = std::min(end, start + kEntriesPerPage);
    Result<std::string> body = GetOk(
        "/v1/ledger/entries?start=" + std::to_string(start) + "&end=" + std::to_string(e), "GET /v1/ledger/entries");
    if (!body.ok()) return body.status();
    json j = json::parse(*body, nullptr, false);
    if (!j.is_object() || !j.value("entries", json()).is_array() || j.value("start", json()) != start) {
      return Status::IoError("GET /v1/ledger/entries?start=" + std::to_string(start) + ": not {start, entries}");
    }
    const json& arr = j["entries"];
    if (arr.empty()) {
      return Status::IoError("GET /v1/ledger/entries?start=" + std::to_string(start) + ": no entries");
    }
    if (arr.size() > e - start) {
      return Status::IoError("GET /v1/ledger/entries?start=" + std::to_string(start) + ": more entries than asked");
    }
    for (const json& s : arr) {
      if (!s.is_string()) return Status::IoError("GET /v1/ledger/entries: an entry is not a string");
      out->push_back(s.get<std::string>());
    }
    start += arr.size();
  }
  return Status::Ok();
}

std::string TileIndexPath(uint64_t index) {
  auto three = [](uint64_t d) {
    std::string e = std::to_string(d);
    return std::string(3 - e.size(), '0') + e;
  };
  std::string path = three(index % 1000);
  for (index /= 1000; index > 0; index /= 1000) path = "x" + three(index % 1000) + "/" + path;
  return path;
}

Status SplitEntryBundle(std::string_view bundle, uint64_t expected, uint64_t skip,
                        std::vector<std::string>* out) {
  uint64_t k = 0;
  size_t pos = 0;
  while (pos < bundle.size()) {
    if (bundle.size() - pos < 2) {
      return Status::IoError("entry bundle: entry " + std::to_string(k) + " is cut in its length");
    }
    const size_t len = (static_cast<size_t>(static_cast<unsigned char>(bundle[pos])) << 8) |
                       static_cast<unsigned char>(bundle[pos + 1]);
    pos += 2;
    if (bundle.size() - pos < len) {
      return Status::IoError("entry bundle: entry " + std::to_string(k) + " is cut (" + std::to_string(len) +
                             " bytes announced, " + std::to_string(bundle.size() - pos) + " left)");
    }
    if (k >= skip && k < expected) out->emplace_back(bundle.substr(pos, len));
    pos += len;
    ++k;
  }
  if (k != expected) {
    return Status::IoError("entry bundle: " + std::to_string(k) + " entries, expected " + std::to_string(expected));
  }
  return Status::Ok();
}

Status HttpLedger::GetEntriesByTiles(uint64_t start, uint64_t end, std::vector<std::string>* out) {
  while (start < end) {
    const uint64_t tile = start / 256, first = tile * 256;
    const uint64_t width = std::min<uint64_t>(256, end - first);
    const std::string path = "/v1/ledger/tile/entries/" + TileIndexPath(tile) +
                             (width < 256 ? ".p/" + std::to_string(width) : "");
    HttpClient::Response r = http_->Get(path);
    if (r.status == 422) {  // an entry too large for a bundle
      if (Status s = GetEntries(start, first + width, out); !s.ok()) return s;
    } else {
      Result<std::string> bundle = OkBody(std::move(r), "GET " + path);
      if (!bundle.ok()) return bundle.status();
      if (Status s = SplitEntryBundle(*bundle, width, start - first, out); !s.ok()) {
        return Status::IoError("GET " + path + ": " + s.ToString());
      }
    }
    start = first + width;
  }
  return Status::Ok();
}

Result<InclusionProof> HttpLedger::GetInclusion(uint64_t index, uint64_t size) {
  Result<std::string> body =
      GetOk("/v1/ledger/proof/inclusion?index=" + std::to_string(index) + "&size=" + std::to_string(size),
            "GET /v1/ledger/proof/inclusion");
  if (!body.ok()) return body.status();
  json j = json::parse(*body, nullptr, false);
  if (!j.is_object()) return Status::IoError("GET /v1/ledger/proof/inclusion: not JSON");
  InclusionProof p;
  Result<std::string> leaf = Hash64(j.value("leaf_hash", json()), "inclusion proof");
  if (!leaf.ok()) return leaf.status();
  p.leaf_hash = std::move(leaf).value();
  Result<std::vector<std::string>> proof = Hashes(j.value("proof", json()), "inclusion proof");
  if (!proof.ok()) return proof.status();
  p.proof = std::move(proof).value();
  return p;
}

Result<std::vector<std::string>> HttpLedger::GetConsistency(uint64_t first, uint64_t second) {
  Result<std::string> body = GetOk(
      "/v1/ledger/proof/consistency?first=" + std::to_string(first) + "&second=" + std::to_string(second),
      "GET /v1/ledger/proof/consistency");
  if (!body.ok()) return body.status();
  json j = json::parse(*body, nullptr, false);
  if (!j.is_object()) return Status::IoError("GET /v1/ledger/proof/consistency: not JSON");
  return Hashes(j.value("proof", json()), "consistency proof");
}

HttpClient::Response HttpLedger::PostCosignature(const std::string& checkpoint_text, const std::string& line) {
  return http_->Post("/v1/ledger/cosignatures", json{{"checkpoint", checkpoint_text}, {"cosignature", line}}.dump());
}

// --- files ------------------------------------------------------------------

Result<std::unique_ptr<EntryFileReader>> EntryFileReader::Open(const std::string& path) {
  std::unique_ptr<EntryFileReader> r(new EntryFileReader());
  r->in_.open(path, std::ios::binary);
  if (!r->in_) return Status::NotFound("cannot read " + path);
  return r;
}

std::optional<std::string> EntryFileReader::Next() {
  std::string line;
  if (!std::getline(in_, line)) return std::nullopt;
  ++lines_;
  return line;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s;
}

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::IoError("cannot write " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::optional<ledger::MerkleTree> ReadLeafHashes(const std::string& path) {
  Result<std::string> data = ReadFile(path);
  if (!data.ok() || data->size() % 32 != 0) return std::nullopt;
  ledger::MerkleTree t;
  for (size_t off = 0; off < data->size(); off += 32) {
    ledger::Hash h;
    std::memcpy(h.data(), data->data() + off, 32);
    t.Append(h);
  }
  return t;
}

}  // namespace jic::audit
