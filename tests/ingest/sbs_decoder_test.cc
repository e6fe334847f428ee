// SBS-1 BaseStation decoding: each stage on small text fixtures (every message
// kind, every way a line can be bad), the merger's freshness rules, stream
// splitting, and the three real dump1090-mutability recordings of
// tests/data/adsb/.
#include "jic/ingest/sbs_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jic/base/time_format.h"

namespace jic::ingest {
namespace {

using monitor::TrackReport;

constexpr char kDate[] = "2026/11/25";

Time T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

// A MSG line of 22 fields: `set` overrides fields by their 0-based position.
std::string Msg(int type, const std::string& hex, const std::string& time,
                const std::map<int, std::string>& set = {}, const char* end = "\n") {
  std::vector<std::string> f(kSbsMsgFields);
  f[0] = "MSG";
  f[1] = std::to_string(type);
  f[2] = f[3] = f[5] = "1";
  f[4] = hex;
  f[6] = f[8] = kDate;
  f[7] = f[9] = time;
  for (const auto& [i, v] : set) f[i] = v;
  std::string line;
  for (size_t i = 0; i < f.size(); ++i) line += (i ? "," : "") + f[i];
  return line + end;
}

std::vector<TrackReport> DecodeAll(SbsDecoder* d, std::string_view text) {
  std::vector<TrackReport> out;
  d->Feed(text, [&](const TrackReport& r) { out.push_back(r); });
  d->Finish();
  return out;
}

SbsLineStatus Check(std::string_view line) {
  SbsLine l;
  return CheckSbsLine(line, &l);
}

// ---- Stage 1: the line ------------------------------------------------------

TEST(CheckSbsLine, KeepsTheLineVerbatimAndSplitsItsFields) {
  const std::string line = Msg(3, "4D2023", "11:54:44.047",
                               {{11, "22725"}, {14, "37.09438"}, {15, "13.78843"}}, "\r\n");
  SbsLine l;
  ASSERT_EQ(CheckSbsLine(line, &l), SbsLineStatus::kOk);
  EXPECT_EQ(l.text, line.substr(0, line.size() - 2));
  EXPECT_EQ(l.text.data(), line.data());  // a view, not a copy
  EXPECT_EQ(l.kind, SbsLineKind::kMsg);
  EXPECT_EQ(l.field_count, 22);
  EXPECT_EQ(l.fields[kSbsHexIdent], "4D2023");
  EXPECT_EQ(l.fields[kSbsLatitude], "37.09438");
  EXPECT_EQ(l.fields[kSbsOnGround], "");
}

TEST(CheckSbsLine, EveryKind) {
  struct Case {
    const char* line;
    SbsLineKind kind;
    const char* name;
    int fields;
  } cases[] = {
      {"SEL,,496,2286,4CA4E5,27215,2010/02/19,18:06:07.710,2010/02/19,18:06:07.710,RYR1427\n",
       SbsLineKind::kSel, "SEL", 11},
      {"ID,,496,7162,405637,27928,2010/02/19,18:06:07.115,2010/02/19,18:06:07.115,EZY691A\n",
       SbsLineKind::kId, "ID", 11},
      {"AIR,,496,5906,400705,27931,2010/02/19,18:06:07.128,2010/02/19,18:06:07.128\n",
       SbsLineKind::kAir, "AIR", 10},
      {"STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM\n",
       SbsLineKind::kSta, "STA", 11},
      {"CLK,,496,-1,,-1,2010/02/19,18:18:19.036,2010/02/19,18:18:19.036\n", SbsLineKind::kClk,
       "CLK", 10},
      {"MSG,8,1,1,4D2023,1,2026/11/25,11:54:44.023,2026/11/25,11:54:44.039,,,,,,,,,,,,0\n",
       SbsLineKind::kMsg, "MSG", 22},
  };
  for (const Case& c : cases) {
    SbsLine l;
    ASSERT_EQ(CheckSbsLine(c.line, &l), SbsLineStatus::kOk) << c.line;
    EXPECT_EQ(l.kind, c.kind) << c.line;
    EXPECT_EQ(l.field_count, c.fields) << c.line;
    EXPECT_STREQ(SbsLineKindName(c.kind), c.name);
  }
}

TEST(CheckSbsLine, BadLinesSayWhy) {
  const std::string good = Msg(8, "4D2023", "11:54:44.047");
  const std::string text = good.substr(0, good.size() - 1);
  EXPECT_EQ(Check("\n"), SbsLineStatus::kBlank);
  EXPECT_EQ(Check("\r\n"), SbsLineStatus::kBlank);
  EXPECT_EQ(Check(""), SbsLineStatus::kUnterminated);
  EXPECT_EQ(Check(text), SbsLineStatus::kUnterminated);
  EXPECT_EQ(Check(text + "\r"), SbsLineStatus::kUnterminated);
  // 512 bytes are fine, 513 are too many (the terminator not counted).
  std::string pad(kMaxSbsLineBytes - text.size(), ' ');
  EXPECT_EQ(Check(text + pad + "\n"), SbsLineStatus::kOk) << "trailing spaces in the last field";
  EXPECT_EQ(Check(text + pad + "\r\n"), SbsLineStatus::kOk);
  EXPECT_EQ(Check(text + pad + " \n"), SbsLineStatus::kTooLong);
  EXPECT_EQ(Check(std::string(100000, 'M') + "\n"), SbsLineStatus::kTooLong);
  // Control bytes, a stray CR, DEL, NUL and non-ASCII bytes.
  for (std::string bad : {std::string("\t"), std::string("\r"), std::string("\x7f"),
                          std::string(1, '\0'), std::string("\xc3\xa9")}) {
    std::string line = text;
    line.insert(20, bad);
    EXPECT_EQ(Check(line + "\n"), SbsLineStatus::kNotPrintable) << line;
  }
  EXPECT_EQ(Check("MSX" + text.substr(3) + "\n"), SbsLineStatus::kUnknownKind);
  EXPECT_EQ(Check("msg" + text.substr(3) + "\n"), SbsLineStatus::kUnknownKind);
  EXPECT_EQ(Check("hello\n"), SbsLineStatus::kUnknownKind);
  EXPECT_EQ(Check(",,,\n"), SbsLineStatus::kUnknownKind);
  EXPECT_EQ(Check(text + ",\n"), SbsLineStatus::kFieldCount);     // 23 fields
  EXPECT_EQ(Check(text + ",,,,,,\n"), SbsLineStatus::kFieldCount);  // 28
  EXPECT_EQ(Check(text.substr(0, text.rfind(',')) + "\n"), SbsLineStatus::kFieldCount);  // 21
  EXPECT_EQ(Check("MSG\n"), SbsLineStatus::kFieldCount);
  EXPECT_EQ(Check("AIR,,496,5906,400705,27931,2010/02/19,18:06:07.128,2010/02/19\n"),
            SbsLineStatus::kFieldCount);  // 9 fields
  EXPECT_EQ(Check("ID,,496,7162,405637,27928,2010/02/19,18:06:07.115,2010/02/19,18:06:07.115\n"),
            SbsLineStatus::kFieldCount);  // 10: ID needs its callsign field
}

TEST(SbsLineStatusName, NamesEveryStatus) {
  std::set<std::string> names;
  for (int i = 0; i < kSbsLineStatuses; ++i) {
    names.insert(SbsLineStatusName(static_cast<SbsLineStatus>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kSbsLineStatuses));
  EXPECT_STREQ(SbsLineStatusName(SbsLineStatus::kTooLong), "too_long");
}

// ---- Stage 2: typed fields --------------------------------------------------

// A parsed line with the text its views point into.
struct Parsed {
  std::unique_ptr<const std::string> text;
  SbsLineStatus status;
  SbsMessage msg;
};

Parsed Parse(std::string line, SbsParser* parser = nullptr) {
  SbsParser local;
  if (parser == nullptr) parser = &local;
  Parsed p{std::make_unique<const std::string>(std::move(line)), SbsLineStatus::kOk, {}};
  SbsLine l;
  p.status = CheckSbsLine(*p.text, &l);
  if (p.status == SbsLineStatus::kOk) p.status = parser->Parse(l, &p.msg);
  return p;
}

TEST(SbsParser, EveryMessageType) {
  // The lines of the modes1 recording, one per type, with MSG,2 and MSG,6 made up.
  Parsed p = Parse(
      "MSG,1,1,1,4D2023,1,2026/11/25,11:54:44.032,2026/11/25,11:54:44.039,AMC421  ,,,,,,,,,,,0\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.transmission_type, 1);
  EXPECT_EQ(p.msg.icao, 0x4D2023u);
  EXPECT_EQ(p.msg.callsign, "AMC421");
  EXPECT_EQ(p.msg.on_ground, false);
  EXPECT_EQ(p.msg.generated, T("2026-11-25T11:54:44.032Z"));
  EXPECT_EQ(p.msg.logged, T("2026-11-25T11:54:44.039Z"));
  EXPECT_EQ(p.msg.session_id, 1);
  EXPECT_EQ(p.msg.bad_fields, 0u);

  p = Parse(Msg(2, "4ca2d6", "11:00:00.5",
                {{12, "12"}, {13, "270"}, {14, "53.42137"}, {15, "-6.27005"}, {21, "-1"}}));
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.icao, 0x4CA2D6u);
  EXPECT_EQ(p.msg.ground_speed_kt, 12);
  EXPECT_EQ(p.msg.track_deg, 270);
  EXPECT_EQ(p.msg.lat_deg, 53.42137);
  EXPECT_EQ(p.msg.lng_deg, -6.27005);
  EXPECT_EQ(p.msg.on_ground, true);
  EXPECT_FALSE(p.msg.altitude_ft);

  p = Parse(
      "MSG,3,1,1,4D2023,1,2026/11/25,11:54:44.047,2026/11/25,11:54:44.094,,22725,,,37.09438,"
      "13.78843,,,,,,\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.altitude_ft, 22725);
  EXPECT_EQ(p.msg.lat_deg, 37.09438);
  EXPECT_EQ(p.msg.lng_deg, 13.78843);
  EXPECT_FALSE(p.msg.on_ground);

  p = Parse(
      "MSG,4,1,1,4D2023,1,2026/11/25,11:54:44.021,2026/11/25,11:54:44.039,,,395,158,,,-1984,,,,,"
      "0\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.ground_speed_kt, 395);
  EXPECT_EQ(p.msg.track_deg, 158);
  EXPECT_EQ(p.msg.vertical_rate_fpm, -1984);

  p = Parse(
      "MSG,5,1,1,4D2023,1,2026/11/25,11:54:44.024,2026/11/25,11:54:44.039,,23375,,,,,,,0,,0,\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.altitude_ft, 23375);
  EXPECT_EQ(p.msg.alert, false);
  EXPECT_EQ(p.msg.spi, false);
  EXPECT_FALSE(p.msg.emergency);

  p = Parse(
      "MSG,6,1,1,4D2023,1,2026/11/25,11:54:44.024,2026/11/25,11:54:44.039,,,,,,,,7700,-1,-1,0,"
      "\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.squawk, 07700);
  EXPECT_EQ(p.msg.alert, true);
  EXPECT_EQ(p.msg.emergency, true);

  p = Parse(
      "MSG,7,1,1,4D2023,1,2026/11/25,11:54:44.040,2026/11/25,11:54:44.094,,22850,,,,,,,,,,\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.altitude_ft, 22850);

  p = Parse("MSG,8,1,1,4D2023,1,2026/11/25,11:54:44.023,2026/11/25,11:54:44.039,,,,,,,,,,,,0\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.transmission_type, 8);
  EXPECT_EQ(p.msg.on_ground, false);
  EXPECT_FALSE(p.msg.lat_deg);
}

TEST(SbsParser, OtherKinds) {
  Parsed p = Parse("ID,,496,7162,405637,27928,2010/02/19,18:06:07.115,2010/02/19,18:06:07.115,EZY691A\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.kind, SbsLineKind::kId);
  EXPECT_EQ(p.msg.transmission_type, 0);
  EXPECT_EQ(p.msg.icao, 0x405637u);
  EXPECT_EQ(p.msg.callsign, "EZY691A");
  EXPECT_EQ(p.msg.aircraft_id, 7162);

  p = Parse("STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.sta_status, "RM");
  EXPECT_FALSE(p.msg.callsign);

  p = Parse("CLK,,496,-1,,-1,2010/02/19,18:18:19.036,2010/02/19,18:18:19.036\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_FALSE(p.msg.icao);
  EXPECT_EQ(p.msg.aircraft_id, -1);
  EXPECT_EQ(p.msg.generated, T("2010-02-19T18:18:19.036Z"));

  p = Parse("AIR,,496,5906,400705,27931,2010/02/19,18:06:07.128,2010/02/19,18:06:07.128\n");
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.icao, 0x400705u);
}

TEST(SbsParser, LineLevelFailures) {
  for (const char* type : {"0", "9", "x", "10", "", "-1", "3 "}) {
    std::string line = Msg(3, "4D2023", "11:00:00");
    line.replace(4, 1, type);
    EXPECT_EQ(Parse(line).status, SbsLineStatus::kBadTransmissionType) << line;
  }
  for (const char* hex : {"", "4D202", "4D20233", "4D202G", " 4D202", "0x4D20"}) {
    EXPECT_EQ(Parse(Msg(3, hex, "11:00:00")).status, SbsLineStatus::kBadAddress) << hex;
  }
  EXPECT_EQ(Parse("AIR,,1,1,XYZ,1,2010/02/19,18:06:07.128,2010/02/19,18:06:07.128\n").status,
            SbsLineStatus::kBadAddress);
  EXPECT_EQ(Parse(Msg(3, "~4D2023", "11:00:00")).status, SbsLineStatus::kNonIcao);
  EXPECT_EQ(Parse(Msg(3, "~", "11:00:00")).status, SbsLineStatus::kNonIcao);
}

TEST(SbsParser, ABadFieldSpoilsOnlyItself) {
  struct Case {
    int field;
    const char* value;
  } cases[] = {
      {kSbsAltitude, "abc"},     {kSbsAltitude, "1e400"},      {kSbsAltitude, "nan"},
      {kSbsAltitude, "inf"},     {kSbsAltitude, "250000"},     {kSbsAltitude, "+100"},
      {kSbsAltitude, " 100"},    {kSbsAltitude, "100ft"},      {kSbsGroundSpeed, "-1"},
      {kSbsTrack, "361"},        {kSbsTrack, "-0.5"},          {kSbsLatitude, "91"},
      {kSbsLatitude, "-90.001"}, {kSbsLongitude, "180.5"},     {kSbsLongitude, "0x10"},
      {kSbsVerticalRate, "1e6"}, {kSbsSquawk, "7780"},         {kSbsSquawk, "770"},
      {kSbsAlert, "2"},          {kSbsEmergency, "true"},      {kSbsSpi, "00"},
      {kSbsOnGround, "-0"},      {kSbsCallsign, "ABC-123"},    {kSbsCallsign, "ABCDEFGHI"},
      {kSbsSessionId, "x"},      {kSbsFlightId, "99999999999999999999"},
      {kSbsTimeGenerated, "25:00:00"}, {kSbsTimeGenerated, "11:00"},
      {kSbsTimeGenerated, "11:00:00."}, {kSbsTimeGenerated, "11:00:00.1x"},
      {kSbsDateGenerated, "2026/02/30"}, {kSbsDateGenerated, "2026-11-25"},
      {kSbsDateLogged, "26/11/25"},
  };
  for (const Case& c : cases) {
    std::map<int, std::string> set = {{kSbsAltitude, "1000"}, {kSbsLatitude, "37"},
                                      {kSbsLongitude, "13"}, {kSbsTrack, "90"}};
    set[c.field] = c.value;
    const std::string line = Msg(3, "4D2023", "11:00:00", set);
    Parsed p = Parse(line);
    ASSERT_EQ(p.status, SbsLineStatus::kOk) << line;
    EXPECT_EQ(p.msg.bad_fields, 1u << c.field) << line;
    EXPECT_EQ(p.msg.bad_field_count(), 1) << line;
    // The others survive.
    if (c.field != kSbsAltitude) {
      EXPECT_EQ(p.msg.altitude_ft, 1000) << line;
    }
    if (c.field != kSbsLatitude) {
      EXPECT_EQ(p.msg.lat_deg, 37) << line;
    }
    if (c.field != kSbsTimeGenerated && c.field != kSbsDateGenerated) {
      EXPECT_EQ(p.msg.generated, T("2026-11-25T11:00:00Z")) << line;
    } else {
      EXPECT_FALSE(p.msg.generated) << line;
      EXPECT_EQ(p.msg.time(), T("2026-11-25T11:00:00Z")) << "falls back on the logged time";
    }
  }
}

TEST(SbsParser, NumbersAsDump1090WritesThem) {
  Parsed p = Parse(Msg(3, "4d2023", "11:00:00", {{kSbsAltitude, "-1000"}, {kSbsTrack, "360"},
                                                 {kSbsLatitude, "-33.94610"},
                                                 {kSbsLongitude, "151.17700"},
                                                 {kSbsVerticalRate, "0"}}));
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_EQ(p.msg.icao, 0x4D2023u) << "lower-case hex is accepted";
  EXPECT_EQ(p.msg.altitude_ft, -1000);
  EXPECT_EQ(p.msg.track_deg, 0) << "360 reads as 0";
  EXPECT_EQ(p.msg.lat_deg, -33.9461);
  EXPECT_EQ(p.msg.vertical_rate_fpm, 0);
  EXPECT_EQ(p.msg.bad_fields, 0u);
}

TEST(SbsParser, TimesKeepTheirFraction) {
  EXPECT_EQ(Parse(Msg(8, "4D2023", "11:54:44.047")).msg.generated,
            T("2026-11-25T11:54:44.047Z"));
  EXPECT_EQ(Parse(Msg(8, "4D2023", "11:54:44")).msg.generated, T("2026-11-25T11:54:44Z"));
  EXPECT_EQ(Parse(Msg(8, "4D2023", "11:54:44.1")).msg.generated, T("2026-11-25T11:54:44.1Z"));
  EXPECT_EQ(Parse(Msg(8, "4D2023", "11:54:44.123456789")).msg.generated,
            T("2026-11-25T11:54:44.123456Z"));
  EXPECT_EQ(Parse(Msg(8, "4D2023", "23:59:59.999", {{6, "2024/02/29"}})).msg.generated,
            T("2024-02-29T23:59:59.999Z"));
}

TEST(SbsParser, AMissingDateIsTheLastOneSeen) {
  SbsParser parser;
  // No date seen yet and no default: the time is unknown, its date field at fault.
  Parsed p = Parse(Msg(8, "4D2023", "11:00:00", {{6, ""}, {8, ""}}), &parser);
  ASSERT_EQ(p.status, SbsLineStatus::kOk);
  EXPECT_FALSE(p.msg.time());
  EXPECT_EQ(p.msg.bad_fields, (1u << kSbsDateGenerated) | (1u << kSbsDateLogged));

  p = Parse(Msg(8, "4D2023", "11:00:00", {{6, "2026/11/24"}, {8, "2026/11/24"}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2026-11-24T11:00:00Z"));
  p = Parse(Msg(8, "4D2023", "12:00:00", {{6, ""}, {8, ""}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2026-11-24T12:00:00Z"));
  EXPECT_EQ(p.msg.bad_fields, 0u);
  // Midnight passes between undated lines: the next day.
  p = Parse(Msg(8, "4D2023", "23:59:59.900", {{6, ""}, {8, ""}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2026-11-24T23:59:59.9Z"));
  p = Parse(Msg(8, "4D2023", "00:00:00.100", {{6, ""}, {8, ""}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2026-11-25T00:00:00.1Z"));
  // A slightly late line is not pushed a day ahead.
  p = Parse(Msg(8, "4D2023", "23:59:59.950", {{6, ""}, {8, ""}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2026-11-24T23:59:59.95Z"));
}

TEST(SbsParser, DefaultDateAndUtcOffset) {
  SbsParser parser({.default_date = T("2016-07-20T17:45:00Z"), .utc_offset = {}});
  Parsed p = Parse(Msg(8, "4D2023", "10:00:00.250", {{6, ""}, {8, ""}}), &parser);
  EXPECT_EQ(p.msg.generated, T("2016-07-20T10:00:00.25Z"));

  SbsParser local_time({.default_date = std::nullopt, .utc_offset = Duration::Seconds(3 * 3600)});
  p = Parse(Msg(8, "4D2023", "13:00:00"), &local_time);
  EXPECT_EQ(p.msg.generated, T("2026-11-25T10:00:00Z"));
}

// ---- Stage 3: merging --------------------------------------------------------

TEST(SbsMerger, AReportPerPositionWithTheFreshestOtherFields) {
  SbsDecoder d;
  std::string feed =
      Msg(1, "4D2023", "11:00:00.000", {{kSbsCallsign, "AMC421  "}}) +
      Msg(4, "4D2023", "11:00:01.000", {{12, "400"}, {13, "158"}, {16, "-1920"}}) +
      Msg(5, "4D2023", "11:00:01.500", {{11, "23000"}}) +
      Msg(3, "4D2023", "11:00:02.250", {{14, "37.1"}, {15, "13.8"}}) +
      Msg(3, "4D2023", "11:00:03.000", {{11, "22975"}, {14, "37.09"}, {15, "13.81"}});
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].icao24, "4d2023");
  EXPECT_EQ(r[0].callsign, "AMC421");
  EXPECT_EQ(r[0].lat_deg, 37.1);
  EXPECT_EQ(r[0].lng_deg, 13.8);
  EXPECT_EQ(r[0].time, T("2026-11-25T11:00:02.25Z"));
  EXPECT_DOUBLE_EQ(*r[0].alt_m, 23000 * 0.3048);
  EXPECT_DOUBLE_EQ(*r[0].gs_mps, 400 * 1852.0 / 3600);
  EXPECT_DOUBLE_EQ(*r[0].track_deg, 158);
  EXPECT_DOUBLE_EQ(*r[0].vrate_mps, -1920 * 0.3048 / 60);
  EXPECT_DOUBLE_EQ(*r[1].alt_m, 22975 * 0.3048) << "the message's own altitude first";
  SbsCounters c = d.counters();
  EXPECT_EQ(c.lines, 5u);
  EXPECT_EQ(c.merger.reports, 2u);
  EXPECT_EQ(c.msg_by_type[3], 2u);
  EXPECT_EQ(c.msg_by_type[1], 1u);
  EXPECT_EQ(c.by_kind[static_cast<int>(SbsLineKind::kMsg)], 5u);
  EXPECT_EQ(d.merger().aircraft(), 1u);
}

TEST(SbsMerger, StaleFieldsAreLeftOut) {
  SbsDecoder d;
  std::string feed =
      Msg(1, "4D2023", "11:00:00", {{kSbsCallsign, "AMC421"}}) +
      Msg(4, "4D2023", "11:00:00", {{12, "400"}, {13, "158"}, {16, "0"}}) +
      Msg(5, "4D2023", "11:00:10", {{11, "23000"}}) +
      Msg(3, "4D2023", "11:00:30", {{14, "37.1"}, {15, "13.8"}}) +    // gs 30 s old: kept
      Msg(3, "4D2023", "11:00:30.001", {{14, "37.1"}, {15, "13.8"}}) +  // just over: dropped
      Msg(3, "4D2023", "11:04:59", {{14, "37.1"}, {15, "13.8"}}) +  // callsign still known
      Msg(3, "4D2023", "11:05:01", {{14, "37.1"}, {15, "13.8"}});   // callsign too old
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[0].gs_mps && r[0].track_deg && r[0].vrate_mps && r[0].alt_m);
  EXPECT_FALSE(r[1].gs_mps || r[1].track_deg || r[1].vrate_mps);
  EXPECT_TRUE(r[1].alt_m) << "altitude is 20 s old";
  EXPECT_EQ(r[2].callsign, "AMC421");
  EXPECT_FALSE(r[2].alt_m);
  EXPECT_EQ(r[3].callsign, "");
  EXPECT_GT(d.counters().merger.stale_fields, 0u);
}

TEST(SbsMerger, AircraftAreKeptApart) {
  SbsDecoder d;
  std::string feed = Msg(5, "AAAAAA", "11:00:00", {{11, "1000"}}) +
                     Msg(5, "BBBBBB", "11:00:00", {{11, "2000"}}) +
                     Msg(3, "AAAAAA", "11:00:01", {{14, "1"}, {15, "2"}}) +
                     Msg(3, "BBBBBB", "11:00:01", {{14, "3"}, {15, "4"}}) +
                     Msg(3, "CCCCCC", "11:00:01", {{14, "5"}, {15, "6"}});
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].icao24, "aaaaaa");
  EXPECT_DOUBLE_EQ(*r[0].alt_m, 1000 * 0.3048);
  EXPECT_EQ(r[1].icao24, "bbbbbb");
  EXPECT_DOUBLE_EQ(*r[1].alt_m, 2000 * 0.3048);
  EXPECT_EQ(r[2].icao24, "cccccc");
  EXPECT_FALSE(r[2].alt_m);
  EXPECT_EQ(d.merger().aircraft(), 3u);
}

TEST(SbsMerger, SurfacePositionsHaveNoAltitude) {
  SbsDecoder d;
  std::vector<TrackReport> r = DecodeAll(
      &d, Msg(5, "4CA2D6", "11:00:00", {{11, "3000"}}) +
              Msg(2, "4CA2D6", "11:00:05", {{12, "12"}, {13, "270"}, {14, "53.4"}, {15, "-6.2"},
                                            {21, "-1"}}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].alt_m);
  EXPECT_DOUBLE_EQ(*r[0].gs_mps, 12 * 1852.0 / 3600);
  EXPECT_EQ(r[0].track_deg, 270);
}

TEST(SbsMerger, OnlyPositionsWithAPositionAndATime) {
  SbsDecoder d;
  std::string feed =
      Msg(3, "4D2023", "11:00:00", {{11, "22825"}}) +                       // no position yet
      Msg(3, "4D2023", "11:00:00", {{14, "37.1"}}) +                        // half a position
      Msg(3, "4D2023", "11:00:00", {{14, "91"}, {15, "13.8"}}) +            // bad latitude
      Msg(4, "4D2023", "11:00:00", {{14, "37.1"}, {15, "13.8"}}) +          // not a position type
      Msg(3, "4D2023", "", {{6, ""}, {8, ""}, {14, "37.1"}, {15, "13.8"}}) +  // no time
      Msg(3, "4D2023", "11:00:01", {{14, "37.1"}, {15, "13.8"}});
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].time, T("2026-11-25T11:00:01Z"));
  EXPECT_DOUBLE_EQ(*r[0].alt_m, 22825 * 0.3048);
  SbsCounters c = d.counters();
  EXPECT_EQ(c.bad_fields, 1u);
  EXPECT_EQ(c.merger.positions_without_time, 1u);
  EXPECT_EQ(c.bad_lines_total(), 0u);
}

TEST(SbsMerger, IdSetsTheCallsignAndStaRmForgetsTheAircraft) {
  SbsDecoder d;
  std::string feed =
      "ID,,1,1,4D2023,1,2026/11/25,11:00:00.000,2026/11/25,11:00:00.000,AMC421\n" +
      Msg(5, "4D2023", "11:00:00", {{11, "22000"}}) +
      Msg(3, "4D2023", "11:00:01", {{14, "37.1"}, {15, "13.8"}}) +
      "STA,,1,1,4D2023,1,2026/11/25,11:00:02.000,2026/11/25,11:00:02.000,RM\n" +
      Msg(3, "4D2023", "11:00:03", {{14, "37.1"}, {15, "13.8"}});
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].callsign, "AMC421");
  EXPECT_TRUE(r[0].alt_m);
  EXPECT_EQ(r[1].callsign, "");
  EXPECT_FALSE(r[1].alt_m);
  EXPECT_EQ(d.counters().merger.removed, 1u);
  EXPECT_EQ(d.counters().by_kind[static_cast<int>(SbsLineKind::kSta)], 1u);
}

TEST(SbsMerger, AFullTableStillReportsButDoesNotGrow) {
  SbsDecoder d({.parser = {}, .merger = {.max_field_age = Duration::Seconds(30),
                                         .max_callsign_age = Duration::Seconds(300),
                                         .max_aircraft = 2}});
  std::string feed = Msg(5, "000001", "11:00:00", {{11, "1000"}}) +
                     Msg(5, "000002", "11:00:00", {{11, "1000"}}) +
                     Msg(5, "000003", "11:00:00", {{11, "1000"}}) +
                     Msg(3, "000003", "11:00:01", {{14, "1"}, {15, "1"}}) +
                     // Ten minutes on the first two are silent: the sweep frees them.
                     Msg(5, "000003", "11:10:00", {{11, "2000"}}) +
                     Msg(3, "000003", "11:10:01", {{14, "1"}, {15, "1"}});
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].alt_m);
  EXPECT_DOUBLE_EQ(*r[1].alt_m, 2000 * 0.3048);
  EXPECT_EQ(d.counters().merger.untracked, 2u);
  EXPECT_EQ(d.counters().merger.removed, 2u);
  EXPECT_EQ(d.merger().aircraft(), 1u);
}

// ---- The decoder on a stream ---------------------------------------------------

TEST(SbsDecoder, BadLinesAreCountedAndSkipped) {
  SbsDecoder d;
  std::string feed = "\r\n" + Msg(3, "~4D2023", "11:00:00", {{14, "1"}, {15, "1"}}) +
                     "garbage\n" + std::string(600, 'x') + "\n" + "MSG,3\n" +
                     Msg(9, "4D2023", "11:00:00") + Msg(3, "4D20", "11:00:00") +
                     std::string("MSG,\x01\n") + Msg(3, "4D2023", "11:00:01", {{14, "1"}, {15, "1"}}) +
                     "MSG,3,1,1,4D2023";  // cut mid-line
  std::vector<TrackReport> r = DecodeAll(&d, feed);
  ASSERT_EQ(r.size(), 1u);
  SbsCounters c = d.counters();
  EXPECT_EQ(c.lines, 10u);
  EXPECT_EQ(c.blank, 1u);
  EXPECT_EQ(c.non_icao, 1u);
  auto bad = [&](SbsLineStatus s) { return c.bad_lines[static_cast<int>(s)]; };
  EXPECT_EQ(bad(SbsLineStatus::kUnknownKind), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kTooLong), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kFieldCount), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kBadTransmissionType), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kBadAddress), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kNotPrintable), 1u);
  EXPECT_EQ(bad(SbsLineStatus::kUnterminated), 1u);
  EXPECT_EQ(c.bad_lines_total(), 7u);
}

TEST(SbsDecoder, DecodeLineSaysWhatBecameOfTheLine) {
  SbsDecoder d;
  TrackReport r;
  SbsLineStatus s;
  EXPECT_FALSE(d.DecodeLine("hello\n", &r, &s));
  EXPECT_EQ(s, SbsLineStatus::kUnknownKind);
  EXPECT_TRUE(d.DecodeLine(Msg(3, "4D2023", "11:00:01", {{14, "1"}, {15, "1"}}), &r, &s));
  EXPECT_EQ(s, SbsLineStatus::kOk);
  EXPECT_EQ(r.icao24, "4d2023");
}

// Reports and counters must not depend on where the stream is cut.
std::string Summary(const std::vector<TrackReport>& reports, const SbsCounters& c) {
  std::ostringstream s;
  for (const TrackReport& r : reports) {
    s << r.icao24 << ' ' << r.callsign << ' ' << r.lat_deg << ' ' << r.lng_deg << ' '
      << r.alt_m.value_or(-1) << ' ' << r.time.unix_micros() << ' ' << r.gs_mps.value_or(-1)
      << '\n';
  }
  s << c.lines << ' ' << c.blank << ' ' << c.non_icao << ' ' << c.bad_fields << ' '
    << c.merger.reports;
  for (uint64_t b : c.bad_lines) s << ' ' << b;
  for (uint64_t b : c.msg_by_type) s << ' ' << b;
  return s.str();
}

TEST(SbsDecoder, TheSameWhereverTheStreamIsCut) {
  const std::string feed =
      Msg(1, "4D2023", "11:00:00", {{kSbsCallsign, "AMC421"}}, "\r\n") + "\n" +
      std::string(530, 'y') + "\r\n" + std::string(513, 'z') + "\n" +
      Msg(5, "4D2023", "11:00:00", {{11, "1000"}}) + "MSG,8\n" +
      Msg(3, "4D2023", "11:00:01", {{14, "37"}, {15, "13"}}, "\r\n") + "bad\xff\n" +
      Msg(3, "4D2023", "11:00:02", {{14, "37"}, {15, "13"}}).substr(0, 40);
  SbsDecoder whole;
  const std::vector<TrackReport> reports = DecodeAll(&whole, feed);
  const std::string expected = Summary(reports, whole.counters());
  for (size_t a = 0; a <= feed.size(); a += 7) {
    for (size_t b : {a, a + 1, a + 13, a + 300, a + 517, a + 600}) {
      if (b > feed.size()) continue;
      SbsDecoder d;
      std::vector<TrackReport> out;
      auto sink = [&](const TrackReport& r) { out.push_back(r); };
      d.Feed(std::string_view(feed).substr(0, a), sink);
      d.Feed(std::string_view(feed).substr(a, b - a), sink);
      d.Feed(std::string_view(feed).substr(b), sink);
      d.Finish();
      ASSERT_EQ(Summary(out, d.counters()), expected) << "cut at " << a << " and " << b;
    }
  }
  // Byte by byte.
  SbsDecoder d;
  std::vector<TrackReport> out;
  for (char c : feed) d.Feed(std::string_view(&c, 1), [&](const TrackReport& r) { out.push_back(r); });
  d.Finish();
  EXPECT_EQ(Summary(out, d.counters()), expected);
  EXPECT_EQ(whole.counters().bad_lines[static_cast<int>(SbsLineStatus::kTooLong)], 2u);
  EXPECT_EQ(whole.counters().merger.reports, 1u);
}

// ---- The real recordings ---------------------------------------------------------

std::string ReadFile(const std::string& name) {
  std::ifstream f(std::string(JIC_SOURCE_DIR) + "/tests/data/adsb/" + name, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The MSG,2/3 lines with a position, split naively (an oracle independent of the decoder).
struct Expected {
  std::string icao, lat, lng, alt, date, time;
  int line;
};
std::vector<Expected> PositionLines(const std::string& text) {
  std::vector<Expected> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string x;
    while (std::getline(ls, x, ',')) f.push_back(x);
    if (f.size() >= 16 && f[0] == "MSG" && (f[1] == "2" || f[1] == "3") && !f[14].empty() &&
        !f[15].empty()) {
      out.push_back({f[4], f[14], f[15], f[11], f[6], f[7], n});
    }
  }
  return out;
}

struct Decoded {
  std::vector<TrackReport> reports;
  SbsCounters counters;
  size_t aircraft;
};
Decoded DecodeFile(const std::string& name, size_t chunk = 4096) {
  const std::string text = ReadFile(name);
  EXPECT_FALSE(text.empty()) << name;
  SbsDecoder d;
  Decoded run;
  for (size_t i = 0; i < text.size(); i += chunk) {
    d.Feed(std::string_view(text).substr(i, chunk),
           [&](const TrackReport& r) { run.reports.push_back(r); });
  }
  d.Finish();
  run.counters = d.counters();
  run.aircraft = d.merger().aircraft();
  return run;
}

TEST(SbsRecordings, Modes1GivesTheMsg3PositionsOf4D2023) {
  const std::vector<Expected> want = PositionLines(ReadFile("modes1.dump1090-mutability.sbs"));
  Decoded run = DecodeFile("modes1.dump1090-mutability.sbs");
  EXPECT_EQ(run.counters.lines, 293u);
  EXPECT_EQ(run.counters.bad_lines_total(), 0u);
  EXPECT_EQ(run.counters.bad_fields, 0u);
  EXPECT_EQ(run.counters.msg_by_type[3], 74u);
  EXPECT_EQ(run.counters.msg_by_type[8], 90u);
  ASSERT_EQ(want.size(), 65u);
  ASSERT_EQ(run.reports.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const TrackReport& r = run.reports[i];
    SCOPED_TRACE("line " + std::to_string(want[i].line));
    EXPECT_EQ(r.icao24, "4d2023");
    EXPECT_EQ(r.callsign, "AMC421");
    EXPECT_EQ(r.lat_deg, std::stod(want[i].lat));
    EXPECT_EQ(r.lng_deg, std::stod(want[i].lng));
    ASSERT_TRUE(r.alt_m);
    EXPECT_DOUBLE_EQ(*r.alt_m, std::stod(want[i].alt) * 0.3048);
    std::string date = want[i].date;
    std::replace(date.begin(), date.end(), '/', '-');
    EXPECT_EQ(FormatRfc3339(r.time), date + "T" + want[i].time + "Z");
  }
  // The four bad CPR decodes, ~660 km south, are decoded as the lines say.
  std::vector<int> south;
  for (size_t i = 0; i < want.size(); ++i) {
    if (run.reports[i].lat_deg < 32) {
      south.push_back(want[i].line);
      EXPECT_NEAR(run.reports[i].lat_deg, 31.10, 0.01);
      EXPECT_NEAR(run.reports[i].lng_deg, 12.70, 0.01);
    } else {
      EXPECT_NEAR(run.reports[i].lat_deg, 37.0, 0.2);
      EXPECT_NEAR(run.reports[i].lng_deg, 13.8, 0.2);
    }
  }
  EXPECT_EQ(south, (std::vector<int>{13, 14, 19, 21}));
  EXPECT_EQ(want[4].line, 41) << "the first good position";
  // Line 13 follows MSG,4 lines of 388-395 kt, track 158, -1920 ft/min.
  ASSERT_TRUE(run.reports[0].gs_mps && run.reports[0].track_deg && run.reports[0].vrate_mps);
  EXPECT_NEAR(*run.reports[0].gs_mps, 389 * kMpsPerKnot, 0.1);
  EXPECT_EQ(*run.reports[0].track_deg, 158);
  EXPECT_DOUBLE_EQ(*run.reports[0].vrate_mps, -1920 * kMpsPerFootPerMinute);
}

TEST(SbsRecordings, Ulss7Gives11AircraftAnd1456Positions) {
  Decoded run = DecodeFile("ulss7_20180403.dump1090-mutability.sbs", 65536);
  EXPECT_EQ(run.counters.lines, 8622u);
  EXPECT_EQ(run.counters.bad_lines_total(), 0u);
  EXPECT_EQ(run.counters.bad_fields, 0u);
  EXPECT_EQ(run.counters.msg_by_type[3], 1498u);
  EXPECT_EQ(run.counters.msg_by_type[8], 3978u);
  EXPECT_EQ(run.reports.size(), 1456u);
  EXPECT_EQ(run.aircraft, 11u);
  std::set<std::string> icaos, callsigns;
  for (const TrackReport& r : run.reports) {
    icaos.insert(r.icao24);
    if (!r.callsign.empty()) callsigns.insert(r.callsign);
    EXPECT_GE(r.lat_deg, 59.3);  // README: 59.4-60.9 N, 30.5-37.2 E, rounded
    EXPECT_LE(r.lat_deg, 61.0);
    EXPECT_GE(r.lng_deg, 30.4);
    EXPECT_LE(r.lng_deg, 37.3);
    EXPECT_GE(r.time, T("2026-11-25T11:50:45Z"));
    EXPECT_LE(r.time, T("2026-11-25T11:51:47Z"));
  }
  EXPECT_EQ(icaos.size(), 11u);
  EXPECT_EQ(callsigns, (std::set<std::string>{"SDM6244", "UTA470", "AFL030", "UTA582", "SDM6620",
                                              "AFL032", "SDM6414", "MLD185", "AAR542", "CPA238",
                                              "CAO1024"}));
  const std::vector<Expected> want =
      PositionLines(ReadFile("ulss7_20180403.dump1090-mutability.sbs"));
  ASSERT_EQ(want.size(), run.reports.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(run.reports[i].lat_deg, std::stod(want[i].lat)) << "line " << want[i].line;
    EXPECT_EQ(run.reports[i].lng_deg, std::stod(want[i].lng)) << "line " << want[i].line;
  }
}

TEST(SbsRecordings, PyModeSGives933PositionsOf406b90) {
  Decoded run = DecodeFile("pymodes_sample_data_adsb.dump1090-mutability.sbs", 1000);
  EXPECT_EQ(run.counters.lines, 2000u);
  EXPECT_EQ(run.counters.bad_lines_total(), 0u);
  EXPECT_EQ(run.counters.msg_by_type[1], 98u);
  EXPECT_EQ(run.counters.msg_by_type[3], 937u);
  EXPECT_EQ(run.counters.msg_by_type[4], 965u);
  ASSERT_EQ(run.reports.size(), 933u);
  for (const TrackReport& r : run.reports) {
    ASSERT_EQ(r.icao24, "406b90");
    EXPECT_NEAR(*r.alt_m, 36000 * 0.3048, 100);
    EXPECT_GE(r.lat_deg, 51.1);  // README: 51.15 N 7.24 E to 51.69 N 4.82 E, rounded
    EXPECT_LE(r.lat_deg, 51.75);
    EXPECT_GE(r.lng_deg, 4.7);
    EXPECT_LE(r.lng_deg, 7.3);
  }
  EXPECT_NEAR((run.reports.back().time - run.reports.front().time).seconds(), 730, 5);
  EXPECT_EQ(run.reports.back().callsign, "EZY85MH");
  EXPECT_TRUE(run.reports.back().gs_mps && run.reports.back().track_deg);
}

}  // namespace
}  // namespace jic::ingest
