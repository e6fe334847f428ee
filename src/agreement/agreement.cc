#include "jic/agreement/agreement.h"

namespace jic::agreement {

std::string_view AreaKindName(AreaKind kind) {
  switch (kind) {
    case AreaKind::kDesignated: return "designated";
    case AreaKind::kProtectedSite: return "protected_site";
    case AreaKind::kRestricted: return "restricted";
    case AreaKind::kCorridor: return "corridor";
  }
  return "?";
}

std::optional<AreaKind> ParseAreaKind(std::string_view name) {
  for (AreaKind k : {AreaKind::kDesignated, AreaKind::kProtectedSite, AreaKind::kRestricted,
                     AreaKind::kCorridor}) {
    if (AreaKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view EffectName(Effect e) {
  switch (e) {
    case Effect::kReject: return "reject";
    case Effect::kRequireApproval: return "require_approval";
    case Effect::kWarn: return "warn";
  }
  return "?";
}

void Agreement::Reindex() {
  party_ix_.clear();
  category_ix_.clear();
  area_ix_.clear();
  for (size_t i = 0; i < parties.size(); ++i) party_ix_.emplace(parties[i].id, i);
  for (size_t i = 0; i < categories.size(); ++i) category_ix_.emplace(categories[i].id, i);
  for (size_t i = 0; i < areas.size(); ++i) area_ix_.emplace(areas[i].id, i);
}

const Party* Agreement::FindParty(std::string_view id) const {
  auto it = party_ix_.find(std::string(id));
  return it == party_ix_.end() ? nullptr : &parties[it->second];
}

const Category* Agreement::FindCategory(std::string_view id) const {
  auto it = category_ix_.find(std::string(id));
  return it == category_ix_.end() ? nullptr : &categories[it->second];
}

const Area* Agreement::FindArea(std::string_view id) const {
  int i = AreaIndex(id);
  return i < 0 ? nullptr : &areas[i];
}

int Agreement::AreaIndex(std::string_view id) const {
  auto it = area_ix_.find(std::string(id));
  return it == area_ix_.end() ? -1 : static_cast<int>(it->second);
}

const Party* Agreement::PartyOfAircraft(std::string_view icao24) const {
  const Party* best = nullptr;
  size_t best_len = 0;
  for (const Party& p : parties) {
    for (const std::string& a : p.aircraft) {
      if (!a.empty() && a.back() == '*') {
        std::string_view prefix(a.data(), a.size() - 1);
        if (icao24.substr(0, prefix.size()) == prefix &&
            (best == nullptr || prefix.size() > best_len)) {
          best = &p;
          best_len = prefix.size();
        }
      } else if (a == icao24) {
        return &p;
      }
    }
  }
  return best;
}

}  // namespace jic::agreement
