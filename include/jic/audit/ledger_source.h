// Where a verifier or a mirror reads a log: a running center over HTTP
// (GET /v1/ledger/...), or a folder a mirror keeps (the "exported folder").
//
// The mirror folder (docs/ledger.md, "Verifying and mirroring"):
//   DIR/checkpoint      the last checkpoint the mirror verified: the signed note
//                       as the center served it, with its cosignatures
//   DIR/entries.jsonl   the entries' exact bytes, one per line, in order
//   DIR/leaf-hashes     cache: the RFC 6962 leaf hash of each entry, 32 bytes
//                       each; a verifier trusts it only when it hashes to the
//                       signed root, and then uses it to name a tampered entry
//   DIR/evidence/       two checkpoints that contradict each other, when the
//                       center rewrote or forked its history
//
// The HTTP client is a plain socket client (one keep-alive connection, one
// request at a time, Content-Length or chunked bodies): no HTTP library.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jic/audit/log_verifier.h"
#include "jic/base/status.h"

namespace jic::audit {

inline constexpr const char* kCheckpointFile = "checkpoint";
inline constexpr const char* kEntriesFile = "entries.jsonl";
inline constexpr const char* kLeafHashesFile = "leaf-hashes";
inline constexpr const char* kEvidenceDir = "evidence";
// Entries per GET /v1/ledger/entries request (the server's maximum).
inline constexpr uint64_t kEntriesPerPage = 1000;

class HttpClient {
 public:
  // `url`: http://HOST:PORT (a trailing / is ignored). InvalidArgument otherwise.
  static Result<std::unique_ptr<HttpClient>> Make(const std::string& url, std::string token);
  ~HttpClient();

  struct Response {
    int status = 0;  // 0: no connection
    std::string body;
  };
  Response Get(const std::string& path);
  Response Post(const std::string& path, const std::string& json_body);
  // Any request, with extra headers (jic call: If-Match, Jic-Signature).
  Response Send(const std::string& method, const std::string& path, const std::string* body,
                const std::vector<std::pair<std::string, std::string>>& headers);
  const std::string& url() const { return url_; }

 private:
  HttpClient() = default;
  Response Request(const std::string& method, const std::string& path, const std::string* body,
                   const std::vector<std::pair<std::string, std::string>>& headers = {});
  bool Connect();
  void Close();
  bool WriteAll(const std::string& s);
  bool Fill();
  int ReadResponse(std::string* body);

  std::string url_, host_, port_, token_;
  int fd_ = -1;
  std::string buf_;
};

// A center's ledger API, decoded.
class HttpLedger {
 public:
  explicit HttpLedger(std::unique_ptr<HttpClient> http) : http_(std::move(http)) {}

  struct Info {
    std::string origin, key;
    uint64_t size = 0;
  };
  Result<Info> GetInfo();
  // The signed note; the latest checkpoint when size is nullopt.
  Result<std::string> GetCheckpoint(std::optional<uint64_t> size = std::nullopt);
  // The newest checkpoint that carries a cosignature by each named cosigner;
  // NotFound when none does yet.
  Result<std::string> GetCosignedCheckpoint(const std::vector<std::string>& names);
  // GET path (a 200's body), e.g. /v1/keys, /v1/agreement.
  Result<std::string> GetBody(const std::string& path) { return GetOk(path, path.c_str()); }
  // Leaves [start, end), every page of the range (end - start entries, or an error).
  Status GetEntries(uint64_t start, uint64_t end, std::vector<std::string>* out);
  // The same leaves through C2SP tlog-tiles entry bundles
  // (/v1/ledger/tile/entries/<N>[.p/<W>]: immutable, so any cache or CDN in
  // front of the center can serve them); a bundle the center cannot make
  // (an entry over 65,535 bytes: HTTP 422) is read through GetEntries.
  Status GetEntriesByTiles(uint64_t start, uint64_t end, std::vector<std::string>* out);
  Result<InclusionProof> GetInclusion(uint64_t index, uint64_t size);
  Result<std::vector<std::string>> GetConsistency(uint64_t first, uint64_t second);
  // POST /v1/ledger/cosignatures; the reply's status and body.
  HttpClient::Response PostCosignature(const std::string& checkpoint_text, const std::string& line);
  const std::string& url() const { return http_->url(); }

 private:
  Result<std::string> GetOk(const std::string& path, const char* what);
  // A 200's body, else an error naming `what` and the status.
  Result<std::string> OkBody(HttpClient::Response r, const std::string& what) const;
  std::unique_ptr<HttpClient> http_;
};

// A tile index as C2SP tlog-tiles writes it in a path: three-digit
// elements, all but the last after an "x" (1234067: x001/x234/067).
std::string TileIndexPath(uint64_t index);

// Splits an entry bundle (each entry behind its length, a big-endian uint16)
// into *out, skipping the first `skip` entries; `expected` is how many the
// bundle must hold.
Status SplitEntryBundle(std::string_view bundle, uint64_t expected, uint64_t skip,
                        std::vector<std::string>* out);

// DIR/entries.jsonl, read in order.
class EntryFileReader {
 public:
  static Result<std::unique_ptr<EntryFileReader>> Open(const std::string& path);
  // The next line (without its newline); nullopt at the end.
  std::optional<std::string> Next();
  uint64_t lines_read() const { return lines_; }

 private:
  std::ifstream in_;
  uint64_t lines_ = 0;
};

// Reads a whole file; NotFound when absent.
Result<std::string> ReadFile(const std::string& path);
// Writes a file through a temporary and a rename (fsync'd).
Status WriteFileAtomic(const std::string& path, const std::string& data);
// DIR/leaf-hashes as a tree (nullopt when absent or not a whole number of hashes).
std::optional<ledger::MerkleTree> ReadLeafHashes(const std::string& path);

}  // namespace jic::audit
