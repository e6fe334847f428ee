#include "workload.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "s2/s2latlng.h"

namespace jic::bench {

std::vector<Row> ReadRows(const std::string& path, size_t limit, bool with_time) {
  std::ifstream f(path);
  if (!f) {
    std::cerr << "cannot open " << path << " (generate it with bench/gen_workload.py)\n";
    std::exit(2);
  }
  std::vector<Row> out;
  std::string line;
  while (out.size() < limit && std::getline(f, line)) {
    Row r;
    const char* p = line.c_str();
    char* e;
    r.id = std::strtoll(p, &e, 10);
    r.alt_lo = std::strtod(e, &e);
    r.alt_hi = std::strtod(e, &e);
    if (with_time) {
      r.t0 = std::strtoll(e, &e, 10);
      r.t1 = std::strtoll(e, &e, 10);
    }
    const char* q = std::strstr(e, "((");
    if (!q) {
      std::cerr << path << ": bad WKT at id " << r.id << "\n";
      std::exit(2);
    }
    q += 2;
    for (;;) {
      double lon = std::strtod(q, &e);
      double lat = std::strtod(e, &e);
      r.ring.push_back(S2LatLng::FromDegrees(lat, lon).ToPoint());
      q = e;
      while (*q == ' ') ++q;
      if (*q == ',') {
        ++q;
        continue;
      }
      break;
    }
    if (r.ring.size() > 1 && r.ring.front() == r.ring.back()) r.ring.pop_back();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace jic::bench
