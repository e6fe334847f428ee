#include "jic/engine/rule_book.h"

#include "jic/geo/earth.h"

namespace jic::engine {

RuleBook::RuleBook(std::shared_ptr<const agreement::Agreement> agreement)
    : agreement_(std::move(agreement)) {
  const auto& areas = agreement_->areas;
  for (size_t i = 0; i < areas.size(); ++i) {
    const agreement::Area& a = areas[i];
    areas_.Insert(static_cast<uint32_t>(i), SpaceTimeIndex::Box{a.region.bound(), a.alt_lower_m,
                                                                a.alt_upper_m, a.valid_from,
                                                                a.valid_to});
  }
}

bool RuleBook::Meets(const agreement::Area& area, const Volume4D& v) const {
  if (v.alt_lower_m > area.alt_upper_m || area.alt_lower_m > v.alt_upper_m) return false;
  if (v.start > area.valid_to || area.valid_from > v.end) return false;
  return area.region.WithinDistance(v.outline, geo::MetersToChord(geo::kToleranceM));
}

void RuleBook::AreasMet(const Volume4D& v, std::vector<int>* out) const {
  AreasMet(v, out, [](int) { return true; });
}

void RuleBook::AreasMet(const Volume4D& v, std::vector<int>* out,
                        absl::FunctionRef<bool(int)> wanted) const {
  thread_local std::vector<uint32_t> ids;
  ids.clear();
  SpaceTimeIndex::Box q{SpaceTimeIndex::Widen(v.outline.bound(), 0),
                        v.alt_lower_m, v.alt_upper_m, v.start, v.end};
  areas_.Query(q, &ids);
  for (uint32_t i : ids) {
    if (wanted(static_cast<int>(i)) && Meets(agreement_->areas[i], v)) out->push_back(static_cast<int>(i));
  }
}

void RuleBook::AreasMetByScan(const Volume4D& v, std::vector<int>* out) const {
  for (size_t i = 0; i < agreement_->areas.size(); ++i) {
    if (Meets(agreement_->areas[i], v)) out->push_back(static_cast<int>(i));
  }
}

}  // namespace jic::engine
