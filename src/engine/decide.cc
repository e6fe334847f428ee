#include "jic/engine/decide.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jic/geo/earth.h"

namespace jic::engine {
namespace {

using agreement::Agreement;
using agreement::Effect;
using agreement::Rule;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

int64_t PriorityOf(const Agreement& a, const std::string& category) {
  const agreement::Category* c = a.FindCategory(category);
  return c ? c->priority : std::numeric_limits<int64_t>::min();
}

FindingEffect ToFindingEffect(Effect e) {
  switch (e) {
    case Effect::kReject: return FindingEffect::kReject;
    case Effect::kRequireApproval: return FindingEffect::kRequireApproval;
    case Effect::kWarn: return FindingEffect::kWarn;
  }
  return FindingEffect::kWarn;
}

// Everything of a rule's `when` but the area keys.
bool MatchesNonArea(const Rule& rule, const Operation& op, Time received_at) {
  const auto& w = rule.when;
  if (w.operators && !Contains(*w.operators, op.operator_party)) return false;
  if (w.categories && !Contains(*w.categories, op.category)) return false;
  if (w.category_not && Contains(*w.category_not, op.category)) return false;
  if (w.notice_lt && !(op.EarliestStart() - received_at < *w.notice_lt)) return false;
  return true;
}

bool AreaSelected(const Rule& rule, const agreement::Area& area) {
  const auto& w = rule.when;
  if (w.areas && !Contains(*w.areas, area.id)) return false;
  if (w.area_kinds &&
      std::find(w.area_kinds->begin(), w.area_kinds->end(), area.kind) == w.area_kinds->end()) {
    return false;
  }
  return true;
}

// When the two volumes are within the separation minima of each other, the
// horizontal distance between their outlines; nullopt when separated.
std::optional<S1Angle> Conflicting(const Volume4D& a, const Volume4D& b, const agreement::Separation& s,
                                   S1ChordAngle horizontal) {
  const double vgap = std::max(0.0, std::max(a.alt_lower_m, b.alt_lower_m) -
                                        std::min(a.alt_upper_m, b.alt_upper_m));
  if (vgap > s.vertical_m) return std::nullopt;
  const Duration tgap = std::max(Duration(), std::max(a.start, b.start) - std::min(a.end, b.end));
  if (tgap > s.time) return std::nullopt;
  return geo::MeasureWithin(a.outline, b.outline, horizontal);
}

// Whether `other` is an operation the candidate must keep clear of.
bool Counts(const Operation& candidate, const Operation& other, const agreement::Separation& s) {
  if (other.id == candidate.id) return false;
  if (!TakesPartInSeparation(other.state)) return false;
  if (!s.same_party && other.operator_party == candidate.operator_party) return false;
  return true;
}

struct Conflict {
  const Operation* other;
  int volume;
  int other_volume;
  S1Angle distance;  // between the two volumes' outlines
};

// The first pair of volumes (in candidate, then other, order) within the
// minima, so that a finding names the same pair however it was found.
// Candidate volumes before `from` are known to conflict with none of other's.
std::optional<Conflict> FirstConflict(const Operation& candidate, const Operation& other,
                                      const agreement::Separation& s, S1ChordAngle horizontal,
                                      size_t from = 0) {
  for (size_t i = from; i < candidate.volumes.size(); ++i) {
    for (size_t j = 0; j < other.volumes.size(); ++j) {
      if (auto d = Conflicting(candidate.volumes[i], other.volumes[j], s, horizontal)) {
        return Conflict{&other, static_cast<int>(i), static_cast<int>(j), *d};
      }
    }
  }
  return std::nullopt;
}

// One finding per conflict, in the order given (by operation id).
std::vector<Finding> SeparationFindings(const Agreement& a, const Operation& candidate,
                                        const std::vector<Conflict>& conflicts) {
  std::vector<Finding> out;
  out.reserve(conflicts.size());
  const int64_t mine = PriorityOf(a, candidate.category);
  std::string minima;  // the text's common part, made once
  for (const Conflict& c : conflicts) {
    const std::string& id = c.other->id;
    Finding f;
    f.rule = "separation";
    const int64_t theirs = PriorityOf(a, c.other->category);
    f.effect = mine > theirs ? FindingEffect::kPreempt : FindingEffect::kReject;
    f.operation = id;
    f.volume = c.volume;
    f.other_volume = c.other_volume;
    f.distance_m = geo::AngleToMeters(c.distance);
    if (minima.empty()) {
      const auto& s = a.separation;
      minima = absl::StrCat("within the separation minima (", s.horizontal_m, " m, ", s.vertical_m,
                            " m, ", s.time.seconds(), " s) of ");
    }
    f.text = absl::StrCat(minima, id, " (", c.other->operator_party, ", ", c.other->category, ")",
                          f.effect == FindingEffect::kPreempt
                              ? "; this category has priority, and that operation's party is told"
                              : "");
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Status CheckReferences(const Agreement& a, const Operation& op) {
  std::vector<FieldError> errors;
  if (!a.FindParty(op.operator_party)) {
    errors.push_back({"operator", "unknown party '" + op.operator_party + "'"});
  }
  if (!a.FindParty(op.submitted_by)) {
    errors.push_back({"submitted_by", "unknown party '" + op.submitted_by + "'"});
  }
  if (!a.FindCategory(op.category)) {
    errors.push_back({"category", "unknown category '" + op.category + "'"});
  }
  if (errors.empty()) return Status::Ok();
  return Status::Invalid(std::move(errors));
}

Result<Decision> Decide(const RuleBook& rules, const OperationStore& store,
                        const Operation& candidate, Time received_at) {
  const Agreement& a = rules.agreement();
  if (Status s = CheckReferences(a, candidate); !s.ok()) return s;
  std::vector<Finding> findings;

  // Built-in: reporting.
  const agreement::Party* op_party = a.FindParty(candidate.operator_party);
  if (!op_party->reported_by.empty() && !Contains(op_party->reported_by, candidate.submitted_by)) {
    Finding f;
    f.rule = "reporting";
    f.effect = FindingEffect::kReject;
    f.text = absl::StrCat(candidate.operator_party, "'s operations may be notified only by ",
                          absl::StrJoin(op_party->reported_by, ", "), "; this one was submitted by ",
                          candidate.submitted_by);
    findings.push_back(std::move(f));
  }

  // Areas met, each with the first volume that meets it: only the areas some
  // rule could select for this candidate (its other keys match), since the
  // rules below read `met` through AreaSelected alone.
  std::map<int, int> met;  // area index -> volume index
  std::vector<const Rule*> area_rules;
  for (const Rule& r : a.rules) {
    if (r.when.has_area_key() && MatchesNonArea(r, candidate, received_at)) area_rules.push_back(&r);
  }
  if (!area_rules.empty()) {
    auto wanted = [&](int area_ix) {
      const agreement::Area& area = a.areas[static_cast<size_t>(area_ix)];
      return std::any_of(area_rules.begin(), area_rules.end(),
                         [&](const Rule* r) { return AreaSelected(*r, area); });
    };
    std::vector<int> ids;
    for (size_t i = 0; i < candidate.volumes.size(); ++i) {
      ids.clear();
      rules.AreasMet(candidate.volumes[i], &ids, wanted);
      for (int id : ids) met.emplace(id, static_cast<int>(i));
    }
  }

  // The agreement's rules.
  for (const Rule& r : a.rules) {
    if (!MatchesNonArea(r, candidate, received_at)) continue;
    auto finding = [&] {
      Finding f;
      f.rule = r.id;
      f.effect = ToFindingEffect(r.effect);
      f.text = r.text;
      f.approvers = r.approvers;
      return f;
    };
    if (!r.when.has_area_key()) {
      findings.push_back(finding());
      continue;
    }
    for (const auto& [area_ix, volume] : met) {
      const agreement::Area& area = a.areas[area_ix];
      if (!AreaSelected(r, area)) continue;
      Finding f = finding();
      f.area = area.id;
      f.volume = volume;
      findings.push_back(std::move(f));
    }
  }

  // Built-in: separation.
  const agreement::Separation& s = a.separation;
  const S1ChordAngle horizontal = geo::MetersToChord(s.horizontal_m + geo::kToleranceM);
  // Operations found in conflict, with the first volume pair (FirstConflict's
  // order). The candidate's volumes are searched in order and the index
  // finds every volume that may conflict, so the first candidate volume an
  // operation is found against is the first of its pairs; a one-volume
  // operation's pair is then known without searching again.
  absl::flat_hash_map<const Operation*, Conflict> hits;
  const Operation* self = store.Find(candidate.id);  // its earlier version (a modification)
  std::vector<OperationStore::VolumeRef> near;
  for (size_t i = 0; i < candidate.volumes.size(); ++i) {
    const Volume4D& v = candidate.volumes[i];
    near.clear();
    SpaceTimeIndex::Box q{SpaceTimeIndex::Widen(v.outline.bound(), s.horizontal_m), v.alt_lower_m - s.vertical_m,
                          v.alt_upper_m + s.vertical_m, v.start - s.time, v.end + s.time};
    // Another party's operations only, unless the agreement separates a
    // party's own (Counts says the same; this drops them before reading them).
    if (s.same_party) {
      store.Candidates(q, &near);
    } else {
      store.Candidates(q, candidate.operator_party, &near);
    }
    for (const OperationStore::VolumeRef& ref : near) {
      // The operation itself is read only once its volume conflicts.
      if (ref.op == self || hits.contains(ref.op)) continue;
      const std::optional<S1Angle> d = Conflicting(v, *ref.vol, s, horizontal);
      if (!d || !Counts(candidate, *ref.op, s)) continue;
      hits.emplace(ref.op, ref.op->volumes.size() == 1
                               ? Conflict{ref.op, static_cast<int>(i), 0, *d}
                               : *FirstConflict(candidate, *ref.op, s, horizontal, i));
    }
  }
  std::vector<Conflict> conflicts;
  conflicts.reserve(hits.size());
  for (const auto& [op, c] : hits) conflicts.push_back(c);
  std::sort(conflicts.begin(), conflicts.end(),
            [](const Conflict& x, const Conflict& y) { return x.other->id < y.other->id; });
  std::vector<Finding> sep = SeparationFindings(a, candidate, conflicts);
  findings.insert(findings.end(), std::make_move_iterator(sep.begin()),
                  std::make_move_iterator(sep.end()));
  return MakeDecision(std::move(findings));
}

std::vector<Finding> SeparationByScan(const RuleBook& rules, const OperationStore& store,
                                      const Operation& candidate) {
  const Agreement& a = rules.agreement();
  const agreement::Separation& s = a.separation;
  const S1ChordAngle horizontal = geo::MetersToChord(s.horizontal_m + geo::kToleranceM);
  std::map<std::string, Conflict> by_id;
  store.ForEach([&](const Operation& other) {
    if (!Counts(candidate, other, s)) return;
    if (auto c = FirstConflict(candidate, other, s, horizontal)) by_id.emplace(other.id, *c);
  });
  std::vector<Conflict> conflicts;
  for (const auto& [id, c] : by_id) conflicts.push_back(c);
  return SeparationFindings(a, candidate, conflicts);
}

}  // namespace jic::engine
