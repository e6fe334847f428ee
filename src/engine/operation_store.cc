#include "jic/engine/operation_store.h"

namespace jic::engine {

OperationStore::OperationStore(SpaceTimeIndex::Options options) : index_(options) {}

SpaceTimeIndex::Box OperationStore::BoxOf(const Volume4D& v) {
  return SpaceTimeIndex::Box{v.outline.bound(), v.alt_lower_m, v.alt_upper_m, v.start, v.end};
}

void OperationStore::Index(uint32_t slot) {
  const Operation& op = *slots_[slot];
  if (!TakesPartInSeparation(op.state)) return;
  auto& mine = slot_volumes_[slot];
  for (uint32_t i = 0; i < op.volumes.size(); ++i) {
    uint32_t num;
    if (!free_volumes_.empty()) {
      num = free_volumes_.back();
      free_volumes_.pop_back();
      volumes_[num] = VolumeSlot{slot, i};
    } else {
      num = static_cast<uint32_t>(volumes_.size());
      volumes_.push_back(VolumeSlot{slot, i});
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
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return false;
  const uint32_t slot = it->second;
  Unindex(slot);
  by_id_.erase(it);
  slots_[slot].reset();
  free_slots_.push_back(slot);
  return true;
}

const Operation* OperationStore::Find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : slots_[it->second].get();
}

void OperationStore::Candidates(const SpaceTimeIndex::Box& query, std::vector<VolumeRef>* out) const {
  thread_local std::vector<uint32_t> nums;
  nums.clear();
  index_.Query(query, &nums);
  for (uint32_t num : nums) {
    const VolumeSlot& vs = volumes_[num];
    out->push_back(VolumeRef{slots_[vs.slot].get(), vs.volume});
  }
}

}  // namespace jic::engine
