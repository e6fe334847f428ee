#include "jic/engine/operation_store.h"

#include "absl/strings/string_view.h"

namespace jic::engine {

OperationStore::OperationStore(SpaceTimeIndex::Options options) : index_(options) {}

SpaceTimeIndex::Box OperationStore::BoxOf(const Volume4D& v) {
  return SpaceTimeIndex::Box{v.outline.bound(), v.alt_lower_m, v.alt_upper_m, v.start, v.end};
}

uint16_t OperationStore::PartyNumber(const std::string& party) {
  for (size_t i = 0; i < parties_.size(); ++i) {
    if (parties_[i] == party) return static_cast<uint16_t>(i);
  }
  // Operators are the agreement's parties (a handful); past 65,535 distinct
  // names every further one shares the last number, which only costs the
  // filter its precision (Candidates compares the names then).
  if (parties_.size() < 0xffff) parties_.push_back(party);
  return static_cast<uint16_t>(parties_.size() - 1);
}

void OperationStore::Index(uint32_t slot) {
  const Operation& op = *slots_[slot];
  if (!TakesPartInSeparation(op.state)) return;
  auto& mine = slot_volumes_[slot];
  const uint16_t party = PartyNumber(op.operator_party);
  for (uint32_t i = 0; i < op.volumes.size(); ++i) {
    const VolumeSlot v{&op.volumes[i], slot, static_cast<uint16_t>(i), party};
    uint32_t num;
    if (!free_volumes_.empty()) {
      num = free_volumes_.back();
      free_volumes_.pop_back();
      volumes_[num] = v;
    } else {
      num = static_cast<uint32_t>(volumes_.size());
      volumes_.push_back(v);
    }
    mine.push_back(num);
    index_.Insert(num, BoxOf(op.volumes[i]));
  }
}

void OperationStore::Unindex(uint32_t slot) {
  const Operation& op = *slots_[slot];
  auto& mine = slot_volumes_[slot];
  for (uint32_t num : mine) {
    index_.Remove(num, BoxOf(op.volumes[volumes_[num].volume]));
    free_volumes_.push_back(num);
  }
  mine.clear();
}

void OperationStore::Put(Operation op) {
  auto it = by_id_.find(op.id);
  if (it != by_id_.end()) {
    const uint32_t slot = it->second;
    Unindex(slot);
    *slots_[slot] = std::move(op);
    Index(slot);
    return;
  }
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::make_unique<Operation>(std::move(op));
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(std::make_unique<Operation>(std::move(op)));
    slot_volumes_.emplace_back();
  }
  by_id_.emplace(slots_[slot]->id, slot);
  Index(slot);
}

bool OperationStore::Erase(std::string_view id) {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  if (it == by_id_.end()) return false;
  const uint32_t slot = it->second;
  Unindex(slot);
  by_id_.erase(it);
  slots_[slot].reset();
  free_slots_.push_back(slot);
  return true;
}

const Operation* OperationStore::Find(std::string_view id) const {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  return it == by_id_.end() ? nullptr : slots_[it->second].get();
}

// The index's answers point into memory nobody has touched lately (a volume
// number's slot, the volume, its vertices, its operation): each is a cache
// miss, and reading them one candidate after another pays them in series.
// Asking for each layer for all candidates before reading it overlaps them.
// noipa: GCC's interprocedural analysis finds that this function has no
// effect a program could observe (prefetches only hint), marks it pure, and
// drops the calls, whose result nobody uses; without it, -O2 builds never
// prefetched at all. (Clang has no such analysis, nor the attribute.)
#if defined(__clang__)
#define JIC_NO_IPA __attribute__((noinline))
#else
#define JIC_NO_IPA __attribute__((noipa))
#endif
JIC_NO_IPA void OperationStore::Prefetch(const std::vector<uint32_t>& nums) const {
  for (uint32_t num : nums) __builtin_prefetch(&volumes_[num]);
  for (uint32_t num : nums) {
    const VolumeSlot& vs = volumes_[num];
    __builtin_prefetch(&slots_[vs.slot]);
    // A volume (112 bytes) starts anywhere in a line, so it may touch three:
    // its altitudes and times, read first, are at its end.
    const char* vol = reinterpret_cast<const char*>(vs.vol);
    __builtin_prefetch(vol);
    __builtin_prefetch(vol + 64);
    __builtin_prefetch(vol + sizeof(Volume4D) - 1);
  }
  for (uint32_t num : nums) {
    const VolumeSlot& vs = volumes_[num];
    vs.vol->outline.PrefetchVertices();
    // The operation: decide() reads its id, state, operator and category
    // for every candidate that conflicts.
    const char* op = reinterpret_cast<const char*>(slots_[vs.slot].get());
    __builtin_prefetch(op);
    __builtin_prefetch(op + 64);
    __builtin_prefetch(op + 128);
  }
}

void OperationStore::Candidates(const SpaceTimeIndex::Box& query, std::vector<VolumeRef>* out) const {
  thread_local std::vector<uint32_t> nums;
  nums.clear();
  index_.Query(query, &nums);
  Prefetch(nums);
  for (uint32_t num : nums) {
    const VolumeSlot& vs = volumes_[num];
    out->push_back(VolumeRef{slots_[vs.slot].get(), vs.volume, vs.vol});
  }
}

void OperationStore::Candidates(const SpaceTimeIndex::Box& query, std::string_view skip_party,
                                std::vector<VolumeRef>* out) const {
  thread_local std::vector<uint32_t> nums;
  nums.clear();
  index_.Query(query, &nums);
  Prefetch(nums);
  int skip = -1;
  for (size_t i = 0; i < parties_.size(); ++i) {
    if (parties_[i] == skip_party) skip = static_cast<int>(i);
  }
  // Once 65,535 names are numbered the last number is shared: compare names.
  const bool exact = !(parties_.size() == 0xffff && skip == 0xfffe);
  for (uint32_t num : nums) {
    const VolumeSlot& vs = volumes_[num];
    if (vs.party == skip && (exact || slots_[vs.slot]->operator_party == skip_party)) continue;
    out->push_back(VolumeRef{slots_[vs.slot].get(), vs.volume, vs.vol});
  }
}

}  // namespace jic::engine
