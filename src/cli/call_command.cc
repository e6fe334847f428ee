// jic call: one request to a running center, signed with the caller's key
// when --key is given (docs/ledger.md, "Signed commands").
//
//   jic call POST /v1/operations/op-3/approvals --url URL --token T
//            --data '{"approve": true}' --if-match 2 --key pat.key
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "jic/audit/ledger_source.h"
#include "jic/engine/center.h"
#include "jic/ledger/note.h"

namespace jic::cli {

using nlohmann::json;

namespace {

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path == "-" ? "/dev/stdin" : path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunCall(const CallArgs& args) {
  std::string token = args.token;
  if (token.empty()) {
    if (const char* t = std::getenv("JIC_TOKEN")) token = t;
  }
  if (token.empty()) {
    std::cerr << "--token: required (or $JIC_TOKEN)\n";
    return kExitBadInput;
  }
  std::string method = args.method;
  for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (args.path.empty() || args.path[0] != '/') {
    std::cerr << "PATH: must start with / (e.g. /v1/operations)\n";
    return kExitBadInput;
  }
  std::string body;
  const bool has_body = !args.data.empty();
  if (has_body) {
    if (args.data[0] == '@') {
      auto b = ReadAll(args.data.substr(1));
      if (!b.ok()) {
        std::cerr << "--data: " << b.status().ToString() << "\n";
        return kExitBadInput;
      }
      body = std::move(b).value();
    } else {
      body = args.data;
    }
  }
  auto http = audit::HttpClient::Make(args.url, token);
  if (!http.ok()) {
    std::cerr << "--url: " << http.status().ToString() << "\n";
    return kExitBadInput;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<int64_t> if_match;
  if (!args.if_match.empty()) {
    char* end = nullptr;
    long long v = std::strtoll(args.if_match.c_str(), &end, 10);
    if (end != args.if_match.c_str() + args.if_match.size() || v < 0) {
      std::cerr << "--if-match: must be a version number\n";
      return kExitBadInput;
    }
    if_match = v;
    headers.emplace_back("If-Match", args.if_match);
  }
  if (!args.idempotency_key.empty()) headers.emplace_back("Idempotency-Key", args.idempotency_key);
  if (!args.key.empty()) {
    auto text = ReadAll(args.key);
    auto key = text.ok() ? ledger::SignerKey::Parse(*text) : Result<ledger::SignerKey>(text.status());
    if (!key.ok()) {
      std::cerr << "--key: " << key.status().ToString() << "\n";
      return kExitBadInput;
    }
    if (key->type() != ledger::kAlgEd25519) {
      std::cerr << "--key: a cosigner key (type 0x04) does not sign commands; make one with jic keygen\n";
      return kExitBadInput;
    }
    // What the center will check: who we are, and the agreement's id.
    auto who = (*http)->Get("/v1/whoami");
    auto agreement = (*http)->Get("/v1/agreement");
    if (who.status != 200 || agreement.status != 200) {
      std::cerr << args.url << ": cannot read /v1/whoami and /v1/agreement (HTTP " << who.status << ", "
                << agreement.status << ")\n";
      return kExitFailure;
    }
    json w = json::parse(who.body, nullptr, false), a = json::parse(agreement.body, nullptr, false);
    const std::string user = w.is_object() ? w.value("name", "") : "";
    const std::string id = a.is_object() && a.contains("agreement") ? a["agreement"].value("id", "") : "";
    std::string path = args.path;
    if (size_t q = path.find('?'); q != std::string::npos) path.resize(q);
    const std::string message =
        engine::Center::CommandMessage(id, user, method + " " + path, if_match, body);
    auto sig = key->SignRaw(message);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", key->key_id());
    headers.emplace_back("Jic-Signature",
                         key->name() + "+" + hex + " " +
                             ledger::ToBase64(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size())));
  }
  auto r = (*http)->Send(method, args.path, has_body || method == "POST" || method == "PUT" ? &body : nullptr,
                         headers);
  if (r.status == 0) {
    std::cerr << args.url << ": no answer\n";
    return kExitFailure;
  }
  std::cout << r.body << (r.body.empty() || r.body.back() != '\n' ? "\n" : "");
  if (r.status >= 400) {
    std::cerr << "HTTP " << r.status << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace jic::cli
