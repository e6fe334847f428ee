// Reading the peers' workload files (../shared/bench/peers/gen_workload.py):
//   w1_stored.tsv / w1_queries.tsv  id alt_lo alt_hi t0 t1 WKT
//   w2_areas.tsv                    id alt_lo alt_hi WKT
// WKT is "POLYGON((lon lat,lon lat,...))", one closed counter-clockwise ring.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "s2/s2point.h"

namespace jic::bench {

struct Row {
  int64_t id = 0;
  double alt_lo = 0, alt_hi = 0;
  int64_t t0 = 0, t1 = 0;  // epoch seconds (W1 only)
  std::vector<S2Point> ring;  // closing vertex dropped
};

// Reads at most `limit` rows; `with_time` for the W1 files. Exits with a
// message when the file cannot be read.
std::vector<Row> ReadRows(const std::string& path, size_t limit, bool with_time);

}  // namespace jic::bench
