#include "jic/monitor/track_history.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>

namespace jic::monitor {

namespace {

constexpr int64_t kHourMicros = 3600LL * 1000000;

int64_t HourOf(Time t) {
  const int64_t us = t.unix_micros();
  return us >= 0 ? us / kHourMicros : -((-us + kHourMicros - 1) / kHourMicros);
}

std::string Table(int64_t hour) {
  return "reports_" + std::string(hour < 0 ? "m" : "") + std::to_string(std::llabs(hour));
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError("track history: " + m);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<TrackHistory>> TrackHistory::Open(const std::string& path, Duration retention) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return Status::IoError("cannot open track history " + path + ": " + m);
  }
  for (const char* p : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF"}) {
    if (Status s = Exec(db, p); !s.ok()) {
      sqlite3_close(db);
      return s;
    }
  }
  std::unique_ptr<TrackHistory> h(new TrackHistory(db, retention));
  sqlite3_stmt* q = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'reports_%'",
                         -1, &q, nullptr) == SQLITE_OK) {
    while (sqlite3_step(q) == SQLITE_ROW) {
      std::string name = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
      std::string num = name.substr(8);
      bool neg = !num.empty() && num[0] == 'm';
      if (neg) num = num.substr(1);
      if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
      h->hours_.push_back(neg ? -std::stoll(num) : std::stoll(num));
    }
  }
  sqlite3_finalize(q);
  std::sort(h->hours_.begin(), h->hours_.end());
  return h;
}

TrackHistory::TrackHistory(sqlite3* db, Duration retention) : db_(db), retention_(retention) {}

TrackHistory::~TrackHistory() { sqlite3_close_v2(db_); }

Status TrackHistory::EnsurePartition(int64_t hour) {
  if (std::binary_search(hours_.begin(), hours_.end(), hour)) return Status::Ok();
  const std::string t = Table(hour);
  if (Status s = Exec(db_, "CREATE TABLE IF NOT EXISTS " + t +
                               " (icao TEXT NOT NULL, t INTEGER NOT NULL, lat REAL, lng REAL, alt REAL,"
                               " gs REAL, trk REAL, vr REAL, callsign TEXT)");
      !s.ok()) {
    return s;
  }
  if (Status s = Exec(db_, "CREATE INDEX IF NOT EXISTS " + t + "_icao ON " + t + " (icao, t)"); !s.ok()) {
    return s;
  }
  hours_.insert(std::upper_bound(hours_.begin(), hours_.end(), hour), hour);
  return Status::Ok();
}

void TrackHistory::Retain(Time newest) {
  const int64_t keep_from = HourOf(newest - retention_);
  while (!hours_.empty() && hours_.front() < keep_from) {
    Exec(db_, "DROP TABLE IF EXISTS " + Table(hours_.front())).IgnoreError("retried at the next append");
    hours_.erase(hours_.begin());
    ++dropped_;
  }
}

Status TrackHistory::Append(std::span<const TrackReport> reports) {
  if (reports.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (Status s = Exec(db_, "BEGIN"); !s.ok()) return s;
  int64_t current = INT64_MIN;
  sqlite3_stmt* ins = nullptr;
  Status result;
  for (const TrackReport& r : reports) {
    if (r.time < newest_ - retention_) continue;  // older than what is kept
    const int64_t hour = HourOf(r.time);
    if (hour != current) {
      if (ins) sqlite3_finalize(ins);
      ins = nullptr;
      if (Status s = EnsurePartition(hour); !s.ok()) {
        result = s;
        break;
      }
      const std::string sql = "INSERT INTO " + Table(hour) + " VALUES (?,?,?,?,?,?,?,?,?)";
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &ins, nullptr) != SQLITE_OK) {
        result = Status::IoError(std::string("track history: ") + sqlite3_errmsg(db_));
        break;
      }
      current = hour;
    }
    sqlite3_reset(ins);
    sqlite3_bind_text(ins, 1, r.icao24.data(), static_cast<int>(r.icao24.size()), SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, r.time.unix_micros());
    sqlite3_bind_double(ins, 3, r.lat_deg);
    sqlite3_bind_double(ins, 4, r.lng_deg);
    auto opt = [&](int i, const std::optional<double>& v) {
      if (v) {
        sqlite3_bind_double(ins, i, *v);
      } else {
        sqlite3_bind_null(ins, i);
      }
    };
    opt(5, r.alt_m);
    opt(6, r.gs_mps);
    opt(7, r.track_deg);
    opt(8, r.vrate_mps);
    sqlite3_bind_text(ins, 9, r.callsign.data(), static_cast<int>(r.callsign.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      result = Status::IoError(std::string("track history: ") + sqlite3_errmsg(db_));
      break;
    }
    newest_ = std::max(newest_, r.time);
  }
  if (ins) sqlite3_finalize(ins);
  if (!result.ok()) {
    Exec(db_, "ROLLBACK").IgnoreError("already failing");
    return result;
  }
  if (Status s = Exec(db_, "COMMIT"); !s.ok()) return s;
  Retain(newest_);
  return Status::Ok();
}

Result<std::vector<TrackReport>> TrackHistory::Query(const std::string& icao24, Time from, Time to,
                                                     size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TrackReport> out;
  for (int64_t hour : hours_) {
    if (hour < HourOf(from) || hour > HourOf(to)) continue;
    sqlite3_stmt* q = nullptr;
    const std::string sql = "SELECT t, lat, lng, alt, gs, trk, vr, callsign FROM " + Table(hour) +
                            " WHERE icao = ? AND t BETWEEN ? AND ? ORDER BY t LIMIT ?";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &q, nullptr) != SQLITE_OK) {
      return Status::IoError(std::string("track history: ") + sqlite3_errmsg(db_));
    }
    sqlite3_bind_text(q, 1, icao24.data(), static_cast<int>(icao24.size()), SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, from.unix_micros());
    sqlite3_bind_int64(q, 3, to.unix_micros());
    sqlite3_bind_int64(q, 4, static_cast<sqlite3_int64>(limit - out.size()));
    while (sqlite3_step(q) == SQLITE_ROW) {
      TrackReport r;
      r.icao24 = icao24;
      r.time = Time::FromUnixMicros(sqlite3_column_int64(q, 0));
      r.lat_deg = sqlite3_column_double(q, 1);
      r.lng_deg = sqlite3_column_double(q, 2);
      auto opt = [&](int i) -> std::optional<double> {
        if (sqlite3_column_type(q, i) == SQLITE_NULL) return std::nullopt;
        return sqlite3_column_double(q, i);
      };
      r.alt_m = opt(3);
      r.gs_mps = opt(4);
      r.track_deg = opt(5);
      r.vrate_mps = opt(6);
      if (const unsigned char* c = sqlite3_column_text(q, 7)) r.callsign = reinterpret_cast<const char*>(c);
      out.push_back(std::move(r));
    }
    sqlite3_finalize(q);
    if (out.size() >= limit) break;
  }
  return out;
}

size_t TrackHistory::partitions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hours_.size();
}

uint64_t TrackHistory::dropped_partitions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace jic::monitor
