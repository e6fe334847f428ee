// OperationStore: the operations the center knows, by id, with the volumes of
// those that take part in separation filed in a SpaceTimeIndex.
//
// Thread-safety: const methods may run concurrently; Put and Erase need
// exclusive access (the coordinator is the only writer).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "jic/engine/operation.h"
#include "jic/engine/space_time_index.h"

namespace jic::engine {

class OperationStore {
 public:
  // One volume of a stored operation.
  struct VolumeRef {
    const Operation* op;
    uint32_t volume;
    // op->volumes[volume], kept beside the index so that a candidate's
    // volume is read without reading its operation first.
    const Volume4D* vol;
  };

  explicit OperationStore(SpaceTimeIndex::Options options = {});
  OperationStore(const OperationStore&) = delete;
  OperationStore& operator=(const OperationStore&) = delete;

  // Adds `op`, or replaces the operation with the same id. Its volumes are
  // indexed when its state takes part in separation. REQUIRES: !op.id.empty()
  void Put(Operation op);
  // Exchanges the contents of the two stores.
  void Swap(OperationStore& other) noexcept {
    slots_.swap(other.slots_);
    free_slots_.swap(other.free_slots_);
    by_id_.swap(other.by_id_);
    volumes_.swap(other.volumes_);
    free_volumes_.swap(other.free_volumes_);
    slot_volumes_.swap(other.slot_volumes_);
    parties_.swap(other.parties_);
    std::swap(index_, other.index_);
  }

  // Removes the operation; false when there was none.
  bool Erase(std::string_view id);

  // The operation, or null. Valid until the next Put or Erase of that id.
  const Operation* Find(std::string_view id) const;
  size_t size() const { return by_id_.size(); }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& slot : slots_) {
      if (slot) fn(*slot);
    }
  }

  // Appends the indexed volumes whose bounds may meet `query` (a superset;
  // confirm exactly). Order: by internal volume number, each once.
  void Candidates(const SpaceTimeIndex::Box& query, std::vector<VolumeRef>* out) const;
  // The same without the volumes of `skip_party`'s operations (their
  // operator), dropped before the operations themselves are read.
  void Candidates(const SpaceTimeIndex::Box& query, std::string_view skip_party,
                  std::vector<VolumeRef>* out) const;

  // The box a volume is filed under.
  static SpaceTimeIndex::Box BoxOf(const Volume4D& v);

  const SpaceTimeIndex& index() const { return index_; }

 private:
  void Index(uint32_t slot);
  void Unindex(uint32_t slot);
  void Prefetch(const std::vector<uint32_t>& nums) const;

  std::vector<std::unique_ptr<Operation>> slots_;
  std::vector<uint32_t> free_slots_;
  absl::flat_hash_map<std::string, uint32_t> by_id_;  // looked up by string_view
  // Volume number -> (slot, volume index); numbers are reused.
  struct VolumeSlot {
    const Volume4D* vol;  // valid while indexed (Put and Erase unindex first)
    uint32_t slot;
    uint16_t volume;  // < kMaxVolumes
    uint16_t party;   // the operator, as a number of parties_
  };
  uint16_t PartyNumber(const std::string& party);
  std::vector<std::string> parties_;  // operators seen, by number
  std::vector<VolumeSlot> volumes_;
  std::vector<uint32_t> free_volumes_;
  std::vector<std::vector<uint32_t>> slot_volumes_;  // slot -> its volume numbers
  SpaceTimeIndex index_;
};

}  // namespace jic::engine
