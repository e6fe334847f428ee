// The agreement: parties, mission categories, areas, rules, separation minima
// and monitoring settings, as AGREEMENT.md defines them. Built only by the
// loader (agreement_loader.h), which validates every part, so code holding an
// Agreement may rely on every reference resolving.
//
// Thread-safety: immutable after loading; share it as shared_ptr<const>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jic/base/units.h"
#include "jic/geo/area_region.h"

namespace jic::agreement {

enum class AreaKind { kDesignated, kProtectedSite, kRestricted, kCorridor };
std::string_view AreaKindName(AreaKind kind);
std::optional<AreaKind> ParseAreaKind(std::string_view name);

struct Party {
  std::string id;
  std::string name;
  // Parties whose users may notify this party's operations; empty: no list.
  std::vector<std::string> reported_by;
  // ICAO 24-bit addresses, lower-case hex; a trailing '*' makes a prefix.
  std::vector<std::string> aircraft;
};

struct Category {
  std::string id;
  int64_t priority = 0;
};

struct Separation {
  double horizontal_m = 0;
  double vertical_m = 0;
  Duration time = Duration::Seconds(0);
  bool same_party = false;
};

struct Area {
  std::string id;
  std::string name;
  AreaKind kind = AreaKind::kDesignated;
  std::string geometry_type;  // "Polygon", "MultiPolygon" or "Point"
  geo::AreaRegion region;
  double radius_m = 0;  // Point only
  // Closed altitude band, metres (W84); infinite ends when not given.
  double alt_lower_m = -INFINITY;
  double alt_upper_m = INFINITY;
  // Closed validity period; Time::Min()/Max() when not given.
  Time valid_from = Time::Min();
  Time valid_to = Time::Max();
};

enum class Effect { kReject, kRequireApproval, kWarn };
std::string_view EffectName(Effect e);

// A rule's `when`: a conjunction of the keys present; an absent key matches all.
struct RuleWhen {
  std::optional<std::vector<std::string>> operators;
  std::optional<std::vector<std::string>> categories;
  std::optional<std::vector<std::string>> category_not;
  std::optional<std::vector<std::string>> areas;
  std::optional<std::vector<AreaKind>> area_kinds;
  std::optional<Duration> notice_lt;

  bool has_area_key() const { return areas.has_value() || area_kinds.has_value(); }
};

struct Rule {
  std::string id;
  std::string text;
  RuleWhen when;
  Effect effect = Effect::kReject;
  std::vector<std::string> approvers;  // kRequireApproval only
};

struct Monitoring {
  double lookahead_s = 120;
  double conformance_tolerance_m = 500;
  double conformance_tolerance_s = 60;
  double stale_after_s = 30;
};

// Which commands must carry their actor's Ed25519 signature (docs/ledger.md).
enum class SignedCommands {
  kNone,       // none (the default)
  kApprovals,  // operation approvals and amendment sign-offs
  kAll,        // every command a user makes (but a user's first key registration)
};

struct Agreement {
  int format = 1;
  std::string id;
  std::string title;
  std::vector<std::string> signatories;
  std::vector<Party> parties;
  std::vector<Category> categories;
  Separation separation;
  std::vector<Area> areas;
  std::vector<Rule> rules;
  Monitoring monitoring;
  SignedCommands signed_commands = SignedCommands::kNone;

  // Lookups by id; null when absent.
  const Party* FindParty(std::string_view id) const;
  const Category* FindCategory(std::string_view id) const;
  const Area* FindArea(std::string_view id) const;
  // Index of the area in `areas`, or -1.
  int AreaIndex(std::string_view id) const;

  // The party whose `aircraft` list holds this ICAO address (lower-case hex),
  // or null. An exact entry wins over a prefix; the longer prefix wins.
  const Party* PartyOfAircraft(std::string_view icao24) const;

  // Builds the lookup tables. Called by the loader; call again after editing.
  void Reindex();

 private:
  std::unordered_map<std::string, size_t> party_ix_, category_ix_, area_ix_;
};

}  // namespace jic::agreement
