#include "jic/api/metrics.h"

#include <cstdio>

namespace jic::api {

namespace {

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,   0.25,   0.5,   1,    2.5};

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void HistogramLines(std::string& out, const std::string& name, const std::string& labels,
                    const Histogram& h) {
  std::vector<uint64_t> cum;
  double sum = 0;
  uint64_t count = 0;
  h.Read(&cum, &sum, &count);
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    out += name + "_bucket{" + labels + sep + "le=\"" + Num(h.bounds()[i]) + "\"} " +
           std::to_string(cum[i]) + "\n";
  }
  out += name + "_bucket{" + labels + sep + "le=\"+Inf\"} " + std::to_string(cum.back()) + "\n";
  std::string l = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + l + " " + Num(sum) + "\n";
  out += name + "_count" + l + " " + std::to_string(count) + "\n";
}

}  // namespace

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  Histogram* h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{route, method, status}];
    auto& slot = latency_[route];
    if (!slot) slot = std::make_unique<Histogram>(kLatencyBounds);
    h = slot.get();
  }
  h->Observe(seconds);
}

void Metrics::CountBadRequest(const char* reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++bad_requests_[reason];
}

std::string Metrics::Render(const Coordinator& c) const {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Head(out, "jic_http_requests_total", "counter", "HTTP requests by route, method and status.");
    for (const auto& [k, n] : requests_) {
      out += "jic_http_requests_total{route=\"" + std::get<0>(k) + "\",method=\"" + std::get<1>(k) +
             "\",status=\"" + std::to_string(std::get<2>(k)) + "\"} " + std::to_string(n) + "\n";
    }
    Head(out, "jic_http_request_duration_seconds", "histogram",
         "Time from a request's arrival to its response, by route.");
    for (const auto& [route, h] : latency_) {
      HistogramLines(out, "jic_http_request_duration_seconds", "route=\"" + route + "\"", *h);
    }
    Head(out, "jic_http_refused_total", "counter",
         "Requests refused before routing (too large, malformed, timed out).");
    for (const auto& [reason, n] : bad_requests_) {
      out += "jic_http_refused_total{reason=\"" + reason + "\"} " + std::to_string(n) + "\n";
    }
  }
  Head(out, "jic_http_connections_total", "counter", "TCP connections accepted.");
  out += "jic_http_connections_total " + std::to_string(connections_.load()) + "\n";

  const Coordinator::Stats& s = c.stats();
  Head(out, "jic_decisions_total", "counter", "Decisions recorded, by outcome.");
  out += "jic_decisions_total{outcome=\"accepted\"} " + std::to_string(s.decisions_accepted.load()) + "\n";
  out += "jic_decisions_total{outcome=\"needs_approval\"} " +
         std::to_string(s.decisions_needs_approval.load()) + "\n";
  out += "jic_decisions_total{outcome=\"rejected\"} " + std::to_string(s.decisions_rejected.load()) + "\n";
  Head(out, "jic_log_entries_total", "counter", "Entries appended to the log since start.");
  out += "jic_log_entries_total " + std::to_string(s.entries.load()) + "\n";
  Head(out, "jic_log_last_seq", "gauge", "The highest durable sequence number.");
  out += "jic_log_last_seq " + std::to_string(c.committed_seq()) + "\n";
  Head(out, "jic_log_commits_total", "counter", "Durable commits (one fsync each).");
  out += "jic_log_commits_total " + std::to_string(s.commits.load()) + "\n";
  Head(out, "jic_commands_refused_total", "counter", "Commands refused with an error (nothing recorded).");
  out += "jic_commands_refused_total " + std::to_string(s.refused.load()) + "\n";
  Head(out, "jic_log_fsync_seconds", "histogram", "Time to append and sync one commit.");
  HistogramLines(out, "jic_log_fsync_seconds", "", s.fsync_seconds);
  Head(out, "jic_log_commit_entries", "histogram", "Entries per commit (group commit).");
  HistogramLines(out, "jic_log_commit_entries", "", s.batch_size);
  Head(out, "jic_snapshots_total", "counter", "State snapshots written since start.");
  out += "jic_snapshots_total " + std::to_string(s.snapshots.load()) + "\n";

  engine::Center::Counts counts =
      c.Read([](const engine::Center& center) { return center.counts(); });
  Head(out, "jic_operations", "gauge", "Operations the center knows.");
  out += "jic_operations " + std::to_string(counts.operations) + "\n";
  Head(out, "jic_users", "gauge", "Users.");
  out += "jic_users " + std::to_string(counts.users) + "\n";
  Head(out, "jic_alerts_open", "gauge", "Alerts not yet resolved.");
  out += "jic_alerts_open " + std::to_string(counts.alerts_open) + "\n";
  Head(out, "jic_event_subscribers", "gauge", "Open event streams.");
  out += "jic_event_subscribers " + std::to_string(const_cast<Coordinator&>(c).events().subscribers()) + "\n";
  Head(out, "jic_event_subscribers_dropped_total", "counter", "Event streams dropped for falling behind.");
  out += "jic_event_subscribers_dropped_total " +
         std::to_string(const_cast<Coordinator&>(c).events().dropped_total()) + "\n";
  for (const auto& source : sources_) out += source();
  return out;
}

}  // namespace jic::api
