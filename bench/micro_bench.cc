// Micro-benchmarks of the exact predicates and parsers on the hot paths of
// decide(), with Google Benchmark. Prints one JSON object per benchmark
// (name, n = iterations, per_s, ns_per_op), like the other benchmarks.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "jic/engine/operation_json.h"
#include "jic/geo/earth.h"
#include "jic/geo/outline.h"
#include "s2/s2latlng.h"

namespace {

using jic::geo::Outline;

// A star-shaped polygon of `n` vertices, `diam_km` across, around (lat, lng).
Outline Star(double lat, double lng, double diam_km, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(-0.35, 0.35), rad(0.5, 1.0);
  std::vector<S2Point> ring;
  for (int i = 0; i < n; ++i) {
    double ang = (i + jitter(rng)) * 2 * M_PI / n;
    double r_km = diam_km / 2 * rad(rng);
    double dlat = r_km / 110.574 * std::sin(ang);
    double dlng = r_km / (111.320 * std::cos(lat * M_PI / 180)) * std::cos(ang);
    ring.push_back(S2LatLng::FromDegrees(lat + dlat, lng + dlng).ToPoint());
  }
  return Outline::Polygon(ring);
}

void BM_PolygonsOverlap(benchmark::State& state) {
  Outline a = Star(35.0, 38.0, 10, 20, 1), b = Star(35.01, 38.01, 10, 20, 2);
  const S1ChordAngle touch = jic::geo::MetersToChord(jic::geo::kToleranceM);
  for (auto _ : state) benchmark::DoNotOptimize(jic::geo::WithinDistance(a, b, touch));
}
BENCHMARK(BM_PolygonsOverlap);

void BM_PolygonsNearMiss(benchmark::State& state) {
  // Bounding caps overlap, the polygons do not: the full edge-pair search.
  Outline a = Star(35.0, 38.0, 10, static_cast<int>(state.range(0)), 3);
  Outline b = Star(35.0, 38.085, 10, static_cast<int>(state.range(0)), 4);
  const S1ChordAngle touch = jic::geo::MetersToChord(jic::geo::kToleranceM);
  for (auto _ : state) benchmark::DoNotOptimize(jic::geo::WithinDistance(a, b, touch));
}
BENCHMARK(BM_PolygonsNearMiss)->Arg(8)->Arg(32);

void BM_PolygonContains(benchmark::State& state) {
  Outline a = Star(35.0, 38.0, 10, 32, 5);
  S2Point p = S2LatLng::FromDegrees(35.001, 38.001).ToPoint();
  for (auto _ : state) benchmark::DoNotOptimize(a.Contains(p));
}
BENCHMARK(BM_PolygonContains);

// decide()'s separation test: 4,096 pairs of polygons (8-32 vertices, 1-20 km
// across, centres up to 15 km apart) measured against a 5 km minimum, as
// the index hands them over: about as many within it and overlapping as
// decide() meets on the peers' W1 workload (78% and 33%).
void BM_SeparationMeasure(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::pair<Outline, Outline>> pairs;
  for (int i = 0; i < 4096; ++i) {
    const double lat = 33 + 4 * u(rng), lng = 36 + 5 * u(rng);
    const double d_km = 15 * std::sqrt(u(rng)), ang = 2 * M_PI * u(rng);
    const double lat2 = lat + d_km / 110.574 * std::sin(ang);
    const double lng2 = lng + d_km / (111.320 * std::cos(lat * M_PI / 180)) * std::cos(ang);
    pairs.emplace_back(Star(lat, lng, 1 + 19 * u(rng), 8 + static_cast<int>(25 * u(rng)), rng()),
                       Star(lat2, lng2, 1 + 19 * u(rng), 8 + static_cast<int>(25 * u(rng)), rng()));
  }
  const S1ChordAngle limit = jic::geo::MetersToChord(5000 + jic::geo::kToleranceM);
  size_t i = 0;
  for (auto _ : state) {
    const auto& [a, b] = pairs[i++ & 4095];
    benchmark::DoNotOptimize(jic::geo::MeasureWithin(a, b, limit));
  }
}
BENCHMARK(BM_SeparationMeasure);

void BM_ParseOperation(benchmark::State& state) {
  const std::string json = R"({"id":"op-17","operator":"SY","submitted_by":"RU","category":"medevac",
    "aircraft":[{"callsign":"SYR123","icao24":"7701a2"}],
    "volumes":[{"volume":{"outline_polygon":{"vertices":[{"lat":36.15,"lng":37.0},{"lat":36.15,"lng":37.2},{"lat":36.3,"lng":37.2}]},
    "altitude_lower":{"value":500,"reference":"W84","units":"M"},"altitude_upper":{"value":3000,"reference":"W84","units":"M"}},
    "time_start":{"value":"2016-07-20T10:00:00Z","format":"RFC3339"},"time_end":{"value":"2016-07-20T11:00:00Z","format":"RFC3339"}}]})";
  for (auto _ : state) {
    auto op = jic::engine::ParseOperationJson(json, jic::engine::OperationForm::kNotification);
    benchmark::DoNotOptimize(op.ok());
  }
}
BENCHMARK(BM_ParseOperation);

// Prints one JSON object per benchmark run.
class JsonLineReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const double ns = r.GetAdjustedRealTime();  // per iteration, in the run's time unit (ns)
      std::printf("{\"name\":\"micro/%s\",\"n\":%lld,\"p50_us\":null,\"p99_us\":null,"
                  "\"per_s\":%.1f,\"ns_per_op\":%.1f}\n",
                  r.benchmark_name().c_str(), static_cast<long long>(r.iterations), 1e9 / ns, ns);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  JsonLineReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
