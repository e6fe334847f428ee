// POST /v1/tracks bodies: strict fields, every problem listed by path, the whole
// batch refused when any report is bad, and a lossless round trip.
#include "jic/ingest/track_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jic/base/time_format.h"

namespace jic::ingest {
namespace {

using monitor::TrackReport;

Time T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::vector<std::string> Errors(const std::string& body) {
  Result<std::vector<TrackReport>> r = ParseTrackBatchJson(body);
  std::vector<std::string> out;
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return out;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  for (const FieldError& e : r.status().errors()) out.push_back(e.ToString());
  return out;
}

std::string One(const std::string& fields) { return R"({"reports": [{)" + fields + "}]}"; }

constexpr char kGood[] =
    R"("icao24": "4D2023", "lat": 37.09438, "lng": 13.78843, "alt_m": 6926.58, "time": "2026-11-25T11:54:44.047Z")";

TEST(TrackJson, ReadsAReport) {
  Result<std::vector<TrackReport>> r = ParseTrackBatchJson(R"({"reports": [
    {"icao24": "4D2023", "callsign": "AMC421  ", "lat": 37.09438, "lng": 13.78843,
     "alt_m": 6926.58, "time": "2026-11-25T13:54:44.047+02:00", "gs_mps": 199.6,
     "track_deg": 158, "vrate_mps": -9.75},
    {"icao24": "406b90", "lat": -51, "lng": 4, "alt_m": null, "time": "2016-03-14T23:00:00Z",
     "callsign": null, "gs_mps": null, "track_deg": 360}
  ]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const TrackReport& a = (*r)[0];
  EXPECT_EQ(a.icao24, "4d2023");
  EXPECT_EQ(a.callsign, "AMC421");
  EXPECT_EQ(a.lat_deg, 37.09438);
  EXPECT_EQ(a.lng_deg, 13.78843);
  EXPECT_EQ(a.alt_m, 6926.58);
  EXPECT_EQ(a.time, T("2026-11-25T11:54:44.047Z"));
  EXPECT_EQ(a.gs_mps, 199.6);
  EXPECT_EQ(a.track_deg, 158);
  EXPECT_EQ(a.vrate_mps, -9.75);
  const TrackReport& b = (*r)[1];
  EXPECT_EQ(b.icao24, "406b90");
  EXPECT_EQ(b.callsign, "");
  EXPECT_EQ(b.lat_deg, -51);
  EXPECT_FALSE(b.alt_m);
  EXPECT_FALSE(b.gs_mps);
  EXPECT_EQ(b.track_deg, 0) << "360 reads as 0";
  EXPECT_FALSE(b.vrate_mps);
}

TEST(TrackJson, AnEmptyBatchIsFine) {
  Result<std::vector<TrackReport>> r = ParseTrackBatchJson(R"({"reports": []})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(TrackJson, ProblemsByPath) {
  EXPECT_EQ(Errors(One(R"("icao24": "4D2023", "lat": 91, "lng": 13, "alt_m": 1, "time": "2026-11-25T11:54:44Z")")),
            std::vector<std::string>{"reports[0].lat: latitude 91 is outside -90..90"});
  EXPECT_EQ(Errors(One(std::string(kGood) + R"(, "lng2": 1)")),
            std::vector<std::string>{"reports[0].lng2: unknown key"});
  EXPECT_EQ(Errors(One(std::string(kGood) + R"(, "lat": 1)")),
            std::vector<std::string>{"reports[0].lat: repeated key"});
  EXPECT_EQ(Errors(One(R"("icao24": "4D2023")")),
            (std::vector<std::string>{"reports[0].lat: missing", "reports[0].lng: missing",
                                      "reports[0].alt_m: missing", "reports[0].time: missing"}));
  struct Case {
    const char* key_value;
    const char* error;
  } cases[] = {
      {R"("icao24": "4D202")", "reports[0].icao24: must be an ICAO 24-bit address: 6 hex digits"},
      {R"("icao24": "4D202G")", "reports[0].icao24: must be an ICAO 24-bit address: 6 hex digits"},
      {R"("icao24": "~4D202")", "reports[0].icao24: must be an ICAO 24-bit address: 6 hex digits"},
      {R"("icao24": 5055523)", "reports[0].icao24: must be a string, got a number"},
      {R"("callsign": "AMC-421")", "reports[0].callsign: must be 1-8 letters or digits"},
      {R"("callsign": "ABCDEFGHI")", "reports[0].callsign: must be 1-8 letters or digits"},
      {R"("callsign": "   ")", "reports[0].callsign: must be 1-8 letters or digits"},
      {R"("callsign": 421)", "reports[0].callsign: must be a string, got a number"},
      {R"("lng": -180.5)", "reports[0].lng: longitude -180.5 is outside -180..180"},
      {R"("lng": "13")", "reports[0].lng: must be a number, got a string"},
      {R"("lat": null)", "reports[0].lat: must be a number, got null"},
      {R"("lat": [1])", "reports[0].lat: must be a number, got a list"},
      {R"("lat": true)", "reports[0].lat: must be a number, got a boolean"},
      {R"("alt_m": 100001)", "reports[0].alt_m: altitude 100001 m is outside -8000..100000"},
      {R"("alt_m": {})", "reports[0].alt_m: must be a number, got an object"},
      {R"("time": "2026-11-25 11:54:44")",
       "reports[0].time: not an RFC 3339 time (expected YYYY-MM-DDTHH:MM:SSZ)"},
      {R"("time": "2026-11-25T11:54:44")",
       "reports[0].time: not an RFC 3339 time (missing time zone: end with Z or an offset such "
       "as +03:00)"},
      {R"("time": 1764071684)", "reports[0].time: must be a string, got a number"},
      {R"("gs_mps": -1)", "reports[0].gs_mps: ground speed -1 m/s is outside 0..2000"},
      {R"("track_deg": 360.5)", "reports[0].track_deg: track 360.5 is outside 0..360"},
      {R"("vrate_mps": 1e9)", "reports[0].vrate_mps: vertical rate 1000000000 m/s is outside -1000..1000"},
  };
  for (const Case& c : cases) {
    // Put the bad value in place of the good one (a later repeated key would be refused).
    std::string key = std::string(c.key_value).substr(0, std::string(c.key_value).find(':'));
    std::string good = kGood;
    size_t at = good.find(key);
    std::string body;
    if (at == std::string::npos) {
      body = One(good + ", " + c.key_value);
    } else {
      size_t end = good.find(", \"", at);
      good.replace(at, (end == std::string::npos ? good.size() : end) - at, c.key_value);
      body = One(good);
    }
    EXPECT_EQ(Errors(body), std::vector<std::string>{c.error}) << body;
  }
}

TEST(TrackJson, EveryProblemIsListedAndNothingIsHalfApplied) {
  std::string body = R"({"reports": [)";
  body += "{" + std::string(kGood) + "},";
  body += R"({"icao24": "xyz", "lat": 91, "lng": 13, "alt_m": 1, "time": "2026-11-25T11:54:44Z"},)";
  body += "{" + std::string(kGood) + "},";
  body += R"(7, {"lat": 1}], "extra": 1})";
  EXPECT_EQ(Errors(body), (std::vector<std::string>{
                              "extra: unknown key",
                              "reports[1].icao24: must be an ICAO 24-bit address: 6 hex digits",
                              "reports[1].lat: latitude 91 is outside -90..90",
                              "reports[3]: must be an object, got a number",
                              "reports[4].icao24: missing",
                              "reports[4].lng: missing",
                              "reports[4].alt_m: missing",
                              "reports[4].time: missing",
                          }));
  TrackBatchParser parser;
  std::vector<TrackReport> out(3);
  Status s = parser.Parse(body, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(out.empty()) << "a refused batch yields no report";
}

TEST(TrackJson, TheBodyAsAWhole) {
  for (const char* bad : {"", "{", R"({"reports": [}")", "{\"reports\": [1,]}", "nul",
                          "{\"reports\": \"\xff\"}", "{\"reports\": [1e999]}",
                          "{\"reports\": [123456789012345678901234567890]}"}) {
    std::vector<std::string> e = Errors(bad);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_EQ(e[0].rfind("malformed JSON: ", 0), 0u) << e[0];
  }
  EXPECT_EQ(Errors("[]"), std::vector<std::string>{
                              "must be an object {\"reports\": [...]}, got a list"});
  EXPECT_EQ(Errors("{}"), std::vector<std::string>{"reports: missing"});
  EXPECT_EQ(Errors(R"({"reports": {}})"),
            std::vector<std::string>{"reports: must be a list, got an object"});
  EXPECT_EQ(Errors(R"({"reports": [], "reports": []})"),
            std::vector<std::string>{"reports: repeated key"});
  // Deep nesting is refused by the parser, not by recursion.
  std::string deep = R"({"reports": [)" + std::string(10000, '[') + std::string(10000, ']') + "]}";
  EXPECT_EQ(Errors(deep).size(), 1u);
}

TEST(TrackJson, AtMost10000ReportsPerBatch) {
  std::vector<TrackReport> reports(kMaxTrackBatchReports);
  for (size_t i = 0; i < reports.size(); ++i) {
    reports[i].icao24 = "4d2023";
    reports[i].lat_deg = 37 + i * 1e-5;
    reports[i].lng_deg = 13;
    reports[i].alt_m = 1000;
    reports[i].time = T("2026-11-25T11:54:44Z") + Duration::Micros(i * 1000);
  }
  std::string body = TrackBatchToJson(reports);
  Result<std::vector<TrackReport>> r = ParseTrackBatchJson(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), kMaxTrackBatchReports);
  reports.push_back(reports.back());
  EXPECT_EQ(Errors(TrackBatchToJson(reports)),
            std::vector<std::string>{"reports: 10001 reports; at most 10000 per batch"});
}

TEST(TrackJson, TooManyProblemsAreSummed) {
  std::string body = R"({"reports": [)";
  for (int i = 0; i < 500; ++i) body += std::string(i ? "," : "") + "{}";
  body += "]}";
  std::vector<std::string> e = Errors(body);
  ASSERT_EQ(e.size(), kMaxTrackBatchErrors + 1);
  EXPECT_EQ(e[0], "reports[0].icao24: missing");
  EXPECT_EQ(e.back(), "2400 more problems not listed");  // 500 x 5 missing, 100 listed
}

TEST(TrackJson, BodiesOverTheLimitAreRefusedUnread) {
  std::string body(kMaxTrackBatchBytes + 1, ' ');
  EXPECT_EQ(Errors(body), std::vector<std::string>{
                              "body of 8388609 bytes is over the 8388608-byte limit"});
}

TEST(TrackJson, RoundTrip) {
  TrackReport a;
  a.icao24 = "4d2023";
  a.callsign = "AMC421";
  a.lat_deg = 37.094380000000001;
  a.lng_deg = -0.1 - 0.2;  // a double with no short decimal form
  a.alt_m = 6926.58;
  a.time = T("2026-11-25T11:54:44.047123Z");
  a.gs_mps = 1.0 / 3;
  a.track_deg = 359.99999999;
  a.vrate_mps = -9.7536;
  TrackReport b;
  b.icao24 = "000001";
  b.lat_deg = -90;
  b.lng_deg = 180;
  b.time = T("1970-01-01T00:00:00Z");
  std::string body = TrackBatchToJson({a, b});
  Result<std::vector<TrackReport>> r = ParseTrackBatchJson(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << body;
  ASSERT_EQ(r->size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const TrackReport& want = i == 0 ? a : b;
    const TrackReport& got = (*r)[i];
    EXPECT_EQ(got.icao24, want.icao24);
    EXPECT_EQ(got.callsign, want.callsign);
    EXPECT_EQ(got.lat_deg, want.lat_deg);
    EXPECT_EQ(got.lng_deg, want.lng_deg);
    EXPECT_EQ(got.alt_m, want.alt_m);
    EXPECT_EQ(got.time, want.time);
    EXPECT_EQ(got.gs_mps, want.gs_mps);
    EXPECT_EQ(got.track_deg, want.track_deg);
    EXPECT_EQ(got.vrate_mps, want.vrate_mps);
  }
  EXPECT_EQ(TrackBatchToJson({b}),
            R"({"reports":[{"icao24":"000001","lat":-90,"lng":180,"alt_m":null,"time":"1970-01-01T00:00:00Z"}]})");
}

TEST(TrackJson, AParserIsReusable) {
  TrackBatchParser parser;
  std::vector<TrackReport> out;
  ASSERT_TRUE(parser.Parse(One(kGood), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(parser.Parse("{", &out).ok());
  EXPECT_TRUE(out.empty());
  // Optional fields of an earlier batch do not leak into a reused vector.
  ASSERT_TRUE(parser.Parse(One(std::string(kGood) + R"(, "gs_mps": 5, "callsign": "X1")"), &out).ok());
  EXPECT_EQ(out[0].gs_mps, 5);
  ASSERT_TRUE(parser.Parse(One(kGood), &out).ok());
  EXPECT_FALSE(out[0].gs_mps);
  EXPECT_EQ(out[0].callsign, "");
  Result<std::vector<TrackReport>> r = parser.Parse(R"({"reports": []})");
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace jic::ingest
