// jic serve: the center as a service (API.md, "Starting it").

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "jic/agreement/agreement_loader.h"
#include "jic/api/coordinator.h"
#include "jic/api/http_server.h"
#include "jic/api/json_log.h"
#include "jic/api/ledger_service.h"
#include "jic/api/monitor_service.h"
#include "jic/api/router.h"
#include "jic/api/sbs_feed.h"
#include "jic/api/static_files.h"
#include "jic/monitor/track_history.h"
#include "jic/log/data_dir.h"

namespace jic::cli {

using nlohmann::json;

namespace {

bool SplitListen(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  unsigned long n = std::stoul(p);
  if (n > 65535) return false;
  *port = static_cast<uint16_t>(n);
  return true;
}

std::string Counter(const char* name, const char* help, const std::string& labels, uint64_t v,
                    bool head = true) {
  std::string out;
  if (head) out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
  out += std::string(name) + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(v) + "\n";
  return out;
}

std::string MonitorMetrics(const api::MonitorService& m,
                           const std::vector<std::unique_ptr<api::SbsFeed>>& feeds,
                           const monitor::TrackHistory& history) {
  api::MonitorService::Stats s = m.stats();
  std::string out;
  out += Counter("jic_track_reports_total", "Position reports offered to the monitor.", "", s.offered);
  out += Counter("jic_track_reports_refused_total", "Reports refused: the monitor's queue was full.", "",
                 s.refused);
  out += Counter("jic_track_reports_implausible_total",
                 "Reports set aside as implausible (over 1,000 m/s from the last).", "", s.monitor.implausible);
  out += Counter("jic_track_reports_out_of_order_total", "Reports older than the track's latest.", "",
                 s.monitor.out_of_order);
  out += "# HELP jic_tracks Live tracks.\n# TYPE jic_tracks gauge\njic_tracks " + std::to_string(s.tracks) + "\n";
  out += "# HELP jic_monitor_queue Reports waiting for the monitor.\n# TYPE jic_monitor_queue gauge\n"
         "jic_monitor_queue " + std::to_string(s.queued) + "\n";
  out += Counter("jic_alert_transitions_total", "Alert transitions the monitor concluded.", "kind=\"raise\"",
                 s.monitor.raised);
  out += Counter("jic_alert_transitions_total", "", "kind=\"update\"", s.monitor.updated, false);
  out += Counter("jic_alert_transitions_total", "", "kind=\"resolve\"", s.monitor.resolved, false);
  out += Counter("jic_track_history_errors_total", "Failed writes to the track history.", "", s.history_errors);
  out += Counter("jic_track_history_dropped_total", "Reports not kept in history (its writer was behind).", "",
                 s.history_dropped);
  out += "# HELP jic_track_history_partitions Hourly partitions kept.\n# TYPE jic_track_history_partitions gauge\n"
         "jic_track_history_partitions " + std::to_string(history.partitions()) + "\n";
  bool head = true;
  for (const auto& f : feeds) {
    api::SbsFeed::Counters c = f->counters();
    const std::string l = "feed=\"" + f->address() + "\"";
    out += Counter("jic_sbs_lines_total", "SBS lines received.", l, c.decoder.lines, head);
    out += Counter("jic_sbs_bad_lines_total", "SBS lines skipped as malformed.", l, c.decoder.bad_lines_total(), head);
    out += Counter("jic_sbs_bad_fields_total", "Malformed fields in otherwise good SBS lines.", l,
                   c.decoder.bad_fields, head);
    out += Counter("jic_sbs_reports_total", "Position reports decoded from SBS.", l, c.decoder.merger.reports, head);
    out += Counter("jic_sbs_connects_total", "Connections made to the feed.", l, c.connects, head);
    out += Counter("jic_sbs_disconnects_total", "Connections lost.", l, c.disconnects, head);
    out += Counter("jic_sbs_connect_failures_total", "Failed connection attempts.", l, c.connect_failures, head);
    head = false;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<api::Coordinator>> OpenCenter(const log::DataDir& dir,
                                                    api::Coordinator::Options options) {
  auto log = dir.OpenLog();
  if (!log.ok()) return log.status();
  return api::Coordinator::Open(std::move(log).value(), SystemClock::Get(), options);
}

Status InstallAgreement(api::Coordinator& c, const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) return Status::IoError("cannot read " + file);
  std::ostringstream ss;
  ss << f.rdbuf();
  // Validate first, so that the errors name the file's own paths.
  auto parsed = agreement::ParseAgreement(ss.str());
  if (!parsed.ok()) return parsed.status();
  auto doc = agreement::AgreementToCanonicalJson(ss.str());
  if (!doc.ok()) return doc.status();
  const std::string current = c.Read([](const engine::Center& center) {
    return center.initialized() ? center.GetAgreement().body : std::string();
  });
  if (!current.empty()) {
    json cur = json::parse(current);
    if (cur["agreement"] == json::parse(*doc)) return Status::Ok();
    return Status(StatusCode::kFailedPrecondition,
                  "the center already has an agreement (version " + cur["version"].dump() +
                      "); change it with an amendment (POST /v1/amendments), or start without "
                      "--agreement");
  }
  engine::Command cmd;
  cmd.type = std::string(engine::kAgreementInit);
  cmd.actor = engine::Actor{"jic serve", "", engine::Role::kSystem};
  cmd.body = json{{"agreement", json::parse(*doc)}}.dump();
  auto r = c.SubmitAndWait(std::move(cmd));
  if (!r.ok()) return r.status();
  return Status::Ok();
}

int RunServe(const ServeArgs& args) {
  std::string host;
  uint16_t port = 0;
  if (!SplitListen(args.listen, &host, &port)) {
    std::cerr << "--listen: expected HOST:PORT, got '" << args.listen << "'\n";
    return kExitBadInput;
  }
  if (args.read_timeout_s < 1 || args.idle_timeout_s < 1 || args.events_queue < 1) {
    std::cerr << "--read-timeout-s, --idle-timeout-s and --events-queue must be at least 1\n";
    return kExitBadInput;
  }
  if (args.threads < 1 || args.threads > 64) {
    std::cerr << "--threads: must be 1..64\n";
    return kExitBadInput;
  }
  if (!args.static_dir.empty() && !args.no_web) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(args.static_dir) / "index.html", ec)) {
      std::cerr << "--web: " << args.static_dir << " holds no index.html (build it: cd web && npm ci && npm run build)\n";
      return kExitBadInput;
    }
  }
  const bool fresh = !log::DataDir::HasLog(args.data);
  if (fresh && args.agreement.empty() && !args.hello_world) {
    std::cerr << "--agreement: required on the first start (" << args.data
              << " holds no center yet)\n";
    return kExitBadInput;
  }
  if (fresh && !args.agreement.empty()) {
    // Check the agreement before creating anything.
    auto parsed = agreement::LoadAgreementFile(args.agreement);
    if (!parsed.ok()) {
      std::cerr << args.agreement << ":\n" << parsed.status().ToString() << "\n";
      return parsed.status().code() == StatusCode::kIoError ? kExitFailure : kExitBadInput;
    }
  }
  auto dir = log::DataDir::Open(args.data, /*create=*/true);
  if (!dir.ok()) {
    std::cerr << dir.status().ToString() << "\n";
    return kExitFailure;
  }
  api::Coordinator::Options copt;
  if (args.snapshot_every >= 0) copt.snapshot_every = static_cast<uint64_t>(args.snapshot_every);
  copt.events_queue = static_cast<size_t>(args.events_queue);
  // The ledger (docs/ledger.md) grows with every durable batch.
  auto log = (*dir)->OpenLog();
  if (!log.ok()) {
    std::cerr << args.data << ": " << log.status().ToString() << "\n";
    return kExitFailure;
  }
  std::string origin = args.origin;
  if (origin.empty()) {
    std::string agreement_id;
    if (!args.agreement.empty()) {
      std::ifstream f(args.agreement, std::ios::binary);
      std::ostringstream ss;
      ss << f.rdbuf();
      if (auto a = agreement::ParseAgreement(ss.str()); a.ok()) agreement_id = (*a)->id;
    } else {
      // From the log's first entry (agreement.init).
      (*log)->Read(1, 1, [&](uint64_t, std::string_view bytes) {
        json e = json::parse(bytes.begin(), bytes.end(), nullptr, false);
        if (e.is_object()) agreement_id = e.value("/command/agreement/id"_json_pointer, std::string());
        return false;
      }).IgnoreError("a center without its first entry has no agreement id: the default origin is used");
    }
    origin = "jic/" + (agreement_id.empty() ? std::string("center") : agreement_id);
  }
  auto ledger = api::LedgerService::Open(args.data, **log, origin);
  if (!ledger.ok()) {
    std::cerr << args.data << ": " << ledger.status().ToString() << "\n";
    return kExitFailure;
  }
  copt.on_durable = [l = ledger->get()](uint64_t first, std::span<const std::string> entries) {
    l->Appended(first, entries);
  };
  auto center = api::Coordinator::Open(std::move(log).value(), SystemClock::Get(), copt);
  // The leaf hashes may come from the ledger's cache: check the whole log
  // against them in the background, and stop if it was changed under us.
  std::atomic<bool> audit_stop{false};
  std::thread audit;
  struct JoinAudit {
    std::atomic<bool>& stop;
    std::thread& t;
    ~JoinAudit() {
      stop = true;
      if (t.joinable()) t.join();
    }
  };
  if (center.ok()) {
    audit = std::thread([&audit_stop, l = ledger->get(), c = center->get()] {
      Status s = l->AuditLog(c->log(), audit_stop);
      if (!s.ok()) {
        api::LogError("ledger audit failed; stopping", json{{"reason", s.ToString()}}.dump());
        std::fflush(nullptr);
        std::_Exit(70);
      }
      if (!audit_stop) api::LogInfo("ledger audit passed", json{{"entries", l->size()}}.dump());
    });
  }
  JoinAudit join_audit{audit_stop, audit};
  if (!center.ok()) {
    std::cerr << args.data << ": " << center.status().ToString() << "\n";
    return kExitFailure;
  }
  api::Coordinator& c = **center;
  if (!args.agreement.empty()) {
    if (Status s = InstallAgreement(c, args.agreement); !s.ok()) {
      std::cerr << args.agreement << ": " << s.ToString() << "\n";
      return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition
                 ? kExitBadInput
                 : kExitFailure;
    }
  }

  // The monitor, its history, and the SBS feeds it follows.
  std::unique_ptr<monitor::TrackHistory> history;
  {
    auto h = monitor::TrackHistory::Open(
        args.data + "/tracks.sqlite",
        Duration::Micros(static_cast<int64_t>(args.track_retention_h * 3600e6)));
    if (!h.ok()) {
      std::cerr << h.status().ToString() << "\n";
      return kExitFailure;
    }
    history = std::move(h).value();
  }
  api::MonitorService::Options mopt;
  mopt.history = history.get();
  api::MonitorService monitor_service(c, mopt);
  std::vector<std::unique_ptr<api::SbsFeed>> feeds;
  for (const std::string& feed : args.sbs) {
    std::string fhost;
    uint16_t fport = 0;
    if (!SplitListen(feed, &fhost, &fport) || fport == 0) {
      std::cerr << "--sbs: expected HOST:PORT, got '" << feed << "'\n";
      return kExitBadInput;
    }
    feeds.push_back(std::make_unique<api::SbsFeed>(fhost, fport, monitor_service));
  }

  api::Metrics metrics;
  metrics.AddSource([&monitor_service, &feeds, &history] {
    return MonitorMetrics(monitor_service, feeds, *history);
  });
  // The console (docs/console.md): --web DIR, else the one next to the binary.
  std::string web_dir;
  if (!args.no_web) {
    web_dir = args.static_dir.empty() ? api::StaticFiles::FindDefaultRoot("/proc/self/exe")
                                      : args.static_dir;
    if (web_dir.empty()) {
      api::LogWarn("no web console found (build it: make build, or pass --web DIR); serving the API only");
    } else {
      api::LogInfo("console", json{{"web", web_dir}}.dump());
    }
  }
  api::Router router(c, metrics, web_dir);
  router.SetMonitor(&monitor_service, history.get());
  router.SetLedger(ledger->get());
  api::HttpServer::Options hopt;
  hopt.host = host;
  hopt.port = port;
  hopt.threads = args.threads;
  hopt.access_log = args.access_log;
  hopt.read_timeout = std::chrono::seconds(args.read_timeout_s);
  hopt.idle_timeout = std::chrono::seconds(args.idle_timeout_s);
  api::HttpServer::Handler handler;
  if (args.hello_world) {
    // The ceiling for benchmarks: the same server stack, no work.
    handler = [](const api::HttpRequest&, std::function<void(api::HttpResponse)> done) {
      api::HttpResponse r;
      r.body = "{\"hello\":\"world\"}";
      r.route = "hello";
      done(std::move(r));
    };
  } else {
    handler = [&router](const api::HttpRequest& req, std::function<void(api::HttpResponse)> done) {
      router.Handle(req, std::move(done));
    };
  }
  api::HttpServer server(hopt, handler, &c, &metrics);
  auto bound = server.Listen();
  if (!bound.ok()) {
    std::cerr << bound.status().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "listening on " << host << ":" << *bound << std::endl;
  api::LogInfo("serving", json{{"listen", host + ":" + std::to_string(*bound)},
                               {"data", args.data},
                               {"entries", c.committed_seq()}}
                              .dump());
  server.Run();
  for (auto& f : feeds) f->Stop();
  monitor_service.Stop();
  c.Stop();
  api::LogInfo("stopped", json{{"entries", c.committed_seq()}}.dump());
  return kExitOk;
}

}  // namespace jic::cli
