// Log: the center's source of truth — an append-only sequence of entries,
// each an opaque byte string (its canonical encoding is the caller's), with
// snapshots of the state folded from them (DESIGN.md, "Storage is a small
// interface"). Backends: SQLite in WAL mode (sqlite_log.h); a replicated
// engine can stand behind the same interface.
//
// Thread-safety: every method may be called from any thread; appends are
// serialized by the backend. The coordinator is meant to be the only writer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "jic/base/status.h"

namespace jic::log {

struct Snapshot {
  uint64_t seq = 0;   // the state after entry `seq` (0: before any)
  std::string bytes;
};

class Log {
 public:
  virtual ~Log() = default;

  // The sequence number the next entry gets; 1 for an empty log.
  virtual uint64_t next_seq() const = 0;

  // Appends `entries` as seq first_seq, first_seq + 1, ... all or none, and
  // returns only once they are durable (synced to stable storage): an OK
  // here is what lets the center acknowledge a command.
  // FailedPrecondition, with nothing written, when first_seq != next_seq()
  // (someone else appended first). IoError when the storage fails.
  virtual Status Append(uint64_t first_seq, std::span<const std::string> entries) = 0;

  // Calls fn(seq, bytes) for each entry with seq >= from, in order, at most
  // `limit` of them, until fn returns false. The bytes are valid during the
  // call only.
  virtual Status Read(uint64_t from, uint64_t limit,
                      const std::function<bool(uint64_t, std::string_view)>& fn) const = 0;

  // Keeps a snapshot of the state after entry `seq`. REQUIRES: seq < next_seq()
  virtual Status PutSnapshot(uint64_t seq, std::string_view bytes) = 0;

  // The snapshot with the highest seq, or nullopt when there is none.
  virtual Result<std::optional<Snapshot>> LatestSnapshot() const = 0;
};

}  // namespace jic::log
