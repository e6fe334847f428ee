#include "jic/ingest/track_json.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "jic/base/time_format.h"

namespace jic::ingest {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Nothing jic accepts here nests deeper than 3; refusing deep input early keeps
// simdjson's depth buffers small.
constexpr size_t kMaxDepth = 16;

constexpr double kMinAltitudeM = -8000;  // as operations (ASTM F3548 bounds)
constexpr double kMaxAltitudeM = 100000;
constexpr double kMaxGroundSpeedMps = 2000;
constexpr double kMaxVerticalRateMps = 1000;

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "a list";
    case element_type::OBJECT: return "an object";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "a number";
  }
}

// For messages: the shortest text that reads back as the same double, without
// an exponent for everyday magnitudes ("100000", not "1e+05").
std::string Num(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const auto format = a == 0 || (a >= 1e-6 && a < 1e15) ? std::chars_format::fixed
                                                         : std::chars_format::general;
  auto r = std::to_chars(buf, buf + sizeof buf, v, format);
  return std::string(buf, r.ptr);
}

void AppendNum(std::string* out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

enum Key : unsigned {
  kIcao24 = 1u << 0,
  kCallsign = 1u << 1,
  kLat = 1u << 2,
  kLng = 1u << 3,
  kAltM = 1u << 4,
  kTime = 1u << 5,
  kGsMps = 1u << 6,
  kTrackDeg = 1u << 7,
  kVrateMps = 1u << 8,
};
constexpr unsigned kRequired = kIcao24 | kLat | kLng | kAltM | kTime;

struct KeyName {
  Key key;
  std::string_view name;
};
constexpr KeyName kKeys[] = {
    {kIcao24, "icao24"}, {kCallsign, "callsign"},   {kLat, "lat"},
    {kLng, "lng"},       {kAltM, "alt_m"},          {kTime, "time"},
    {kGsMps, "gs_mps"},  {kTrackDeg, "track_deg"}, {kVrateMps, "vrate_mps"},
};

// The key's bit, or 0 when it is not one of kKeys. By length first: this runs
// for every field of every report.
Key KeyOf(std::string_view k) {
  switch (k.size()) {
    case 3:
      if (k == "lat") return kLat;
      if (k == "lng") return kLng;
      break;
    case 4:
      if (k == "time") return kTime;
      break;
    case 5:
      if (k == "alt_m") return kAltM;
      break;
    case 6:
      if (k == "icao24") return kIcao24;
      if (k == "gs_mps") return kGsMps;
      break;
    case 8:
      if (k == "callsign") return kCallsign;
      break;
    case 9:
      if (k == "track_deg") return kTrackDeg;
      if (k == "vrate_mps") return kVrateMps;
      break;
  }
  return Key{};
}

// Collects problems; paths are only built when there is one to report.
class Errors {
 public:
  bool any() const { return total_ > 0; }

  void Add(std::string field, std::string reason) {
    if (total_++ < kMaxTrackBatchErrors) list_.push_back({std::move(field), std::move(reason)});
  }
  void AddAt(size_t i, std::string_view key, std::string reason) {
    if (total_ >= kMaxTrackBatchErrors) {
      ++total_;
      return;
    }
    std::string path = "reports[" + std::to_string(i) + "]";
    if (!key.empty()) {
      path += '.';
      path += key;
    }
    Add(std::move(path), std::move(reason));
  }

  Status ToStatus() {
    if (total_ > kMaxTrackBatchErrors) {
      list_.push_back({"", std::to_string(total_ - kMaxTrackBatchErrors) + " more problems not listed"});
    }
    return Status::Invalid(std::move(list_));
  }

 private:
  std::vector<FieldError> list_;
  size_t total_ = 0;
};

class ReportReader {
 public:
  explicit ReportReader(Errors* errors) : errors_(errors) {}

  // Reads reports[i]; returns false (having listed why) when it is bad.
  bool Read(element e, size_t i, monitor::TrackReport* r) {
    i_ = i;
    ok_ = true;
    simdjson::dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
      errors_->AddAt(i, "", std::string("must be an object, got ") + TypeName(e.type()));
      return false;
    }
    unsigned seen = 0;
    for (simdjson::dom::key_value_pair kv : obj) {
      const Key key = KeyOf(kv.key);
      if (key == Key{}) {
        Fail(kv.key, "unknown key");
        continue;
      }
      if (seen & key) {
        Fail(kv.key, "repeated key");
        continue;
      }
      seen |= key;
      Value(key, kv.key, kv.value, r);
    }
    if ((seen & kRequired) != kRequired) {
      for (const KeyName& k : kKeys) {
        if ((k.key & kRequired) && !(seen & k.key)) Fail(k.name, "missing");
      }
    }
    // Optional fields not given are unknown (the caller's report may be reused).
    if (!(seen & kCallsign)) r->callsign.clear();
    if (!(seen & kGsMps)) r->gs_mps.reset();
    if (!(seen & kTrackDeg)) r->track_deg.reset();
    if (!(seen & kVrateMps)) r->vrate_mps.reset();
    return ok_;
  }

 private:
  void Fail(std::string_view key, std::string reason) {
    ok_ = false;
    errors_->AddAt(i_, key, std::move(reason));
  }

  bool String(std::string_view key, element v, std::string_view* out) {
    if (v.get_string().get(*out) == simdjson::SUCCESS) return true;
    Fail(key, std::string("must be a string, got ") + TypeName(v.type()));
    return false;
  }

  // A finite number within [lo, hi]; `what` names it in the message.
  bool Number(std::string_view key, element v, const char* what, double lo, double hi,
              const char* unit, double* out) {
    double d;
    if (v.get_double().get(d) != simdjson::SUCCESS) {
      Fail(key, std::string("must be a number, got ") + TypeName(v.type()));
      return false;
    }
    if (!(d >= lo && d <= hi)) {
      Fail(key, std::string(what) + " " + Num(d) + unit + " is outside " + Num(lo) + ".." +
                    Num(hi));
      return false;
    }
    *out = d;
    return true;
  }

  bool Optional(std::string_view key, element v, const char* what, double lo, double hi,
                const char* unit, std::optional<double>* out) {
    if (v.is_null()) {
      out->reset();
      return true;
    }
    double d;
    if (!Number(key, v, what, lo, hi, unit, &d)) return false;
    *out = d;
    return true;
  }

  void Value(Key key, std::string_view name, element v, monitor::TrackReport* r) {
    std::string_view s;
    double d;
    switch (key) {
      case kIcao24: {
        if (!String(name, v, &s)) return;
        bool ok = s.size() == 6;
        char hex[6];
        for (size_t k = 0; ok && k < 6; ++k) {
          char c = s[k];
          if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
          ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          hex[k] = c;
        }
        if (!ok) return Fail(name, "must be an ICAO 24-bit address: 6 hex digits");
        r->icao24.assign(hex, 6);
        return;
      }
      case kCallsign: {
        if (v.is_null()) {
          r->callsign.clear();
          return;
        }
        if (!String(name, v, &s)) return;
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        bool ok = !s.empty() && s.size() <= 8;
        for (char c : s) {
          ok = ok && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
        }
        if (!ok) return Fail(name, "must be 1-8 letters or digits");
        r->callsign.assign(s);
        return;
      }
      case kLat:
        if (Number(name, v, "latitude", -90, 90, "", &d)) r->lat_deg = d;
        return;
      case kLng:
        if (Number(name, v, "longitude", -180, 180, "", &d)) r->lng_deg = d;
        return;
      case kAltM:
        Optional(name, v, "altitude", kMinAltitudeM, kMaxAltitudeM, " m", &r->alt_m);
        return;
      case kTime: {
        if (!String(name, v, &s)) return;
        Result<Time> t = ParseRfc3339(s);
        if (!t.ok()) return Fail(name, t.status().errors().front().reason);
        r->time = *t;
        return;
      }
      case kGsMps:
        Optional(name, v, "ground speed", 0, kMaxGroundSpeedMps, " m/s", &r->gs_mps);
        return;
      case kTrackDeg:
        if (Optional(name, v, "track", 0, 360, "", &r->track_deg) && r->track_deg == 360.0) {
          r->track_deg = 0.0;
        }
        return;
      case kVrateMps:
        Optional(name, v, "vertical rate", -kMaxVerticalRateMps, kMaxVerticalRateMps, " m/s",
                 &r->vrate_mps);
        return;
    }
  }

  Errors* errors_;
  size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

struct TrackBatchParser::Impl {
  simdjson::dom::parser parser{kMaxTrackBatchBytes};
  std::unique_ptr<char[]> buffer;  // the body, copied with simdjson's padding
  size_t buffer_size = 0;
};

TrackBatchParser::TrackBatchParser() : impl_(std::make_unique<Impl>()) {}
TrackBatchParser::~TrackBatchParser() = default;

Result<std::vector<monitor::TrackReport>> TrackBatchParser::Parse(std::string_view body) {
  std::vector<monitor::TrackReport> reports;
  Status s = Parse(body, &reports);
  if (!s.ok()) return s;
  return reports;
}

Status TrackBatchParser::Parse(std::string_view body, std::vector<monitor::TrackReport>* out) {
  Status s = ParseInto(body, out);
  if (!s.ok()) out->clear();
  return s;
}

Status TrackBatchParser::ParseInto(std::string_view body, std::vector<monitor::TrackReport>* out) {
  if (body.size() > kMaxTrackBatchBytes) {
    return Status::Invalid("", "body of " + std::to_string(body.size()) + " bytes is over the " +
                                   std::to_string(kMaxTrackBatchBytes) + "-byte limit");
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy the body
  // into a padded buffer kept from call to call.
  const size_t need = body.size() + simdjson::SIMDJSON_PADDING;
  if (impl_->buffer_size < need) {
    impl_->buffer = std::make_unique<char[]>(need);
    impl_->buffer_size = need;
  }
  if (!body.empty()) std::memcpy(impl_->buffer.get(), body.data(), body.size());
  std::memset(impl_->buffer.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  if (impl_->parser.max_depth() != kMaxDepth || impl_->parser.capacity() < body.size()) {
    const size_t capacity = std::max(body.size(), impl_->parser.capacity());
    if (impl_->parser.allocate(capacity, kMaxDepth) != simdjson::SUCCESS) {
      return Status::Internal("out of memory for a track batch");
    }
  }

  element root;
  simdjson::error_code err =
      impl_->parser.parse(impl_->buffer.get(), body.size(), false).get(root);
  if (err != simdjson::SUCCESS) {
    return Status::Invalid("", std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  Errors errors;
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return Status::Invalid("", std::string("must be an object {\"reports\": [...]}, got ") +
                                   TypeName(root.type()));
  }
  element list;
  bool have_list = false;
  for (simdjson::dom::key_value_pair kv : top) {
    if (kv.key != "reports") {
      errors.Add(std::string(kv.key), "unknown key");
    } else if (have_list) {
      errors.Add("reports", "repeated key");
    } else {
      list = kv.value;
      have_list = true;
    }
  }
  if (!have_list) {
    errors.Add("reports", "missing");
    return errors.ToStatus();
  }
  simdjson::dom::array array;
  if (list.get_array().get(array) != simdjson::SUCCESS) {
    errors.Add("reports", std::string("must be a list, got ") + TypeName(list.type()));
    return errors.ToStatus();
  }
  const size_t n = array.size();
  if (n > kMaxTrackBatchReports) {
    errors.Add("reports", std::to_string(n) + " reports; at most " +
                              std::to_string(kMaxTrackBatchReports) + " per batch");
    return errors.ToStatus();
  }
  // Elements already in *out are overwritten, not rebuilt: every field is
  // either read or reset by ReportReader.
  out->resize(n);
  ReportReader reader(&errors);
  size_t i = 0;
  for (element e : array) {
    reader.Read(e, i, &(*out)[i]);
    ++i;
  }
  if (errors.any()) return errors.ToStatus();
  return Status::Ok();
}

Result<std::vector<monitor::TrackReport>> ParseTrackBatchJson(std::string_view body) {
  TrackBatchParser parser;
  return parser.Parse(body);
}

std::string TrackBatchToJson(const std::vector<monitor::TrackReport>& reports) {
  std::string out;
  out.reserve(16 + reports.size() * 200);
  out += "{\"reports\":[";
  for (size_t i = 0; i < reports.size(); ++i) {
    const monitor::TrackReport& r = reports[i];
    if (i > 0) out += ',';
    out += "{\"icao24\":\"";
    out += r.icao24;
    out += '"';
    if (!r.callsign.empty()) {
      out += ",\"callsign\":\"";
      out += r.callsign;
      out += '"';
    }
    out += ",\"lat\":";
    AppendNum(&out, r.lat_deg);
    out += ",\"lng\":";
    AppendNum(&out, r.lng_deg);
    out += ",\"alt_m\":";
    if (r.alt_m) {
      AppendNum(&out, *r.alt_m);
    } else {
      out += "null";
    }
    out += ",\"time\":\"";
    out += FormatRfc3339(r.time);
    out += '"';
    auto optional = [&](const char* key, const std::optional<double>& v) {
      if (!v) return;
      out += ",\"";
      out += key;
      out += "\":";
      AppendNum(&out, *v);
    };
    optional("gs_mps", r.gs_mps);
    optional("track_deg", r.track_deg);
    optional("vrate_mps", r.vrate_mps);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace jic::ingest
